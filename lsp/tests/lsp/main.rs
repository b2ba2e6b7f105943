//! In-process tests of `alloy lsp`: the real server on a duplex pipe,
//! driven with JSON-RPC messages, one module per feature.

mod common;

mod code_actions;
mod completion;
mod contexts;
mod diagnostics;
mod formatting;
mod graph;
mod hover;
mod lifecycle;
mod navigation;
mod ottl;
mod rename;
mod robustness;
mod signature_inlay;
mod structure;
mod symbols;
mod transport;

/// A small pipeline used by several modules.
pub const PIPELINE: &str = r#"prometheus.exporter.unix "host" { }

prometheus.scrape "host" {
	targets    = prometheus.exporter.unix.host.targets
	forward_to = [prometheus.remote_write.default.receiver]
}

prometheus.remote_write "default" {
	endpoint {
		url = "http://localhost:9009/api/v1/push"
	}
}
"#;

//! Instruction counts of "an edit, then a completion" on the 10,000-line
//! config of the `lsp` bench, without the protocol around it, for
//! `valgrind --tool=callgrind`:
//!
//! ```sh
//! cargo build --release -p alloy-lsp --example completion_cost
//! for mode in kept full; do for n in 0 10; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/completion_cost $mode $n 2>&1 | grep refs
//! done; done
//! ```
//!
//! `kept`: the server as it is (the writer splices the edited statement into
//! the kept tree); `full`: the kept tree is dropped before each completion,
//! so the completion parses the whole file (the server before `reparse`).
//! The cost of one edit + completion is (count(10) - count(0)) / 10.

use std::sync::Arc;

use alloy_lsp::convert::Encoding;
use alloy_lsp::session::Session;
use alloy_lsp::state::State;
use alloy_lsp::world::{DocTarget, World};
use tower_lsp_server::ls_types::{Position, TextDocumentContentChangeEvent, Uri};

/// One pipeline of about 60 lines (the same shape as the `check` bench).
fn pipeline(i: usize) -> String {
    format!(
        r#"discovery.kubernetes "pods_{i}" {{
	role = "pod"
}}

discovery.relabel "pods_{i}" {{
	targets = discovery.kubernetes.pods_{i}.targets

	rule {{
		source_labels = ["__meta_kubernetes_namespace"]
		target_label  = "namespace"
		action        = "replace"
	}}
}}

prometheus.scrape "pods_{i}" {{
	targets         = discovery.relabel.pods_{i}.output
	forward_to      = [prometheus.remote_write.mimir_{i}.receiver]
	scrape_interval = "30s"
}}

prometheus.remote_write "mimir_{i}" {{
	endpoint {{
		url = "http://mimir:9009/api/v1/push"

		basic_auth {{
			username = "tenant-{i}"
			password = sys.env("MIMIR_PASSWORD")
		}}
	}}
}}

local.file_match "logs_{i}" {{
	path_targets = [{{"__path__" = "/var/log/app-{i}/*.log"}}]
}}

loki.source.file "logs_{i}" {{
	targets    = local.file_match.logs_{i}.targets
	forward_to = [loki.process.logs_{i}.receiver]
}}

loki.process "logs_{i}" {{
	stage.logfmt {{
		mapping = {{ "level" = "" }}
	}}

	stage.labels {{
		values = {{ "level" = "" }}
	}}

	forward_to = [loki.write.loki_{i}.receiver]
}}

loki.write "loki_{i}" {{
	endpoint {{
		url = "http://loki:3100/loki/api/v1/push"
	}}
}}

otelcol.receiver.otlp "otlp_{i}" {{
	grpc {{ }}

	output {{
		traces = [otelcol.processor.batch.otlp_{i}.input]
	}}
}}

otelcol.processor.batch "otlp_{i}" {{
	output {{
		traces = [otelcol.exporter.otlp.tempo_{i}.input]
	}}
}}

otelcol.exporter.otlp "tempo_{i}" {{
	client {{
		endpoint = "tempo:4317"
	}}
}}

"#
    )
}

fn config_of_lines(lines: usize) -> String {
    let mut out = String::new();
    let mut i = 0;
    while out.lines().count() < lines {
        out.push_str(&pipeline(i));
        i += 1;
    }
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "kept".into());
    let n: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(10);
    let text = config_of_lines(10_000);
    let site =
        text.find("scrape_interval = \"30s\"").expect("edit site") + "scrape_interval = \"30".len();
    let variants: Vec<String> = ['x', 's']
        .iter()
        .map(|ch| {
            let mut t = text.clone();
            t.replace_range(site..site + 1, &ch.to_string());
            t
        })
        .collect();
    let forward = text
        .find("forward_to      = [prometheus.remote_write.mimir_80")
        .expect("forward_to");
    let position = Position::new(
        text[..forward].matches('\n').count() as u32,
        "\tforward_to      = [".len() as u32,
    );
    let uri: Uri = "untitled:big.alloy".parse().expect("uri");
    let session = Arc::new(Session::default());
    let mut state = State::new();
    state.open(uri.clone(), 1, text.clone());
    let complete = |state: &State| {
        let world = World::new(state, session.clone());
        let target = DocTarget::find(state, &uri).expect("document");
        let doc = target.resolve(&world).expect("snapshot");
        let answer = alloy_lsp::handlers::completion::completion(&world, &doc, position)
            .expect("not cancelled");
        assert!(answer.is_some());
    };
    // Warm: the first parse, which fills the kept tree.
    complete(&state);
    for i in 0..n {
        let change = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: variants[i % 2].clone(),
        };
        state.change(uri.clone(), i as i32 + 2, vec![change], Encoding::Utf16);
        if mode == "full" {
            state.trees.remove(uri.as_str());
        }
        complete(&state);
    }
}

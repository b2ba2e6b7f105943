//! Generated configurations for benchmarks (`benches/check.rs`, the
//! `check_profile` example, and the language server's benchmarks): realistic
//! pipelines with unique labels, so no external data is needed. Not part of
//! the supported API.

/// One pipeline of about 60 lines: discovery, relabel, scrape, remote
/// write, a Loki pipeline and an OTLP pipeline, all wired together.
pub fn pipeline(i: usize) -> String {
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

/// A config of at least `bytes` bytes.
pub fn config_of_size(bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 4096);
    let mut i = 0;
    while out.len() < bytes {
        out.push_str(&pipeline(i));
        i += 1;
    }
    out
}

/// A config of at least `lines` lines.
pub fn config_of_lines(lines: usize) -> String {
    let mut out = String::new();
    let (mut i, mut count) = (0, 0);
    while count < lines {
        let part = pipeline(i);
        // Each pipeline ends with a newline, so counts add up.
        count += part.lines().count();
        out.push_str(&part);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The benchmarks measure clean configs: an error path would measure
    /// something else.
    #[test]
    fn generated_configs_check_clean_at_the_requested_size() {
        let text = config_of_lines(300);
        assert!(text.lines().count() >= 300);
        assert!(config_of_size(20_000).len() >= 20_000);
        let mut host = crate::AnalysisHost::new();
        let file = host.set_file("bench.alloy", text.as_bytes());
        let config = host.new_config(vec![file]);
        let diagnostics = host.analysis().diagnostics(config).expect("not cancelled");
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    }
}

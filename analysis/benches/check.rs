//! `alloy check` speed: a cold check of a 4 MB config, and a re-check
//! through the database after a one-character edit in a 10,000-line file.
//! Inputs are generated (realistic pipelines with unique labels), so the
//! bench needs no external data. See docs/benchmarks.md, "check".

use std::hint::black_box;

use alloy_analysis::catalogue::Stability;
use alloy_analysis::AnalysisHost;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// One pipeline of about 60 lines: discovery, relabel, scrape, remote
/// write, a Loki pipeline and an OTLP pipeline, all wired together.
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
    let mut i = 0;
    while out.lines().count() < lines {
        out.push_str(&pipeline(i));
        i += 1;
    }
    out
}

fn check_cold(c: &mut Criterion) {
    let text = config_of_size(4 << 20);
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    // The floor: parsing alone, to report the check as a ratio of it.
    group.bench_function("parse_only_4mb", |b| {
        b.iter(|| black_box(alloy_syntax::parse(&text).has_errors()))
    });
    group.bench_function("cold_4mb", |b| {
        b.iter(|| {
            let mut host = AnalysisHost::new();
            host.set_settings(Stability::GenerallyAvailable, false);
            let file = host.set_file("big.alloy", text.as_bytes());
            let config = host.new_config(vec![file]);
            let diagnostics = host.analysis().diagnostics(config).expect("not cancelled");
            black_box(diagnostics.len())
        })
    });
    group.finish();
}

fn recheck_after_edit(c: &mut Criterion) {
    let text = config_of_lines(10_000);
    let mut host = AnalysisHost::new();
    let file = host.set_file("big.alloy", text.as_bytes());
    let config = host.new_config(vec![file]);
    host.analysis().diagnostics(config).expect("not cancelled");
    // Edit one character inside one component's body, alternating so every
    // iteration is a real change.
    let target = text.find("tenant-7\"").expect("edit site") + "tenant-".len();
    let variants: Vec<Vec<u8>> = ['7', '8']
        .iter()
        .map(|ch| {
            let mut bytes = text.clone().into_bytes();
            bytes[target] = *ch as u8;
            bytes
        })
        .collect();
    c.bench_function("check/parse_only_10k_lines", |b| {
        b.iter(|| black_box(alloy_syntax::parse(&text).has_errors()))
    });
    let mut n = 0usize;
    c.bench_function("check/recheck_one_char_10k_lines", |b| {
        b.iter(|| {
            n += 1;
            host.set_file("big.alloy", variants[n % 2].clone());
            let diagnostics = host.analysis().diagnostics(config).expect("not cancelled");
            black_box(diagnostics.len())
        })
    });
}

criterion_group!(benches, check_cold, recheck_after_edit);
criterion_main!(benches);

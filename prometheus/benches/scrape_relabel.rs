//! Scrape -> relabel throughput: a synthetic exposition (10,000 series of
//! a node-exporter-like shape) parsed by the scrape loop's [`Scraper`]
//! (series cache warm, as in steady state) and passed through a relabel
//! stage with three rules to a receiver that drops everything. Reported as
//! samples per second on one core.

use std::sync::Arc;
use std::time::Duration;

use alloy_metrics::Registry;
use alloy_prometheus::model::{AppendError, Appendable, Batch, Fanout, Labels};
use alloy_prometheus::relabel::{CacheMode, Dialect, RelabelMetrics, RelabelStage, RuleSpec};
use alloy_prometheus::scrape::scrape_loop::{ScrapeMetrics, Scraper};
use alloy_prometheus::scrape::target::{populate, TargetDefaults};
use alloy_prometheus::scrape::LoopOptions;
use alloy_prometheus::textparse::Format;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

struct Discard;

impl Appendable for Discard {
    fn append(&self, batch: &Batch) -> Result<(), AppendError> {
        std::hint::black_box(batch.sample_count());
        Ok(())
    }
}

fn body(series: usize) -> Vec<u8> {
    let mut out = String::new();
    for family in 0..series / 100 {
        out.push_str(&format!(
            "# HELP node_family_{family}_total Synthetic counter family.\n# TYPE node_family_{family}_total counter\n"
        ));
        for i in 0..100 {
            out.push_str(&format!(
                "node_family_{family}_total{{cpu=\"{i}\",mode=\"user\",device=\"sda{}\"}} {}.25\n",
                i % 4,
                family * 1000 + i
            ));
        }
    }
    out.into_bytes()
}

fn scraper() -> Scraper {
    let target = populate(
        &Labels::from_pairs([("__address__", "localhost:9100"), ("env", "bench")]),
        &TargetDefaults {
            job: "prometheus.scrape.bench".into(),
            scheme: "http".into(),
            metrics_path: "/metrics".into(),
            interval: Duration::from_secs(15),
            timeout: Duration::from_secs(10),
            params: vec![],
        },
    )
    .expect("valid")
    .expect("kept");
    let opts = LoopOptions {
        honor_labels: false,
        honor_timestamps: true,
        track_timestamps_staleness: false,
        sample_limit: 0,
        label_limit: 0,
        label_name_length_limit: 0,
        label_value_length_limit: 0,
        extra_metrics: false,
        fallback: Some(Format::PrometheusText),
        legacy_names: true,
        type_and_unit_labels: false,
        offset_seed: 0,
        timeout: Duration::from_secs(10),
    };
    Scraper::new(
        target,
        Arc::new(opts),
        ScrapeMetrics::new(&Registry::new(), "bench"),
    )
}

fn stage() -> RelabelStage {
    let rule = |action: &str, source: &[&str], regex: &str, target: &str| {
        RuleSpec {
            source_labels: (!source.is_empty())
                .then(|| source.iter().map(|s| s.to_string()).collect()),
            regex: regex.into(),
            target_label: target.into(),
            action: action.into(),
            ..RuleSpec::default()
        }
        .compile(Dialect::Alloy)
        .expect("valid")
    };
    RelabelStage::new(
        vec![
            rule("replace", &["device"], "sd(.*)", "disk"),
            rule("drop", &["mode"], "idle", ""),
            rule("labeldrop", &[], "cpu", ""),
        ],
        Fanout::new(vec![Arc::new(Discard)]),
        CacheMode::Lru(100_000),
        RelabelMetrics::new(&Registry::new(), "bench"),
    )
}

fn bench(c: &mut Criterion) {
    let n = 10_000;
    let body = body(n);
    let mut g = c.benchmark_group("scrape_relabel");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(5));
    let mut s = scraper();
    let relabel = stage();
    let mut ts = 0;
    g.bench_function("parse_cache_relabel_10k_series", |b| {
        b.iter(|| {
            ts += 15_000;
            s.scrape_body(&body, "text/plain; version=0.0.4", ts)
                .expect("parses");
            relabel.append(&s.batch).expect("relabelled");
        })
    });
    let mut s = scraper();
    g.bench_function("parse_cache_only_10k_series", |b| {
        b.iter(|| {
            ts += 15_000;
            s.scrape_body(&body, "text/plain; version=0.0.4", ts)
                .expect("parses");
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! `alloy run` with the Prometheus pipeline: the self-monitoring chain
//! (`prometheus.exporter.self` -> `prometheus.scrape` -> `prometheus.relabel`)
//! and a real target, Debian's `prometheus-node-exporter` (installed by
//! `scripts/setup.d/30-prometheus.sh`), found through `discovery.file`
//! and `discovery.relabel`. Without the exporter that test skips, unless
//! `ALLOY_REQUIRE_PEERS=1`.

mod run_support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use run_support::{eventually, free_port, metric, Alloy, TempDir};

fn relabel_processed(alloy: &Alloy, id: &str) -> f64 {
    let (_, text) = alloy.get("/metrics");
    metric(
        &text,
        &format!("prometheus_relabel_metrics_processed{{component_id=\"{id}\""),
    )
    .unwrap_or(0.0)
}

#[test]
fn self_monitoring_chain_flows() {
    let dir = TempDir::new("prom-self");
    let config = dir.write(
        "config.alloy",
        "prometheus.exporter.self \"default\" { }\n\n\
         prometheus.scrape \"self\" {\n  targets = prometheus.exporter.self.default.targets\n  \
         forward_to = [prometheus.relabel.keep.receiver]\n  scrape_interval = \"1s\"\n  scrape_timeout = \"1s\"\n}\n\n\
         prometheus.relabel \"keep\" {\n  forward_to = []\n  rule {\n    source_labels = [\"__name__\"]\n    \
         regex = \"up|alloy_build_info|prometheus_.*\"\n    action = \"keep\"\n  }\n}\n",
    );
    let mut alloy = Alloy::start(&dir, &config, &[]);
    alloy.wait_ready();
    assert!(
        eventually(Duration::from_secs(20), || relabel_processed(
            &alloy,
            "prometheus.relabel.keep"
        ) > 10.0),
        "no samples reached prometheus.relabel:\n{}\n{}",
        alloy.get("/metrics").1,
        alloy.stderr()
    );
    let (_, text) = alloy.get("/metrics");
    let written = metric(
        &text,
        "prometheus_relabel_metrics_written{component_id=\"prometheus.relabel.keep\"",
    )
    .unwrap_or(0.0);
    let processed = relabel_processed(&alloy, "prometheus.relabel.keep");
    assert!(
        written > 0.0 && written < processed,
        "{written} of {processed}"
    );
    let (status, body) = alloy.get("/api/v0/web/components/prometheus.scrape.self");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"health\":\"up\"") || body.contains("up"),
        "{body}"
    );
    alloy.signal("TERM");
    assert!(alloy.wait_exit(Duration::from_secs(10)).is_some());
}

struct Exporter(Child);

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn node_exporter_is_scraped_through_file_discovery() {
    let Ok(child) = Command::new("prometheus-node-exporter")
        .arg(format!("--web.listen-address=127.0.0.1:{}", {
            let port = free_port();
            std::env::set_var("NODE_EXPORTER_TEST_PORT", port.to_string());
            port
        }))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        assert!(
            std::env::var("ALLOY_REQUIRE_PEERS").as_deref() != Ok("1"),
            "prometheus-node-exporter is required (ALLOY_REQUIRE_PEERS=1); run scripts/setup.d/30-prometheus.sh"
        );
        eprintln!("skipped: prometheus-node-exporter not found");
        return;
    };
    let _exporter = Exporter(child);
    let port = std::env::var("NODE_EXPORTER_TEST_PORT").unwrap_or_default();
    let dir = TempDir::new("prom-node");
    dir.write(
        "targets.json",
        &format!("[{{\"targets\": [\"127.0.0.1:{port}\"], \"labels\": {{\"env\": \"test\"}}}}]"),
    );
    let config = dir.write(
        "config.alloy",
        &format!(
            "discovery.file \"nodes\" {{\n  files = [\"{dir}/*.json\"]\n}}\n\n\
             discovery.relabel \"nodes\" {{\n  targets = discovery.file.nodes.targets\n  \
             rule {{\n    source_labels = [\"env\"]\n    target_label = \"environment\"\n  }}\n}}\n\n\
             prometheus.scrape \"nodes\" {{\n  targets = discovery.relabel.nodes.output\n  \
             forward_to = [prometheus.relabel.all.receiver]\n  scrape_interval = \"1s\"\n  scrape_timeout = \"900ms\"\n  extra_metrics = true\n}}\n\n\
             prometheus.relabel \"all\" {{\n  forward_to = []\n}}\n",
            dir = dir.path().display()
        ),
    );
    let mut alloy = Alloy::start(&dir, &config, &[]);
    alloy.wait_ready();
    // node_exporter exposes hundreds of series; each scrape forwards them.
    assert!(
        eventually(Duration::from_secs(30), || relabel_processed(
            &alloy,
            "prometheus.relabel.all"
        ) > 300.0),
        "node exporter samples did not arrive:\n{}\n{}",
        alloy
            .get("/api/v0/web/components/prometheus.scrape.nodes")
            .1,
        alloy.stderr()
    );
    let (_, text) = alloy.get("/metrics");
    assert_eq!(
        metric(
            &text,
            "prometheus_scrape_targets_gauge{component_id=\"prometheus.scrape.nodes\""
        ),
        Some(1.0)
    );
    let (_, info) = alloy.get("/api/v0/web/components/prometheus.scrape.nodes");
    assert!(info.contains(&format!("127.0.0.1:{port}")), "{info}");
    assert!(info.contains("environment"), "{info}");
    alloy.signal("TERM");
    assert!(alloy.wait_exit(Duration::from_secs(10)).is_some());
}

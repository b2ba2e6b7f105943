//! `alloy run` with `loki.write` pushing to the Loki-compatible sink of
//! `alloy-loki` (a real HTTP server decoding protobuf + snappy as Loki
//! does): Alloy's own log lines through the `logging` block's `write_to`,
//! upstream's `loki_write_*` metrics on `/metrics`, a clean SIGTERM.

mod run_support;

use std::time::Duration;

use alloy_loki::sink::Sink;
use run_support::{eventually, Alloy, TempDir};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn logging_write_to_reaches_loki_write() {
    let rt = runtime();
    let sink = rt.block_on(Sink::start()).expect("sink");
    let dir = TempDir::new("loki-logging");
    let config = dir.write(
        "config.alloy",
        &format!(
            r#"
logging {{
  level    = "info"
  write_to = [loki.write.x.receiver]
}}

loki.write "x" {{
  endpoint {{
    url        = "{url}"
    batch_wait = "100ms"
    tenant_id  = "self"
  }}
  external_labels = {{ cluster = "test" }}
}}
"#,
            url = sink.push_url()
        ),
    );
    let mut alloy = Alloy::start(&dir, &config, &[]);
    alloy.wait_ready();
    let entries = rt.block_on(sink.wait_for_entries(1, Duration::from_secs(20)));
    assert!(
        !entries.is_empty(),
        "no log entries; pushes {:?}; stderr:\n{}",
        sink.pushes(),
        alloy.stderr()
    );
    for e in &entries {
        assert_eq!(e.labels.get("component"), Some("alloy"));
        assert_eq!(e.labels.get("cluster"), Some("test"));
        assert!(e.line.contains("level="), "a rendered log line: {}", e.line);
        assert!(!e.line.ends_with('\n'));
    }
    let push = &sink.pushes()[0];
    assert_eq!(
        push.headers.get("x-scope-orgid").map(|v| v.as_bytes()),
        Some(&b"self"[..])
    );
    let ok = eventually(Duration::from_secs(10), || {
        let (_, metrics) = alloy.get("/metrics");
        metrics.lines().any(|l| {
            l.starts_with("loki_write_sent_entries_total{")
                && l.contains("component_id=\"loki.write.x\"")
                && l.contains("tenant=\"self\"")
                && !l.ends_with(" 0")
        })
    });
    assert!(ok, "loki_write_sent_entries_total on /metrics");
    alloy.signal("TERM");
    let status = alloy.wait_exit(Duration::from_secs(20));
    assert!(
        status.is_some_and(|s| s.success()),
        "clean exit; stderr:\n{}",
        alloy.stderr()
    );
}

/// `loki.echo` logs every entry it receives; fed by `write_to` it must not
/// feed its own lines back (upstream's loop grows without bound).
#[test]
fn echo_in_write_to_does_not_feed_itself() {
    let dir = TempDir::new("loki-echo");
    let config = dir.write(
        "config.alloy",
        r#"
logging {
  write_to = [loki.echo.e.receiver]
}
loki.echo "e" {}
"#,
    );
    let mut alloy = Alloy::start(&dir, &config, &[]);
    alloy.wait_ready();
    assert!(eventually(Duration::from_secs(10), || alloy
        .stderr()
        .contains("received log entry")));
    std::thread::sleep(Duration::from_millis(500));
    let first = alloy.stderr().len();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(alloy.stderr().len(), first, "no feedback loop");
    alloy.signal("TERM");
    let status = alloy.wait_exit(Duration::from_secs(20));
    assert!(
        status.is_some_and(|s| s.success()),
        "clean exit; stderr:\n{}",
        alloy.stderr()
    );
}

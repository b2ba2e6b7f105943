//! `loki.write` against the crate's Loki-compatible sink.

use std::time::Duration;

use alloy_loki::metrics::Registry;
use alloy_loki::sink::Sink;
use alloy_loki::write::{reason, EndpointConfig, WriteConfig, WriteMetrics, Writer};
use alloy_loki::{Entry, Labels, Receiver, Timestamp};

fn entry(stream: &str, i: usize) -> Entry {
    let labels: Labels = [("job", stream)].into_iter().collect();
    Entry::new(
        labels,
        Timestamp::new(1_700_000_000 + i as i64, 0),
        format!("{stream} line {i}"),
    )
}

fn endpoint(url: String) -> EndpointConfig {
    let mut ep = EndpointConfig::new(url);
    ep.batch_wait = Duration::from_millis(20);
    ep.min_backoff = Duration::from_millis(10);
    ep.max_backoff = Duration::from_millis(40);
    ep
}

fn writer(endpoints: Vec<EndpointConfig>) -> (Writer, WriteMetrics) {
    let registry = Registry::new();
    let metrics = WriteMetrics::new(&registry);
    let cfg = WriteConfig {
        endpoints,
        user_agent: "Alloy/test".into(),
        ..Default::default()
    };
    let w = Writer::new(cfg, &metrics).expect("valid config");
    w.start();
    (w, metrics)
}

#[tokio::test]
async fn pushes_protobuf_snappy_with_upstream_headers_in_stream_order() {
    let sink = Sink::start().await.expect("sink");
    let mut ep = endpoint(sink.push_url());
    ep.tenant_id = "team-a".into();
    ep.headers = vec![
        ("X-Custom".into(), "yes".into()),
        ("Content-Type".into(), "text/plain".into()),
    ];
    let (w, metrics) = writer(vec![ep]);
    let sent: Vec<Entry> = (0..50)
        .map(|i| entry(if i % 2 == 0 { "a" } else { "b" }, i))
        .collect();
    for chunk in sent.chunks(7) {
        w.send(chunk.to_vec()).await;
    }
    let got = sink.wait_for_entries(50, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 50);
    for stream in ["a", "b"] {
        let want: Vec<_> = sent
            .iter()
            .filter(|e| e.labels.get("job") == Some(stream))
            .collect();
        let have: Vec<_> = got
            .iter()
            .filter(|e| e.labels.get("job") == Some(stream))
            .collect();
        assert_eq!(want, have, "stream {stream} in order");
    }
    let push = &sink.pushes()[0];
    let h = |n: &str| {
        push.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    assert_eq!(h("content-type"), "application/x-protobuf");
    assert_eq!(h("content-encoding"), "snappy");
    assert_eq!(h("x-scope-orgid"), "team-a");
    assert_eq!(h("x-custom"), "yes");
    assert_eq!(h("user-agent"), "Alloy/test");
    let host = sink.addr().to_string();
    // The sink records a push before the client reads its answer.
    for _ in 0..100 {
        if metrics.sent_entries.get(&[&host, "team-a"]) == 50.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(metrics.sent_entries.get(&[&host, "team-a"]), 50.0);
    w.stop_within(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn server_errors_and_429_are_retried_other_4xx_dropped_and_counted() {
    let sink = Sink::start().await.expect("sink");
    let (w, metrics) = writer(vec![endpoint(sink.push_url())]);
    let host = sink.addr().to_string();

    sink.set_status(500);
    w.send(vec![entry("a", 1)]).await;
    sink.wait_for_pushes(2, Duration::from_secs(5)).await;
    sink.set_status(429);
    let n = sink.pushes().len();
    sink.wait_for_pushes(n + 1, Duration::from_secs(5)).await;
    sink.set_status(204);
    let got = sink.wait_for_entries(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1, "delivered after retries");
    assert!(metrics.batch_retries.get(&[&host, ""]) >= 2.0);

    sink.set_status(400);
    let before = sink.pushes().len();
    w.send(vec![entry("a", 2)]).await;
    sink.wait_for_pushes(before + 1, Duration::from_secs(5))
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(sink.pushes().len(), before + 1, "a 400 is not retried");
    assert_eq!(
        metrics.dropped_entries.get(&[&host, "", reason::GENERIC]),
        1.0
    );
    w.stop_within(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_dead_endpoint_drops_only_its_own_queue() {
    let sink = Sink::start().await.expect("sink");
    // A port nobody listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead_url = format!(
        "http://{}/loki/api/v1/push",
        dead.local_addr().expect("addr")
    );
    drop(dead);
    let mut dead_ep = endpoint(dead_url);
    dead_ep.max_retries = 0;
    dead_ep.queue.capacity = 200;
    let (w, metrics) = writer(vec![dead_ep, endpoint(sink.push_url())]);
    let total = 500;
    let started = std::time::Instant::now();
    for i in 0..total {
        w.send(vec![entry("a", i)]).await;
        if i == 10 {
            // Let the dead endpoint fail once so its queue stops blocking.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "sending never waited on the dead endpoint"
    );
    let got = sink.wait_for_entries(total, Duration::from_secs(10)).await;
    assert_eq!(got.len(), total, "the healthy endpoint got everything");
    let dropped = metrics.dropped_entries.total();
    assert!(dropped > 0.0, "the dead endpoint counted its drops");
    w.stop_within(Duration::from_millis(200)).await;
    let queued_or_dropped = metrics.dropped_entries.total();
    assert!(queued_or_dropped >= dropped);
}

#[tokio::test]
async fn stop_flushes_what_is_queued() {
    let sink = Sink::start().await.expect("sink");
    let mut ep = endpoint(sink.push_url());
    ep.batch_wait = Duration::from_secs(60);
    let (w, _) = writer(vec![ep]);
    w.send((0..10).map(|i| entry("a", i)).collect()).await;
    w.stop_within(Duration::from_secs(5)).await;
    assert_eq!(sink.entries().len(), 10);
}

#[tokio::test]
async fn external_labels_and_tenant_label() {
    let sink = Sink::start().await.expect("sink");
    let registry = Registry::new();
    let metrics = WriteMetrics::new(&registry);
    let w = Writer::new(
        WriteConfig {
            endpoints: vec![endpoint(sink.push_url())],
            external_labels: [("cluster", "c1"), ("job", "ext")].into_iter().collect(),
            ..Default::default()
        },
        &metrics,
    )
    .expect("config");
    w.start();
    let mut e = entry("a", 0);
    e.labels.insert("__tenant_id__", "t2");
    w.send(vec![e]).await;
    let got = sink.wait_for_entries(1, Duration::from_secs(5)).await;
    assert_eq!(got[0].labels.get("cluster"), Some("c1"));
    assert_eq!(got[0].labels.get("job"), Some("a"), "entry labels win");
    assert!(!got[0].labels.contains("__tenant_id__"));
    let push = &sink.pushes()[0];
    assert_eq!(
        push.headers.get("x-scope-orgid").map(|v| v.as_bytes()),
        Some(&b"t2"[..])
    );
    w.stop_within(Duration::from_secs(1)).await;
}

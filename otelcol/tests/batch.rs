//! Batch processor behaviour against a recording sink.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_otelcol::testing::{spans, Sink};
use alloy_otelcol::*;

fn sizes(sink: &Sink) -> Vec<usize> {
    sink.traces
        .lock()
        .expect("lock")
        .iter()
        .map(|t| t.item_count())
        .collect()
}

fn processor(cfg: BatchConfig, sink: &Arc<Sink>) -> (Arc<BatchProcessor>, Registry) {
    let reg = Registry::new();
    let p = BatchProcessor::new(
        "otelcol.processor.batch.test",
        cfg,
        Outputs::all(vec![sink.clone()]),
        &reg,
    )
    .expect("config");
    (p, reg)
}

#[tokio::test]
async fn size_trigger_and_max_size_split() {
    let sink = Arc::new(Sink::new());
    let cfg = BatchConfig {
        timeout: Duration::from_millis(300),
        send_batch_size: 200,
        send_batch_max_size: 300,
        ..Default::default()
    };
    let (p, reg) = processor(cfg, &sink);
    p.consume_traces(spans("svc", 1000, 1))
        .await
        .expect("accepted");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        sizes(&sink),
        vec![300, 300, 300],
        "size-triggered sends; the tail waits for the timeout"
    );
    wait_items(&sink, 1000).await;
    assert_eq!(sizes(&sink), vec![300, 300, 300, 100]);
    let l = [("processor", "batch/otelcol.processor.batch.test")];
    assert_eq!(
        reg.sum("otelcol_processor_batch_batch_size_trigger_send_total", &l),
        3.0
    );
    assert_eq!(
        reg.sum("otelcol_processor_batch_timeout_trigger_send_total", &l),
        1.0
    );
    assert_eq!(reg.sum("otelcol_processor_batch_batch_send_size", &l), 4.0);
    // Order is preserved across the split.
    let names: Vec<String> = sink
        .traces
        .lock()
        .expect("lock")
        .iter()
        .flat_map(|t| {
            t.resource_spans
                .iter()
                .flat_map(|r| &r.scope_spans)
                .flat_map(|s| &s.spans)
        })
        .map(|s| hex_id(&s.span_id))
        .collect();
    let want: Vec<String> = spans("svc", 1000, 1).resource_spans[0].scope_spans[0]
        .spans
        .iter()
        .map(|s| hex_id(&s.span_id))
        .collect();
    assert_eq!(names, want);
}

async fn wait_items(sink: &Sink, n: u64) {
    let start = Instant::now();
    while sink.items(SignalKind::Traces) < n {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "timed out waiting for {n} items"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn hex_id(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test]
async fn concurrent_small_requests_are_combined() {
    let sink = Arc::new(Sink::new());
    let cfg = BatchConfig {
        timeout: Duration::from_millis(200),
        send_batch_size: 100,
        send_batch_max_size: 150,
        ..Default::default()
    };
    let (p, _reg) = processor(cfg, &sink);
    let mut tasks = Vec::new();
    for i in 0..10 {
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            p.consume_traces(spans("svc", 30, i)).await
        }));
    }
    for t in tasks {
        t.await.expect("join").expect("accepted");
    }
    wait_items(&sink, 300).await;
    let s = sizes(&sink);
    assert_eq!(s.iter().sum::<usize>(), 300);
    assert!(s.len() < 10, "requests were combined: {s:?}");
    assert!(s.iter().all(|n| *n <= 150), "{s:?}");
}

#[tokio::test]
async fn full_downstream_is_waited_for_and_refusal_reaches_the_caller() {
    let sink = Arc::new(Sink::new());
    sink.set_capacity(false);
    let cfg = BatchConfig {
        timeout: Duration::from_millis(20),
        send_batch_size: 10,
        send_batch_max_size: 10,
        ..Default::default()
    };
    let (p, _reg) = processor(cfg, &sink);
    p.consume_traces(spans("svc", 10, 1))
        .await
        .expect("admitted");
    p.consume_traces(spans("svc", 10, 2))
        .await
        .expect("admitted up to two batches");
    let err = p
        .consume_traces(spans("svc", 10, 3))
        .await
        .expect_err("held limit reached");
    assert_eq!(err.kind(), ConsumeErrorKind::Backpressure);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        sink.items(SignalKind::Traces),
        0,
        "nothing handed to a full consumer"
    );
    sink.set_capacity(true);
    wait_items(&sink, 20).await;
    p.consume_traces(spans("svc", 10, 4))
        .await
        .expect("accepted again");
    wait_items(&sink, 30).await;
    assert_eq!(sink.items(SignalKind::Traces), 30);
}

#[tokio::test]
async fn metadata_keys_batch_separately_and_carry_only_their_keys() {
    let sink = Arc::new(Sink::new());
    let cfg = BatchConfig {
        timeout: Duration::from_millis(50),
        metadata_keys: vec!["X-Tenant".into()],
        ..Default::default()
    };
    let (p, reg) = processor(cfg, &sink);
    let mut tasks = Vec::new();
    for (i, tenant) in ["a", "b", "a"].iter().enumerate() {
        let mut t = spans("svc", 10, i as u64);
        let mut md = BTreeMap::new();
        md.insert("x-tenant".to_string(), vec![tenant.to_string()]);
        md.insert("other".to_string(), vec!["dropped".to_string()]);
        t.client = ClientInfo {
            addr: None,
            metadata: Arc::new(md),
        };
        let p = p.clone();
        tasks.push(tokio::spawn(async move { p.consume_traces(t).await }));
    }
    for t in tasks {
        t.await.expect("join").expect("accepted");
    }
    wait_items(&sink, 30).await;
    let got = sink.traces.lock().expect("lock");
    let mut per_tenant: BTreeMap<String, usize> = BTreeMap::new();
    for t in got.iter() {
        assert!(t.client.metadata.get("other").is_none());
        let tenant = t
            .client
            .get("x-tenant")
            .map(|v| v.join(","))
            .unwrap_or_default();
        *per_tenant.entry(tenant).or_default() += t.item_count();
    }
    assert_eq!(per_tenant.get("a"), Some(&20));
    assert_eq!(per_tenant.get("b"), Some(&10));
    assert_eq!(
        reg.sum("otelcol_processor_batch_metadata_cardinality", &[]),
        2.0
    );
}

#[tokio::test]
async fn shutdown_flushes_pending_data() {
    let sink = Arc::new(Sink::new());
    let cfg = BatchConfig {
        timeout: Duration::from_secs(30),
        ..Default::default()
    };
    let (p, _reg) = processor(cfg, &sink);
    p.consume_traces(spans("svc", 10, 1))
        .await
        .expect("accepted");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(sink.items(SignalKind::Traces), 0);
    p.shutdown(Instant::now() + Duration::from_secs(2))
        .await
        .expect("flushed");
    assert_eq!(sink.items(SignalKind::Traces), 10);
    let err = p
        .consume_traces(spans("svc", 1, 1))
        .await
        .expect_err("closed");
    assert_eq!(err.kind(), ConsumeErrorKind::Retryable);
}

#[tokio::test]
async fn shutdown_reports_what_a_full_downstream_never_took() {
    let sink = Arc::new(Sink::new());
    sink.set_capacity(false);
    let (p, _reg) = processor(BatchConfig::default(), &sink);
    p.consume_traces(spans("svc", 25, 1))
        .await
        .expect("accepted");
    let err = p
        .shutdown(Instant::now() + Duration::from_millis(200))
        .await
        .expect_err("deadline");
    assert_eq!(err.abandoned_items, 25);
}

#[test]
fn invalid_sizes_are_rejected() {
    let cfg = BatchConfig {
        send_batch_size: 100,
        send_batch_max_size: 50,
        ..Default::default()
    };
    assert!(cfg.validate().is_err());
    assert!(BatchConfig::default().validate().is_ok());
}

//! Unit tests of the pieces that do not need a network: size parsing and
//! the forwarding consumer's swap.

use std::sync::Arc;

use alloy_otelcol::pdata::ConsumeFuture;
use alloy_otelcol::testing::{encoded_spans, spans, Sink};
use alloy_otelcol::{Consumer, Logs, Metrics, SignalKind, Traces};

use super::decode::parse_bytes;
use super::ForwardingConsumer;

#[test]
fn sizes_parse_as_go_base2_bytes() {
    assert_eq!(parse_bytes("4MiB"), Some(4 * 1024 * 1024));
    assert_eq!(parse_bytes("512KiB"), Some(512 * 1024));
    assert_eq!(parse_bytes("20MB"), Some(20 * 1024 * 1024));
    assert_eq!(parse_bytes("1024"), Some(1024));
    assert_eq!(parse_bytes("4 parsecs"), None);
    assert_eq!(parse_bytes(""), None);
}

#[tokio::test]
async fn forwarding_consumer_refuses_without_target_and_follows_swaps() {
    let forward = ForwardingConsumer::new("otelcol.processor.batch.t");
    assert!(forward.consume_traces(spans("svc", 2, 1)).await.is_err());
    assert!(!forward.has_capacity(SignalKind::Traces));

    let first = Arc::new(Sink::new());
    forward.set(first.clone());
    forward
        .consume_traces(spans("svc", 3, 1))
        .await
        .expect("first target accepts");
    let second = Arc::new(Sink::new());
    forward.set(second.clone());
    forward
        .consume_traces(spans("svc", 4, 2))
        .await
        .expect("second target accepts");
    assert_eq!(first.items(SignalKind::Traces), 3);
    assert_eq!(second.items(SignalKind::Traces), 4);
}

/// Takes encoded spans and records whether each batch arrived encoded.
#[derive(Default)]
struct EncodedSink(std::sync::Mutex<Vec<bool>>);

impl Consumer for EncodedSink {
    fn consume_traces(&self, data: Traces) -> ConsumeFuture<'_> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(data.is_encoded());
        Box::pin(std::future::ready(Ok(())))
    }
    fn consume_metrics(&self, _data: Metrics) -> ConsumeFuture<'_> {
        Box::pin(std::future::ready(Ok(())))
    }
    fn consume_logs(&self, _data: Logs) -> ConsumeFuture<'_> {
        Box::pin(std::future::ready(Ok(())))
    }
    fn accepts_encoded(&self, _kind: SignalKind) -> bool {
        true
    }
}

#[tokio::test]
async fn forwarding_consumer_passes_encoded_spans_only_to_targets_that_take_them() {
    let forward = ForwardingConsumer::new("otelcol.processor.batch.t");
    assert!(!forward.accepts_encoded(SignalKind::Traces));
    let fast = Arc::new(EncodedSink::default());
    forward.set(fast.clone());
    assert!(forward.accepts_encoded(SignalKind::Traces));
    forward
        .consume_traces(encoded_spans("svc", 3, 1))
        .await
        .expect("accepted");
    assert_eq!(*fast.0.lock().expect("lock"), vec![true]);

    // Swapped to a target that reads decoded spans, after the sender had
    // asked: the data is decoded on the way.
    let slow = Arc::new(Sink::new());
    forward.set(slow.clone());
    assert!(!forward.accepts_encoded(SignalKind::Traces));
    forward
        .consume_traces(encoded_spans("svc", 3, 1))
        .await
        .expect("accepted");
    let got = slow.traces.lock().expect("lock")[0].clone();
    assert!(!got.is_encoded());
    assert_eq!(got.resource_spans, spans("svc", 3, 1).resource_spans);
}

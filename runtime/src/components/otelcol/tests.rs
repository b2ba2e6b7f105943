//! Unit tests of the pieces that do not need a network: size parsing and
//! the forwarding consumer's swap.

use std::sync::Arc;

use alloy_otelcol::testing::{spans, Sink};
use alloy_otelcol::{Consumer, SignalKind};

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

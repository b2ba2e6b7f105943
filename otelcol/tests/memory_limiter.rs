//! `otelcol.processor.memory_limiter` against this process's real RSS:
//! data passes below the soft limit, is refused (retryably) once a real
//! allocation pushes the RSS above it, and passes again after it is freed.

use std::sync::Arc;
use std::time::Duration;

use alloy_otelcol::processor::memory_limiter::{rss_bytes, MemoryLimiter, MemoryLimiterConfig};
use alloy_otelcol::testing::{spans, Sink};
use alloy_otelcol::{Consumer, Outputs, Registry, SignalKind};

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn refuses_while_rss_is_above_the_soft_limit() {
    let rss = rss_bytes().expect("rss");
    // Soft limit 64 MiB above today's RSS.
    let cfg = MemoryLimiterConfig {
        check_interval: Duration::from_millis(50),
        limit: rss + 96 * MIB,
        spike_limit: Some(32 * MIB),
        ..Default::default()
    };
    let sink = Arc::new(Sink::new());
    let limiter = MemoryLimiter::new(
        "otelcol.processor.memory_limiter.t",
        cfg,
        Outputs::all(vec![sink.clone()]),
        &Registry::new(),
    )
    .expect("valid");
    limiter
        .consume_traces(spans("svc", 10, 1))
        .await
        .expect("below the limit");

    // 160 MiB, every page touched so it is resident.
    let ballast = vec![1u8; 160 * MIB as usize];
    assert!(ballast.iter().step_by(4096).all(|b| *b == 1));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(limiter.is_refusing(), "rss now {:?}", rss_bytes());
    let refused = limiter
        .consume_traces(spans("svc", 10, 2))
        .await
        .expect_err("refused above the soft limit");
    assert!(!refused.is_permanent());
    assert!(refused.message().contains("high memory usage"));
    assert!(!limiter.has_capacity(SignalKind::Traces));

    drop(ballast);
    tokio::time::sleep(Duration::from_millis(200)).await;
    limiter
        .consume_traces(spans("svc", 10, 3))
        .await
        .expect("accepted again once freed");
    assert_eq!(sink.items(SignalKind::Traces), 20);
}

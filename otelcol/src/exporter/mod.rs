//! Exporters: the OTLP gRPC and HTTP senders with upstream's sending queue
//! and retry behaviour, and the debug exporter.

pub mod debug;
mod encode;
pub mod otlp_grpc;
pub mod otlp_http;
mod queued;
mod retry;

use std::time::Duration;

pub use queued::{ExporterSettings, QueueConfig, QueuedExporter, SendError, Transport};
pub use retry::RetryConfig;

/// Payload compression of the OTLP exporters (`client > compression`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// Upstream's default.
    #[default]
    Gzip,
    None,
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP-date.
pub(crate) fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

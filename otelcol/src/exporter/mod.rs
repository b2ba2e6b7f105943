//! Exporters: the OTLP gRPC and HTTP senders with upstream's sending queue
//! and retry behaviour, and the debug exporter.

pub mod debug;
pub(crate) mod encode;
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
    /// zlib format under `Content-Encoding: zlib` (OTLP/HTTP only; Go's
    /// confighttp writes zlib for both this and `deflate`).
    Zlib,
    /// zlib format under `Content-Encoding: deflate` (OTLP/HTTP only).
    Deflate,
}

impl Compression {
    /// The `Content-Encoding` header value, if any.
    pub fn content_encoding(self) -> Option<&'static str> {
        match self {
            Compression::Gzip => Some("gzip"),
            Compression::None => None,
            Compression::Zlib => Some("zlib"),
            Compression::Deflate => Some("deflate"),
        }
    }

    /// Compresses a request body.
    pub(crate) fn compress(self, raw: Vec<u8>) -> std::io::Result<Vec<u8>> {
        use std::io::Write;
        let level = flate2::Compression::fast();
        let out = Vec::with_capacity(raw.len() / 4);
        match self {
            Compression::None => Ok(raw),
            Compression::Gzip => {
                let mut w = flate2::write::GzEncoder::new(out, level);
                w.write_all(&raw)?;
                w.finish()
            }
            Compression::Zlib | Compression::Deflate => {
                let mut w = flate2::write::ZlibEncoder::new(out, level);
                w.write_all(&raw)?;
                w.finish()
            }
        }
    }
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

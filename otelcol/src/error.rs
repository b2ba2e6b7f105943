//! Error types shared by every component.
//!
//! The split between permanent, retryable and backpressure failures is the
//! contract that lets a receiver tell its client whether to retry: upstream
//! maps non-permanent consumer errors to gRPC `UNAVAILABLE` / HTTP 503 and
//! permanent ones to `INTERNAL` / HTTP 500.

use std::time::Duration;

/// Why a consumer did not take a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumeErrorKind {
    /// Retrying the same data will never succeed (bad data, no route).
    Permanent,
    /// A transient failure downstream; the sender should retry later.
    Retryable,
    /// Downstream is full (e.g. an exporter queue); the sender should slow
    /// down and retry. Counted separately so operators can tell overload from
    /// outages.
    Backpressure,
}

/// The error a [`crate::Consumer`] returns when it refuses a batch.
///
/// Refusal means the consumer kept *none* of the data, so the caller still
/// owns it and must either retry or report it as refused.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ConsumeError {
    kind: ConsumeErrorKind,
    message: String,
    retry_after: Option<Duration>,
}

impl ConsumeError {
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            kind: ConsumeErrorKind::Permanent,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn retryable(message: impl Into<String>) -> Self {
        Self {
            kind: ConsumeErrorKind::Retryable,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn backpressure(message: impl Into<String>) -> Self {
        Self {
            kind: ConsumeErrorKind::Backpressure,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A hint for clients; receivers turn it into gRPC `RetryInfo` or an
    /// HTTP `Retry-After` header.
    pub fn with_retry_after(mut self, delay: Duration) -> Self {
        self.retry_after = Some(delay);
        self
    }

    pub fn kind(&self) -> ConsumeErrorKind {
        self.kind
    }

    pub fn is_permanent(&self) -> bool {
        self.kind == ConsumeErrorKind::Permanent
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

/// A component's configuration was rejected before it started.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("tls: {0}")]
    Tls(String),
}

impl ConfigError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// A component could not start (bad config or a socket that cannot be bound).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("binding {endpoint}: {source}")]
    Bind {
        endpoint: String,
        source: std::io::Error,
    },
    #[error("component already started")]
    AlreadyStarted,
}

/// Shutdown hit its deadline with work still in flight; the counts say how
/// much was given up so the runtime can log it (it has also been counted in
/// the component's failure metrics).
#[derive(Debug, thiserror::Error)]
#[error("shutdown deadline exceeded: {abandoned_items} items abandoned ({detail})")]
pub struct ShutdownError {
    pub abandoned_items: u64,
    pub detail: String,
}

//! What the transform and filter processors share: error modes, the
//! contexts each signal offers, and turning OTTL diagnostics into
//! configuration errors.

use alloy_ottl::{Context, Diagnostic, ExecError};

use crate::error::ConfigError;
use crate::pdata::SignalKind;

/// Upstream's `error_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorMode {
    /// Log the error and go on with the next statement.
    #[default]
    Ignore,
    /// Go on without logging.
    Silent,
    /// Fail the batch (the error goes back to the sender).
    Propagate,
}

impl std::str::FromStr for ErrorMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ignore" => Ok(ErrorMode::Ignore),
            "silent" => Ok(ErrorMode::Silent),
            "propagate" => Ok(ErrorMode::Propagate),
            other => Err(format!(
                "invalid error_mode {other:?}: expected \"ignore\", \"silent\" or \"propagate\""
            )),
        }
    }
}

impl ErrorMode {
    /// The `on_error` callback for `alloy_ottl::run`.
    pub fn handler(self, component: &str) -> impl FnMut(ExecError) -> Result<(), ExecError> + '_ {
        move |e| match self {
            ErrorMode::Propagate => Err(e),
            ErrorMode::Silent => Ok(()),
            ErrorMode::Ignore => {
                tracing::warn!(component, error = %e.message, "failed to process statement; continuing (error_mode = ignore)");
                Ok(())
            }
        }
    }
}

/// The contexts of a signal, least to most specific (context inference
/// picks the most specific one a statement names).
pub fn contexts_of(signal: SignalKind) -> &'static [Context] {
    match signal {
        SignalKind::Traces => &[
            Context::Resource,
            Context::Scope,
            Context::Span,
            Context::SpanEvent,
        ],
        SignalKind::Metrics => &[
            Context::Resource,
            Context::Scope,
            Context::Metric,
            Context::DataPoint,
        ],
        SignalKind::Logs => &[Context::Resource, Context::Scope, Context::Log],
    }
}

/// Parses a `context` argument, refusing contexts the signal lacks.
pub fn parse_context(field: &str, text: &str, signal: SignalKind) -> Result<Context, ConfigError> {
    let allowed = contexts_of(signal);
    match Context::parse(text) {
        Some(c) if allowed.contains(&c) => Ok(c),
        _ => Err(ConfigError::invalid(
            field,
            format!(
                "unknown context {text:?} for {}: expected one of {}",
                signal.as_str(),
                allowed
                    .iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// One configuration error listing every problem of a statement.
pub fn diagnostics_error(field: &str, text: &str, diags: &[Diagnostic]) -> ConfigError {
    let detail = diags
        .iter()
        .map(|d| {
            let mut s = format!(
                "{} at column {}",
                d.message,
                text[..d.span.start.min(text.len())].chars().count() + 1
            );
            if let Some(h) = &d.help {
                s.push_str(&format!(" ({h})"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ");
    ConfigError::invalid(
        field,
        format!("unable to parse OTTL statement {text:?}: {detail}"),
    )
}

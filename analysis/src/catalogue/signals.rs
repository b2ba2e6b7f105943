//! Telemetry signals a component accepts and emits (see the catalogue's
//! SIGNALS.md), so a checker can flag wiring whose data would be refused.
//!
//! "Accepts" is what other components can hand to this one through its
//! exports (an `input`/`receiver`) or a `targets` argument; "emits" is what
//! it hands on through `forward_to`, `output` or a `targets` export. Network,
//! file and API traffic outside the component graph is not represented.

use std::fmt;

/// One kind of data that flows between components.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signal {
    /// OpenTelemetry traces (`otelcol.Consumer`).
    Traces,
    /// OpenTelemetry metrics (`otelcol.Consumer`).
    Metrics,
    /// OpenTelemetry logs (`otelcol.Consumer`).
    Logs,
    /// Prometheus samples (`MetricsReceiver`).
    PrometheusMetrics,
    /// Loki log entries (`LogsReceiver`).
    LokiLogs,
    /// Pyroscope profiles (`ProfilesReceiver`); OTLP profiles are never
    /// wired by Alloy's otelcol shims.
    Profiles,
    /// Discovery targets (`list(map(string))`), passed by value rather
    /// than pushed.
    Targets,
}

impl Signal {
    /// All signals in the catalogue's order.
    pub const ALL: [Signal; 7] = [
        Signal::Traces,
        Signal::Metrics,
        Signal::Logs,
        Signal::PrometheusMetrics,
        Signal::LokiLogs,
        Signal::Profiles,
        Signal::Targets,
    ];

    /// The catalogue's key (`traces`, `loki_logs`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Metrics => "metrics",
            Signal::Logs => "logs",
            Signal::PrometheusMetrics => "prometheus_metrics",
            Signal::LokiLogs => "loki_logs",
            Signal::Profiles => "profiles",
            Signal::Targets => "targets",
        }
    }

    /// Wording for diagnostics, which must not make users learn the keys.
    pub const fn describe(self) -> &'static str {
        match self {
            Signal::Traces => "OpenTelemetry traces",
            Signal::Metrics => "OpenTelemetry metrics",
            Signal::Logs => "OpenTelemetry logs",
            Signal::PrometheusMetrics => "Prometheus metrics",
            Signal::LokiLogs => "Loki logs",
            Signal::Profiles => "profiles",
            Signal::Targets => "discovery targets",
        }
    }

    /// True for the three signals carried by an `otelcol.Consumer`.
    pub const fn is_otelcol(self) -> bool {
        matches!(self, Signal::Traces | Signal::Metrics | Signal::Logs)
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of [`Signal`]s, stored as a bit set so the generated tables stay
/// small and set operations are single instructions.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SignalSet(u8);

impl SignalSet {
    pub const EMPTY: SignalSet = SignalSet(0);

    /// Builds a set in a `const` context (the generated tables use this).
    pub const fn of(signals: &[Signal]) -> SignalSet {
        let mut bits = 0;
        let mut i = 0;
        while i < signals.len() {
            bits |= signals[i].bit();
            i += 1;
        }
        SignalSet(bits)
    }

    pub const fn contains(self, signal: Signal) -> bool {
        self.0 & signal.bit() != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub const fn union(self, other: SignalSet) -> SignalSet {
        SignalSet(self.0 | other.0)
    }

    /// What one side emits and the other accepts: an empty intersection
    /// means the wiring carries nothing.
    pub const fn intersection(self, other: SignalSet) -> SignalSet {
        SignalSet(self.0 & other.0)
    }

    /// Signals in `self` that `other` lacks, for "X is not accepted" messages.
    pub const fn difference(self, other: SignalSet) -> SignalSet {
        SignalSet(self.0 & !other.0)
    }

    pub fn iter(self) -> impl Iterator<Item = Signal> {
        Signal::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

impl fmt::Debug for SignalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Comma-separated catalogue keys, `none` when empty.
impl fmt::Display for SignalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (i, signal) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(signal.as_str())?;
        }
        Ok(())
    }
}

impl FromIterator<Signal> for SignalSet {
    fn from_iter<I: IntoIterator<Item = Signal>>(iter: I) -> Self {
        iter.into_iter()
            .fold(SignalSet::EMPTY, |set, s| set.union(SignalSet(s.bit())))
    }
}

/// How the catalogue's authors established a component's signals.
///
/// `Medium` entries rest on OpenTelemetry contrib factories not pinned to
/// the exact upstream version, so a checker may prefer a warning over an
/// error when only they are involved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    Medium,
    High,
}

/// Signal facts for one component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Signals {
    pub accepts: SignalSet,
    pub emits: SignalSet,
    pub confidence: Confidence,
    /// The sets are the maximum; what is really wired depends on arguments
    /// (`otelcol.exporter.kafka`, `loadbalancing`, `awss3`).
    pub config_dependent: bool,
    /// Caveats from the catalogue (dead `output` attributes, platform
    /// stubs, ...), worth quoting in hover text.
    pub notes: &'static [&'static str],
}

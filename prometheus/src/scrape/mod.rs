//! `prometheus.scrape`'s engine: targets ([`target`]), the HTTP fetch
//! ([`http`]), one loop per target ([`scrape_loop`]) and the pool that
//! keeps the loops in step with the target list ([`pool`]).
//!
//! Per scrape: fetch with the negotiated `Accept`, parse with the parser the
//! answer's `Content-Type` selects, look each raw series text up in the
//! target's cache (labels are built and the target's labels applied only
//! for new series), fill one reusable [`crate::Batch`] with the samples,
//! the `up`/`scrape_*` series and the stale markers of series that
//! disappeared, and hand it to the `forward_to` receivers.

pub mod http;
pub mod pool;
pub mod scrape_loop;
pub mod target;

use std::time::Duration;

use crate::textparse::Format;

/// A `scrape_protocols` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    OpenMetricsText1_0_0,
    OpenMetricsText0_0_1,
    PrometheusText1_0_0,
    PrometheusText0_0_4,
    PrometheusProto,
}

impl Protocol {
    pub fn parse(s: &str) -> Option<Protocol> {
        Some(match s {
            "OpenMetricsText1.0.0" => Protocol::OpenMetricsText1_0_0,
            "OpenMetricsText0.0.1" => Protocol::OpenMetricsText0_0_1,
            "PrometheusText1.0.0" => Protocol::PrometheusText1_0_0,
            "PrometheusText0.0.4" => Protocol::PrometheusText0_0_4,
            "PrometheusProto" => Protocol::PrometheusProto,
            _ => return None,
        })
    }

    /// The media type upstream puts in `Accept` for it.
    pub fn media_type(self) -> &'static str {
        match self {
            Protocol::OpenMetricsText1_0_0 => "application/openmetrics-text;version=1.0.0",
            Protocol::OpenMetricsText0_0_1 => "application/openmetrics-text;version=0.0.1",
            Protocol::PrometheusText1_0_0 => "text/plain;version=1.0.0",
            Protocol::PrometheusText0_0_4 => "text/plain;version=0.0.4",
            Protocol::PrometheusProto => {
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
            }
        }
    }

    pub fn format(self) -> Option<Format> {
        match self {
            Protocol::OpenMetricsText1_0_0 | Protocol::OpenMetricsText0_0_1 => {
                Some(Format::OpenMetrics)
            }
            Protocol::PrometheusText1_0_0 | Protocol::PrometheusText0_0_4 => {
                Some(Format::PrometheusText)
            }
            Protocol::PrometheusProto => None,
        }
    }
}

/// Upstream's `acceptHeader`: the protocols in order of preference with
/// falling weights, the escaping scheme on the 1.0.0 formats, `*/*` last.
pub fn accept_header(protocols: &[Protocol], escaping: &str) -> String {
    let mut weight = 6usize;
    let mut parts = Vec::new();
    for p in protocols {
        let mut v = p.media_type().to_owned();
        if matches!(
            p,
            Protocol::PrometheusText1_0_0 | Protocol::OpenMetricsText1_0_0
        ) {
            v.push_str(";escaping=");
            v.push_str(escaping);
        }
        v.push_str(&format!(";q=0.{weight}"));
        parts.push(v);
        weight = weight.saturating_sub(1);
    }
    parts.push(format!("*/*;q=0.{weight}"));
    parts.join(",")
}

/// Which parser a `Content-Type` asks for; `None` for an unsupported or
/// missing type (the fallback protocol decides).
pub fn format_of(content_type: &str) -> Option<Format> {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/openmetrics-text" => Some(Format::OpenMetrics),
        "text/plain" => Some(Format::PrometheusText),
        _ => None,
    }
}

/// What a scrape loop does besides fetching.
#[derive(Clone, Debug)]
pub struct LoopOptions {
    pub honor_labels: bool,
    pub honor_timestamps: bool,
    pub track_timestamps_staleness: bool,
    pub sample_limit: usize,
    pub label_limit: usize,
    pub label_name_length_limit: usize,
    pub label_value_length_limit: usize,
    pub extra_metrics: bool,
    pub fallback: Option<Format>,
    /// `metric_name_validation_scheme = "legacy"`: series with names outside
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*` fail the scrape.
    pub legacy_names: bool,
    pub type_and_unit_labels: bool,
    /// Seed of the per-target scrape offset.
    pub offset_seed: u64,
    pub timeout: Duration,
}

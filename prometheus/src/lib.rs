//! The Prometheus pipeline of the Alloy runtime, without Alloy syntax and
//! without the controller: the runtime decodes a component's arguments and
//! hands this crate plain Rust values.
//!
//! # The data model ([`model`])
//!
//! * [`Labels`]: an immutable, sorted label set (the metric name is the
//!   `__name__` label). Its strings live in one shared allocation, so a
//!   clone is a reference-count increment and equal sets built once are
//!   shared by every stage that holds them. The hash is computed once, when
//!   the set is built, and makes [`Labels`] a cheap map key.
//! * [`SeriesRef`]: a process-wide number standing for one label set. The
//!   stage that produces a label set (a scrape target's cache, a relabel
//!   cache, a remote-write receiver) allocates the ref once and sends it with
//!   every sample, so receivers keep their per-series state in maps keyed by
//!   a `u64`. A stage that changes labels allocates a new ref for the result.
//! * [`Sample`] (`t` in milliseconds, `v`), the stale marker
//!   ([`STALE_NAN`], [`is_stale_nan`]), [`Exemplar`], native
//!   [`Histogram`]/[`FloatHistogram`] and [`Metadata`]: what remote write
//!   1.0 and 2.0 carry.
//! * [`SymbolTable`]: interned strings with stable indexes, the symbol table
//!   of remote write 2.0 and of anything else that writes label strings once.
//!
//! # Data flow ([`Appendable`], [`Batch`])
//!
//! Every stage hands data downstream as a [`Batch`]: the series it touches
//! (ref and labels, once each) and flat vectors of samples, histograms,
//! exemplars and metadata that point into that series list. A producer keeps
//! its batch and clears it between scrapes, so steady-state traffic allocates
//! nothing per sample. A receiver implements [`Appendable`]; `forward_to`
//! lists become a [`Fanout`]. The call is synchronous: a receiver either
//! takes the whole batch (into its own buffer, WAL or queue) or refuses it
//! with an [`AppendError`] the producer counts.

pub mod model;
pub mod relabel;
pub mod scrape;
pub mod textparse;

pub use model::{
    is_stale_nan, AppendError, Appendable, Batch, Exemplar, Fanout, FloatHistogram, Histogram,
    HistogramSpan, HistogramValue, Label, Labels, LabelsBuilder, Metadata, MetricType, Recorder,
    Sample, SeriesEntry, SeriesRef, SymbolTable, STALE_NAN,
};

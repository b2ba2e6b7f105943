//! How stages hand data to each other: a [`Batch`] of samples for a set of
//! series, given to an [`Appendable`].
//!
//! Why a batch and not upstream's per-sample `Appender` calls: one dynamic
//! call per scrape (not per sample) per receiver, fan-out to several
//! receivers without an appender each, and a producer that clears and
//! refills the same vectors every scrape allocates nothing per sample. The
//! shape is remote write 2.0's: each series once, samples referring to it.

use std::fmt;
use std::sync::{Arc, Mutex};

use super::labels::{Labels, SeriesRef};
use super::sample::{Exemplar, FloatHistogram, Histogram, Metadata, Sample};

/// A series of a batch: its ref and labels. Samples refer to it by index.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesEntry {
    pub series_ref: SeriesRef,
    pub labels: Labels,
}

/// A float sample of the batch's series number `series`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchSample {
    pub series: u32,
    pub sample: Sample,
}

/// A native histogram sample (integer or float counts).
#[derive(Clone, Debug, PartialEq)]
pub enum HistogramValue {
    Int(Histogram),
    Float(FloatHistogram),
}

/// A native histogram sample of series number `series` at `t` ms.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchHistogram {
    pub series: u32,
    pub t: i64,
    pub value: HistogramValue,
}

/// An exemplar of series number `series`.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchExemplar {
    pub series: u32,
    pub exemplar: Exemplar,
}

/// Metadata of series number `series` (remote write sends it per series).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchMetadata {
    pub series: u32,
    pub metadata: Metadata,
}

/// Samples, histograms, exemplars and metadata for a set of series.
///
/// Within a batch a series is listed once and samples of one series are in
/// time order; a producer that breaks either rule still gets correct
/// results from every receiver in this crate, only slower.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    series: Vec<SeriesEntry>,
    samples: Vec<BatchSample>,
    histograms: Vec<BatchHistogram>,
    exemplars: Vec<BatchExemplar>,
    metadata: Vec<BatchMetadata>,
}

impl Batch {
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Empties the batch, keeping its capacity for the next round.
    pub fn clear(&mut self) {
        self.series.clear();
        self.samples.clear();
        self.histograms.clear();
        self.exemplars.clear();
        self.metadata.clear();
    }

    /// Lists a series; the returned index is what samples refer to.
    pub fn add_series(&mut self, series_ref: SeriesRef, labels: Labels) -> u32 {
        self.series.push(SeriesEntry { series_ref, labels });
        (self.series.len() - 1) as u32
    }

    /// Adds a float sample of series `series` (an index from
    /// [`Batch::add_series`]).
    pub fn push_sample(&mut self, series: u32, t: i64, v: f64) {
        self.samples.push(BatchSample {
            series,
            sample: Sample { t, v },
        });
    }

    /// Lists a series and adds one sample of it.
    pub fn add(&mut self, series_ref: SeriesRef, labels: Labels, t: i64, v: f64) -> u32 {
        let i = self.add_series(series_ref, labels);
        self.push_sample(i, t, v);
        i
    }

    pub fn push_histogram(&mut self, series: u32, t: i64, value: HistogramValue) {
        self.histograms.push(BatchHistogram { series, t, value });
    }

    pub fn push_exemplar(&mut self, series: u32, exemplar: Exemplar) {
        self.exemplars.push(BatchExemplar { series, exemplar });
    }

    pub fn push_metadata(&mut self, series: u32, metadata: Metadata) {
        self.metadata.push(BatchMetadata { series, metadata });
    }

    pub fn series(&self) -> &[SeriesEntry] {
        &self.series
    }

    /// The series number `i`.
    pub fn series_at(&self, i: u32) -> Option<&SeriesEntry> {
        self.series.get(i as usize)
    }

    pub fn samples(&self) -> &[BatchSample] {
        &self.samples
    }

    pub fn histograms(&self) -> &[BatchHistogram] {
        &self.histograms
    }

    pub fn exemplars(&self) -> &[BatchExemplar] {
        &self.exemplars
    }

    pub fn metadata(&self) -> &[BatchMetadata] {
        &self.metadata
    }

    /// Each float sample with its series.
    pub fn iter_samples(&self) -> impl Iterator<Item = (&SeriesEntry, Sample)> + '_ {
        self.samples
            .iter()
            .filter_map(|s| Some((self.series.get(s.series as usize)?, s.sample)))
    }

    /// Whether the batch carries no data (series without samples count as
    /// nothing).
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
            && self.histograms.is_empty()
            && self.exemplars.is_empty()
            && self.metadata.is_empty()
    }

    /// Samples plus histogram samples: what upstream counts as samples.
    pub fn sample_count(&self) -> usize {
        self.samples.len() + self.histograms.len()
    }

    /// Appends everything of `other`, renumbering its series.
    pub fn extend_from(&mut self, other: &Batch) {
        let base = self.series.len() as u32;
        self.series.extend(other.series.iter().cloned());
        self.samples
            .extend(other.samples.iter().map(|s| BatchSample {
                series: s.series + base,
                sample: s.sample,
            }));
        self.histograms
            .extend(other.histograms.iter().map(|h| BatchHistogram {
                series: h.series + base,
                t: h.t,
                value: h.value.clone(),
            }));
        self.exemplars
            .extend(other.exemplars.iter().map(|e| BatchExemplar {
                series: e.series + base,
                exemplar: e.exemplar.clone(),
            }));
        self.metadata
            .extend(other.metadata.iter().map(|m| BatchMetadata {
                series: m.series + base,
                metadata: m.metadata.clone(),
            }));
    }
}

/// Why a receiver refused a batch. The producer counts the refused samples
/// on its own metrics; nothing is retried by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendError {
    /// The receiver is shutting down or was replaced.
    Closed,
    /// A bounded buffer is full; `samples` were not taken.
    Full { samples: usize },
    /// The receiver took part of the batch and refused `samples` samples
    /// (too old, out of order, invalid) for `reason`.
    Rejected { samples: usize, reason: String },
    /// Writing failed (disk, encoding).
    Io(String),
}

impl fmt::Display for AppendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppendError::Closed => f.write_str("receiver is closed"),
            AppendError::Full { samples } => {
                write!(f, "receiver is full: {samples} samples not taken")
            }
            AppendError::Rejected { samples, reason } => {
                write!(f, "{samples} samples rejected: {reason}")
            }
            AppendError::Io(msg) => write!(f, "write failed: {msg}"),
        }
    }
}

impl std::error::Error for AppendError {}

/// A receiver of batches: what `forward_to` and `receiver` exports hold
/// (upstream's `storage.Appendable`).
///
/// `append` is called from the producer's task and must not wait on the
/// network; a receiver that sends somewhere buffers (WAL, queue) and
/// returns. It may keep clones of the labels; it must not keep the batch.
pub trait Appendable: Send + Sync {
    fn append(&self, batch: &Batch) -> Result<(), AppendError>;
}

impl<T: Appendable + ?Sized> Appendable for Arc<T> {
    fn append(&self, batch: &Batch) -> Result<(), AppendError> {
        (**self).append(batch)
    }
}

/// Several receivers as one: each gets every batch; the first error is
/// returned after all were tried (upstream's fanout appender).
#[derive(Clone, Default)]
pub struct Fanout(Vec<Arc<dyn Appendable>>);

impl Fanout {
    pub fn new(receivers: Vec<Arc<dyn Appendable>>) -> Fanout {
        Fanout(receivers)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Fanout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fanout({} receivers)", self.0.len())
    }
}

impl Appendable for Fanout {
    fn append(&self, batch: &Batch) -> Result<(), AppendError> {
        let mut first = None;
        for receiver in &self.0 {
            if let Err(e) = receiver.append(batch) {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }
}

/// A receiver that keeps every batch it is given, for tests and for
/// in-process consumers that read what arrived.
#[derive(Debug, Default)]
pub struct Recorder {
    batches: Mutex<Vec<Batch>>,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// Everything received so far, in order.
    pub fn batches(&self) -> Vec<Batch> {
        self.batches
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Every float sample received, with its labels.
    pub fn samples(&self) -> Vec<(Labels, Sample)> {
        self.batches()
            .iter()
            .flat_map(|b| {
                b.iter_samples()
                    .map(|(s, sample)| (s.labels.clone(), sample))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    pub fn clear(&self) {
        self.batches
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

impl Appendable for Recorder {
    fn append(&self, batch: &Batch) -> Result<(), AppendError> {
        self.batches
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(batch.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Refuse;
    impl Appendable for Refuse {
        fn append(&self, _: &Batch) -> Result<(), AppendError> {
            Err(AppendError::Closed)
        }
    }

    #[test]
    fn fanout_gives_every_receiver_the_batch() {
        let a = Arc::new(Recorder::new());
        let b = Arc::new(Recorder::new());
        let fan = Fanout::new(vec![a.clone(), Arc::new(Refuse), b.clone()]);
        let mut batch = Batch::new();
        let up = Labels::from_pairs([("__name__", "up")]);
        let i = batch.add(SeriesRef::next(), up.clone(), 1000, 1.0);
        batch.push_sample(i, 2000, 0.0);
        assert_eq!(fan.append(&batch), Err(AppendError::Closed));
        assert_eq!(a.samples(), b.samples());
        assert_eq!(
            a.samples(),
            vec![
                (up.clone(), Sample { t: 1000, v: 1.0 }),
                (up, Sample { t: 2000, v: 0.0 })
            ]
        );
        assert_eq!(batch.sample_count(), 2);
    }

    #[test]
    fn extend_renumbers_series() {
        let mut a = Batch::new();
        a.add(SeriesRef(1), Labels::from_pairs([("a", "1")]), 1, 1.0);
        let mut b = Batch::new();
        let i = b.add(SeriesRef(2), Labels::from_pairs([("b", "1")]), 2, 2.0);
        b.push_metadata(i, Metadata::default());
        a.extend_from(&b);
        let names: Vec<_> = a.iter_samples().map(|(s, _)| s.series_ref).collect();
        assert_eq!(names, vec![SeriesRef(1), SeriesRef(2)]);
        assert_eq!(a.metadata()[0].series, 1);
        a.clear();
        assert!(a.is_empty());
    }
}

//! The write-ahead log of `prometheus.remote_write`: samples are appended
//! here before the appender returns, the remote-write queue reads them back
//! (tailing the newest segment), and segments are removed only when every
//! sample in them was sent, or when they outlived `max_keepalive_time`.
//!
//! Layout under the component's directory: `wal/00000000`, ... (segments,
//! [`segment`]), `wal/checkpoint.NNNNNNNN` (the series still alive when
//! segments up to NNNNNNNN were removed), and the sender's progress file
//! (owned by `remote_write::progress`).

pub mod metrics;
pub mod reader;
pub mod record;
pub mod segment;
pub mod series;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

pub use metrics::WalMetrics;
use record::RefSample;
use segment::{SegmentReader, SegmentWriter};
pub use series::SeriesTable;

/// Settings of the `wal` block plus the segment size.
#[derive(Clone, Debug)]
pub struct WalOptions {
    pub truncate_frequency: Duration,
    pub min_keepalive: Duration,
    pub max_keepalive: Duration,
    /// A segment is closed when it grows past this size.
    pub segment_size: u64,
}

impl Default for WalOptions {
    fn default() -> WalOptions {
        WalOptions {
            truncate_frequency: Duration::from_secs(2 * 3600),
            min_keepalive: Duration::from_secs(5 * 60),
            max_keepalive: Duration::from_secs(8 * 3600),
            segment_size: 128 * 1024 * 1024,
        }
    }
}

/// What opening a WAL found on disk.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OpenReport {
    /// Bytes of a torn last record cut off the newest segment.
    pub torn_bytes: u64,
    pub segments: usize,
    pub series: usize,
}

struct Writer {
    segment: SegmentWriter,
    number: u32,
    buf: Vec<u8>,
    new_series: Vec<(u64, usize, usize)>,
    labels: Vec<u8>,
    refs: Vec<RefSample>,
}

/// One write-ahead log.
pub struct Wal {
    dir: PathBuf,
    options: Mutex<WalOptions>,
    series: SeriesTable,
    writer: Mutex<Writer>,
    /// The segment being written; readers move on when it grows past theirs.
    head: AtomicU32,
    /// Bytes on disk besides the segment being written.
    closed_bytes: std::sync::atomic::AtomicU64,
    appended: tokio::sync::Notify,
    pub metrics: Arc<WalMetrics>,
    /// The newest metadata per metric family (in memory only: a restart
    /// learns it again from the next batch that carries it).
    metadata: Mutex<std::collections::BTreeMap<String, crate::model::Metadata>>,
}

/// Metric families whose metadata is kept at most.
const MAX_METADATA: usize = 100_000;

/// A sample handed to [`Wal::append`]: the series' labels encoded as
/// protobuf `repeated Label` (sorted by name), see
/// `remote_write::encode::encode_labels`.
pub struct Append<'a> {
    pub labels: &'a [u8],
    pub t: i64,
    pub v: f64,
}

fn checkpoint_name(n: u32) -> String {
    format!("checkpoint.{n:08}")
}

fn list_checkpoints(dir: &Path) -> io::Result<Vec<u32>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        if let Some(n) = name
            .to_str()
            .and_then(|s| s.strip_prefix("checkpoint."))
            .and_then(|s| s.parse::<u32>().ok())
        {
            out.push(n);
        }
    }
    out.sort_unstable();
    Ok(out)
}

impl Wal {
    /// Opens (or creates) the WAL in `dir`: cuts a torn last record, reads
    /// the series back (checkpoint, then segments) and starts a new segment.
    pub fn open(
        dir: &Path,
        options: WalOptions,
        registry: &alloy_metrics::Registry,
    ) -> io::Result<(Arc<Wal>, OpenReport)> {
        let wal_dir = dir.join("wal");
        std::fs::create_dir_all(&wal_dir)?;
        let metrics = Arc::new(WalMetrics::new(registry));
        let mut report = OpenReport::default();
        let segments = segment::list_segments(&wal_dir)?;
        if let Some(&last) = segments.last() {
            report.torn_bytes = segment::repair(&wal_dir, last)?;
            if report.torn_bytes > 0 {
                tracing::warn!(
                    segment = last,
                    bytes = report.torn_bytes,
                    "WAL: dropped a torn last record (the process stopped while writing it); the records before it are kept"
                );
                metrics.corruptions.inc();
            }
        }
        let series = SeriesTable::new();
        let checkpoints = list_checkpoints(&wal_dir)?;
        if let Some(&cp) = checkpoints.last() {
            read_series_file(&wal_dir.join(checkpoint_name(cp)), &series, &metrics)?;
        }
        for &n in &segments {
            let mut r = reader::WalReader::at(&wal_dir, n, 0, None);
            r.replay_series(&series, &metrics)?;
        }
        report.segments = segments.len();
        report.series = series.len();
        let number = segments.last().map_or(0, |n| n + 1);
        let segment = SegmentWriter::create(&wal_dir, number)?;
        metrics.segment_current.set(i64::from(number));
        metrics.active_series.set(series.len() as i64);
        let wal = Arc::new(Wal {
            dir: wal_dir,
            options: Mutex::new(options),
            series,
            writer: Mutex::new(Writer {
                segment,
                number,
                buf: Vec::new(),
                new_series: Vec::new(),
                labels: Vec::new(),
                refs: Vec::new(),
            }),
            head: AtomicU32::new(number),
            closed_bytes: std::sync::atomic::AtomicU64::new(0),
            appended: tokio::sync::Notify::new(),
            metrics,
            metadata: Mutex::new(Default::default()),
        });
        wal.update_size();
        Ok((wal, report))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn options(&self) -> WalOptions {
        self.options
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// New `wal` block settings (the segment size stays).
    pub fn set_options(&self, mut options: WalOptions) {
        let mut current = self.options.lock().unwrap_or_else(|e| e.into_inner());
        options.segment_size = current.segment_size;
        *current = options;
    }

    pub fn series(&self) -> &SeriesTable {
        &self.series
    }

    /// The segment being written.
    pub fn head_segment(&self) -> u32 {
        self.head.load(Ordering::Acquire)
    }

    /// Notified after every append: create and `enable` a `notified()`
    /// future before checking for records, then await it.
    pub fn appended(&self) -> &tokio::sync::Notify {
        &self.appended
    }

    /// Remembers `metadata` for metric family `family`.
    pub fn set_metadata(&self, family: &str, metadata: &crate::model::Metadata) {
        let mut map = self.metadata.lock().unwrap_or_else(|e| e.into_inner());
        if map.get(family) == Some(metadata) {
            return;
        }
        if map.len() >= MAX_METADATA && !map.contains_key(family) {
            return;
        }
        map.insert(family.to_owned(), metadata.clone());
    }

    /// The metadata known, by metric family.
    pub fn metadata(&self) -> Vec<(String, crate::model::Metadata)> {
        let map = self.metadata.lock().unwrap_or_else(|e| e.into_inner());
        map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// Writes `samples` (a series record for the new series first) and
    /// returns once the bytes are in the operating system's hands.
    pub fn append(&self, samples: &[Append<'_>]) -> io::Result<()> {
        if samples.is_empty() {
            return Ok(());
        }
        let mut guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let w = &mut *guard;
        w.new_series.clear();
        w.labels.clear();
        w.refs.clear();
        for s in samples {
            let (r, created) = self.series.get_or_create(s.labels, s.t);
            if created {
                let start = w.labels.len();
                w.labels.extend_from_slice(s.labels);
                w.new_series.push((r, start, w.labels.len()));
            }
            w.refs.push(RefSample {
                series: r,
                t: s.t,
                v: s.v,
            });
        }
        if !w.new_series.is_empty() {
            w.buf.clear();
            let items = w
                .new_series
                .iter()
                .map(|&(r, start, end)| (r, &w.labels[start..end]));
            let mut buf = std::mem::take(&mut w.buf);
            record::encode_series(&mut buf, items);
            let res = w.segment.append(&buf);
            w.buf = buf;
            if let Err(e) = res {
                self.metrics.writes_failed.inc();
                return Err(e);
            }
            self.metrics
                .series_created
                .inc_by(w.new_series.len() as u64);
            self.metrics.active_series.set(self.series.len() as i64);
        }
        let mut buf = std::mem::take(&mut w.buf);
        buf.clear();
        record::encode_samples(&mut buf, &w.refs);
        let res = w.segment.append(&buf);
        w.buf = buf;
        if let Err(e) = res {
            self.metrics.writes_failed.inc();
            return Err(e);
        }
        self.metrics.samples_appended.inc_by(samples.len() as u64);
        if w.segment.len() >= self.options().segment_size {
            self.rotate(w)?;
        }
        self.metrics.size_bytes_head.set(w.segment.len() as i64);
        self.metrics
            .storage_size_bytes
            .set((self.closed_bytes.load(Ordering::Relaxed) + w.segment.len()) as i64);
        drop(guard);
        self.appended.notify_waiters();
        Ok(())
    }

    fn rotate(&self, w: &mut Writer) -> io::Result<()> {
        w.segment.sync()?;
        let number = w.number + 1;
        w.segment = SegmentWriter::create(&self.dir, number)?;
        w.number = number;
        self.head.store(number, Ordering::Release);
        self.metrics.segment_current.set(i64::from(number));
        self.update_size();
        Ok(())
    }

    /// Closes the current segment (syncs it to disk).
    pub fn sync(&self) -> io::Result<()> {
        let w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        w.segment.sync()
    }

    /// Recomputes the WAL's size on disk (`prometheus_remote_write_wal_storage_size_bytes`).
    pub fn update_size(&self) -> u64 {
        let mut total = 0;
        let mut head_len = 0;
        let head = segment::segment_name(self.head_segment());
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                if let Ok(m) = e.metadata() {
                    if e.file_name().to_str() == Some(head.as_str()) {
                        head_len = m.len();
                    }
                    total += m.len();
                }
            }
        }
        self.closed_bytes.store(total - head_len, Ordering::Relaxed);
        self.metrics.storage_size_bytes.set(total as i64);
        total
    }

    /// Removes segments below `sent_segment` (every sample in them was
    /// sent) that are older than `min_keepalive`, and any segment older than
    /// `max_keepalive` (counting its unsent samples as dropped). The series
    /// still alive are written to a checkpoint first, so a restart can read
    /// the remaining segments. Returns the segments removed.
    pub fn truncate(&self, sent_segment: u32, now: SystemTime) -> io::Result<Vec<u32>> {
        let options = self.options();
        let head = self.head_segment();
        let segments = segment::list_segments(&self.dir)?;
        let mut doomed = Vec::new();
        for &n in &segments {
            if n >= head {
                break;
            }
            let age = std::fs::metadata(segment::segment_path(&self.dir, n))
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .unwrap_or_default();
            let sent = n < sent_segment;
            if (sent && age >= options.min_keepalive) || age >= options.max_keepalive {
                if !sent {
                    let unsent = count_samples(&self.dir, n).unwrap_or(0);
                    self.metrics.samples_dropped_keepalive.inc_by(unsent);
                    tracing::warn!(
                        segment = n,
                        samples = unsent,
                        "WAL: removing a segment older than max_keepalive_time before its samples were sent"
                    );
                }
                doomed.push(n);
            } else {
                break;
            }
        }
        let Some(&last) = doomed.last() else {
            return Ok(doomed);
        };
        let cutoff = now
            .checked_sub(options.max_keepalive)
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(i64::MIN, |d| d.as_millis() as i64);
        let removed = self.series.remove_older_than(cutoff);
        self.metrics.series_removed.inc_by(removed as u64);
        self.metrics.active_series.set(self.series.len() as i64);
        let result = self.write_checkpoint(last).and_then(|()| {
            for &n in &doomed {
                std::fs::remove_file(segment::segment_path(&self.dir, n))?;
            }
            for cp in list_checkpoints(&self.dir)? {
                if cp < last {
                    std::fs::remove_file(self.dir.join(checkpoint_name(cp)))?;
                }
            }
            Ok(())
        });
        match result {
            Ok(()) => {
                self.metrics.truncations.inc();
                self.update_size();
                Ok(doomed)
            }
            Err(e) => {
                self.metrics.truncations_failed.inc();
                Err(e)
            }
        }
    }

    fn write_checkpoint(&self, n: u32) -> io::Result<()> {
        let tmp = self.dir.join(format!("{}.tmp", checkpoint_name(n)));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp)?;
        let mut w = SegmentWriter::create(&tmp, 0)?;
        let mut batch: Vec<(u64, Vec<u8>)> = Vec::new();
        let flush = |batch: &mut Vec<(u64, Vec<u8>)>, w: &mut SegmentWriter| -> io::Result<()> {
            let mut buf = Vec::new();
            record::encode_series(&mut buf, batch.iter().map(|(r, l)| (*r, l.as_slice())));
            batch.clear();
            w.append(&buf).map(|_| ())
        };
        let mut err = Ok(());
        self.series.for_each(|r, labels| {
            batch.push((r, labels.to_vec()));
            if batch.len() >= 1000 && err.is_ok() {
                err = flush(&mut batch, &mut w);
            }
        });
        err?;
        if !batch.is_empty() {
            flush(&mut batch, &mut w)?;
        }
        w.sync()?;
        drop(w);
        let target = self.dir.join(checkpoint_name(n));
        std::fs::rename(segment::segment_path(&tmp, 0), &target)?;
        std::fs::remove_dir_all(&tmp)?;
        self.metrics.checkpoints.inc();
        Ok(())
    }
}

fn read_series_file(path: &Path, series: &SeriesTable, metrics: &WalMetrics) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    // A checkpoint is one segment-format file: read it through a reader on
    // its own name.
    let mut r = reader::WalReader::file(dir, tmp_name);
    r.replay_series(series, metrics)
}

fn count_samples(dir: &Path, n: u32) -> io::Result<u64> {
    let mut r = SegmentReader::open(dir, n, 0)?;
    let mut total = 0;
    let mut out = Vec::new();
    while let segment::Next::Record { .. } = r.next_record()? {
        let rec = r.record();
        if rec.first() == Some(&record::SAMPLES) {
            out.clear();
            if record::decode_samples(record::Decoder::new(&rec[1..]), &mut out).is_ok() {
                total += out.len() as u64;
            }
        }
    }
    Ok(total)
}

//! Reads a WAL back in order, across segments: the remote-write queue
//! tails it, and opening a WAL replays its series.

use std::io;
use std::path::{Path, PathBuf};

use super::metrics::WalMetrics;
use super::record::{self, Decoder};
use super::segment::{self, Next, SegmentReader};
use super::series::SeriesTable;

/// Where a record starts: segment number and byte offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub segment: u32,
    pub offset: u64,
}

enum Source {
    Segments,
    File(String),
}

/// A sequential reader over the WAL's segments (or one checkpoint file).
pub struct WalReader {
    dir: PathBuf,
    source: Source,
    segment: u32,
    start_offset: u64,
    reader: Option<SegmentReader>,
    last: Position,
}

impl WalReader {
    /// Reads segments from `segment` at `offset` (a record boundary).
    pub fn at(dir: &Path, segment: u32, offset: u64, _head: Option<u32>) -> WalReader {
        WalReader {
            dir: dir.to_path_buf(),
            source: Source::Segments,
            segment,
            start_offset: offset,
            reader: None,
            last: Position { segment, offset },
        }
    }

    /// Reads one segment-format file named `name` in `dir`.
    pub fn file(dir: &Path, name: &str) -> WalReader {
        WalReader {
            dir: dir.to_path_buf(),
            source: Source::File(name.to_owned()),
            segment: 0,
            start_offset: 0,
            reader: None,
            last: Position::default(),
        }
    }

    /// The position after the last record returned.
    pub fn position(&self) -> Position {
        match &self.reader {
            Some(r) => Position {
                segment: self.segment,
                offset: r.position(),
            },
            None => Position {
                segment: self.segment,
                offset: self.start_offset,
            },
        }
    }

    /// Where the last record returned starts.
    pub fn last_start(&self) -> Position {
        self.last
    }

    /// The last record returned.
    pub fn record(&self) -> &[u8] {
        self.reader.as_ref().map_or(&[], |r| r.record())
    }

    fn open(&mut self) -> io::Result<bool> {
        if self.reader.is_some() {
            return Ok(true);
        }
        let path = match &self.source {
            Source::Segments => segment::segment_path(&self.dir, self.segment),
            Source::File(name) => self.dir.join(name),
        };
        match SegmentReader::open_path(&path, self.start_offset) {
            Ok(r) => {
                self.reader = Some(r);
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Moves to the first segment after the current one that exists.
    fn advance(&mut self, head: u32) -> io::Result<()> {
        self.reader = None;
        self.start_offset = 0;
        let next = segment::list_segments(&self.dir)?
            .into_iter()
            .find(|&n| n > self.segment)
            .unwrap_or(head);
        self.segment = next.max(self.segment + 1).min(head.max(self.segment + 1));
        Ok(())
    }

    /// The next record, or `None` when the reader caught up with the
    /// writer (`head` is the segment being written). A gap or corruption
    /// in a closed segment is counted in `metrics`, logged and skipped.
    pub fn next_record(&mut self, head: u32, metrics: &WalMetrics) -> io::Result<Option<Position>> {
        loop {
            if !self.open()? {
                if matches!(self.source, Source::File(_)) || self.segment >= head {
                    return Ok(None);
                }
                tracing::warn!(
                    segment = self.segment,
                    "WAL: segment missing; skipping to the next one"
                );
                metrics.corruptions.inc();
                self.advance(head)?;
                continue;
            }
            let Some(r) = self.reader.as_mut() else {
                return Ok(None);
            };
            match r.next_record()? {
                Next::Record { offset } => {
                    self.last = Position {
                        segment: self.segment,
                        offset,
                    };
                    return Ok(Some(self.last));
                }
                Next::End => {
                    if matches!(self.source, Source::File(_)) || self.segment >= head {
                        return Ok(None);
                    }
                    self.advance(head)?;
                }
                Next::Corrupt { offset, reason } => {
                    if matches!(self.source, Source::Segments) && self.segment >= head {
                        // The segment being written: a record still being
                        // copied in. Read it again later.
                        return Ok(None);
                    }
                    tracing::warn!(
                        segment = self.segment,
                        offset,
                        reason,
                        "WAL: corrupt record skipped"
                    );
                    metrics.corruptions.inc();
                    r.skip_to_next_page(offset);
                }
            }
        }
    }

    /// Reads every series record to the end into `table` (samples only
    /// update the series' newest timestamp).
    pub fn replay_series(&mut self, table: &SeriesTable, metrics: &WalMetrics) -> io::Result<()> {
        let mut samples = Vec::new();
        // A single file or segment: never move past it.
        let head = self.segment;
        while self.next_record(head, metrics)?.is_some() {
            let rec = self.record();
            let result = match rec.first() {
                Some(&record::SERIES) => {
                    record::decode_series(Decoder::new(&rec[1..]), |r, labels| {
                        table.restore(r, labels)
                    })
                }
                Some(&record::SAMPLES) => {
                    samples.clear();
                    let res = record::decode_samples(Decoder::new(&rec[1..]), &mut samples);
                    for s in &samples {
                        table.touch(s.series, s.t);
                    }
                    res
                }
                _ => Err(record::DecodeError("unknown record type")),
            };
            if let Err(e) = result {
                tracing::warn!(err = %e, "WAL: record skipped on replay");
                metrics.corruptions.inc();
            }
        }
        Ok(())
    }
}

//! The segment file format, modelled on Prometheus's `tsdb/wlog`: a
//! segment is a sequence of 32 KiB pages; a record is written as one or
//! more fragments, none crossing a page boundary, each with a 7-byte header
//! (kind, big-endian length, big-endian CRC-32C of the fragment). A page
//! tail too short for a header is zero-filled, which a reader skips.
//!
//! Segments are files named by an 8-digit sequence number. A record is
//! handed to the kernel in one `write` call, so a reader in the same
//! process sees either a whole record or a tail it must wait for; after a
//! crash, a torn last record is what [`repair`] cuts off.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub const PAGE_SIZE: usize = 32 * 1024;
pub const HEADER_SIZE: usize = 7;

const FULL: u8 = 1;
const FIRST: u8 = 2;
const MIDDLE: u8 = 3;
const LAST: u8 = 4;

/// The file name of segment `n`.
pub fn segment_name(n: u32) -> String {
    format!("{n:08}")
}

/// Path of segment `n` in `dir`.
pub fn segment_path(dir: &Path, n: u32) -> PathBuf {
    dir.join(segment_name(n))
}

/// The segment numbers in `dir`, ascending. Other files are ignored.
pub fn list_segments(dir: &Path) -> io::Result<Vec<u32>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.len() == 8 && name.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(n) = name.parse::<u32>() {
                out.push(n);
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Appends records to one segment file.
pub struct SegmentWriter {
    file: File,
    /// Bytes written so far (the file's length).
    len: u64,
    buf: Vec<u8>,
}

impl SegmentWriter {
    /// Creates segment `n` in `dir` (it must not exist).
    pub fn create(dir: &Path, n: u32) -> io::Result<SegmentWriter> {
        let file = OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(segment_path(dir, n))?;
        Ok(SegmentWriter {
            file,
            len: 0,
            buf: Vec::with_capacity(PAGE_SIZE),
        })
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes `record` as fragments in one system call; returns the offset
    /// the record starts at.
    pub fn append(&mut self, record: &[u8]) -> io::Result<u64> {
        self.buf.clear();
        let mut pos = self.len;
        let mut start = None;
        let mut rest = record;
        let mut first = true;
        loop {
            let in_page = (pos % PAGE_SIZE as u64) as usize;
            let left = PAGE_SIZE - in_page;
            if left <= HEADER_SIZE {
                self.buf.resize(self.buf.len() + left, 0);
                pos += left as u64;
                continue;
            }
            if start.is_none() {
                start = Some(pos);
            }
            let room = left - HEADER_SIZE;
            let take = rest.len().min(room);
            let last = take == rest.len();
            let kind = match (first, last) {
                (true, true) => FULL,
                (true, false) => FIRST,
                (false, false) => MIDDLE,
                (false, true) => LAST,
            };
            let frag = &rest[..take];
            self.buf.push(kind);
            self.buf.extend_from_slice(&(take as u16).to_be_bytes());
            self.buf
                .extend_from_slice(&crc32c::crc32c(frag).to_be_bytes());
            self.buf.extend_from_slice(frag);
            pos += (HEADER_SIZE + take) as u64;
            rest = &rest[take..];
            first = false;
            if last {
                break;
            }
        }
        self.file.write_all(&self.buf)?;
        self.len = pos;
        Ok(start.unwrap_or(self.len))
    }

    /// Forces the segment to stable storage (on close and rotation).
    pub fn sync(&self) -> io::Result<()> {
        self.file.sync_data()
    }
}

/// What reading the next record found.
#[derive(Debug, PartialEq)]
pub enum Next {
    /// A record starting at `offset`; its bytes are in the reader's buffer.
    Record { offset: u64 },
    /// The end of the data written so far (possibly a record being written).
    End,
    /// Bytes that are not a valid record, at `offset`: a torn write or
    /// corruption.
    Corrupt { offset: u64, reason: &'static str },
}

/// Reads records from one segment, sequentially, from any record offset.
/// At the end of the data it reports [`Next::End`] and may be called again
/// once more data was written.
pub struct SegmentReader {
    file: File,
    /// Bytes of the file read into `window`, starting at `window_start`.
    window: Vec<u8>,
    window_start: u64,
    /// Offset of the next record.
    pos: u64,
    record: Vec<u8>,
    chunk: Vec<u8>,
}

impl SegmentReader {
    pub fn open(dir: &Path, n: u32, offset: u64) -> io::Result<SegmentReader> {
        SegmentReader::open_path(&segment_path(dir, n), offset)
    }

    /// Opens any file in segment format (a checkpoint).
    pub fn open_path(path: &Path, offset: u64) -> io::Result<SegmentReader> {
        let file = File::open(path)?;
        Ok(SegmentReader {
            file,
            window: Vec::new(),
            window_start: offset,
            pos: offset,
            record: Vec::new(),
            chunk: vec![0; 256 * 1024],
        })
    }

    /// The offset of the next record to read.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// The last record read.
    pub fn record(&self) -> &[u8] {
        &self.record
    }

    /// Makes sure `window` holds bytes `[at, at + need)`; false when the
    /// file is shorter.
    fn fill(&mut self, at: u64, need: usize) -> io::Result<bool> {
        let end = self.window_start + self.window.len() as u64;
        if at >= self.window_start && at + need as u64 <= end {
            return Ok(true);
        }
        // Drop what lies before `at`, then read more.
        if at > self.window_start {
            let cut = ((at - self.window_start) as usize).min(self.window.len());
            self.window.drain(..cut);
            self.window_start += cut as u64;
        }
        if at < self.window_start {
            self.window.clear();
            self.window_start = at;
        }
        let target = at + need as u64;
        let have_end = self.window_start + self.window.len() as u64;
        self.file.seek(SeekFrom::Start(have_end))?;
        if self.chunk.len() < need {
            self.chunk.resize(need, 0);
        }
        while self.window_start + (self.window.len() as u64) < target {
            let n = self.file.read(&mut self.chunk)?;
            if n == 0 {
                break;
            }
            self.window.extend_from_slice(&self.chunk[..n]);
        }
        Ok(self.window_start + self.window.len() as u64 >= target)
    }

    fn bytes(&self, at: u64, len: usize) -> &[u8] {
        let i = (at - self.window_start) as usize;
        &self.window[i..i + len]
    }

    /// Reads the next record.
    pub fn next_record(&mut self) -> io::Result<Next> {
        self.record.clear();
        let mut at = self.pos;
        let mut start = None;
        let mut expect_more = false;
        loop {
            let in_page = (at % PAGE_SIZE as u64) as usize;
            let left = PAGE_SIZE - in_page;
            if left <= HEADER_SIZE {
                if !self.fill(at, left)? {
                    return Ok(Next::End);
                }
                at += left as u64;
                continue;
            }
            if !self.fill(at, HEADER_SIZE)? {
                return Ok(Next::End);
            }
            let header = self.bytes(at, HEADER_SIZE);
            let kind = header[0];
            let len = u16::from_be_bytes([header[1], header[2]]) as usize;
            let crc = u32::from_be_bytes([header[3], header[4], header[5], header[6]]);
            if kind == 0 {
                // Zero padding to the end of the page: only valid when the
                // rest of the page is zeros, which a writer leaves when the
                // next record did not fit... or a page never written (a
                // preallocated or torn tail). Skip to the next page.
                if !self.fill(at, left)? {
                    return Ok(Next::End);
                }
                if self.bytes(at, left).iter().any(|&b| b != 0) {
                    return Ok(Next::Corrupt {
                        offset: start.unwrap_or(at),
                        reason: "non-zero bytes in page padding",
                    });
                }
                at += left as u64;
                continue;
            }
            if kind > LAST || HEADER_SIZE + len > left {
                return Ok(Next::Corrupt {
                    offset: start.unwrap_or(at),
                    reason: "invalid fragment header",
                });
            }
            let first = kind == FULL || kind == FIRST;
            if first == expect_more {
                return Ok(Next::Corrupt {
                    offset: start.unwrap_or(at),
                    reason: "fragments out of order",
                });
            }
            if !self.fill(at, HEADER_SIZE + len)? {
                return Ok(Next::End);
            }
            let frag_at = at + HEADER_SIZE as u64;
            if crc32c::crc32c(self.bytes(frag_at, len)) != crc {
                return Ok(Next::Corrupt {
                    offset: start.unwrap_or(at),
                    reason: "checksum mismatch",
                });
            }
            if start.is_none() {
                start = Some(at);
            }
            let i = (frag_at - self.window_start) as usize;
            let frag = &self.window[i..i + len];
            self.record.extend_from_slice(frag);
            at = frag_at + len as u64;
            if kind == FULL || kind == LAST {
                self.pos = at;
                return Ok(Next::Record {
                    offset: start.unwrap_or(at),
                });
            }
            expect_more = true;
        }
    }

    /// Moves past a corrupt region to the start of the next page.
    pub fn skip_to_next_page(&mut self, offset: u64) {
        let page = PAGE_SIZE as u64;
        self.pos = (offset / page + 1) * page;
    }
}

/// Cuts a torn or corrupt tail off segment `n`: everything from the first
/// record that does not read back whole. Returns the bytes removed (0 when
/// the segment was clean).
pub fn repair(dir: &Path, n: u32) -> io::Result<u64> {
    let path = segment_path(dir, n);
    let len = std::fs::metadata(&path)?.len();
    let mut reader = SegmentReader::open(dir, n, 0)?;
    let good = loop {
        match reader.next_record()? {
            Next::Record { .. } => {}
            Next::End | Next::Corrupt { .. } => break reader.position(),
        }
    };
    if good < len {
        let file = OpenOptions::new().write(true).open(&path)?;
        file.set_len(good)?;
        file.sync_all()?;
    }
    Ok(len - good)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(dir: &Path, n: u32) -> Vec<Vec<u8>> {
        let mut r = SegmentReader::open(dir, n, 0).expect("open");
        let mut out = Vec::new();
        while let Next::Record { .. } = r.next_record().expect("read") {
            out.push(r.record().to_vec());
        }
        out
    }

    #[test]
    fn records_of_every_size_round_trip_across_pages() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut w = SegmentWriter::create(dir.path(), 0).expect("create");
        let sizes = [
            0usize,
            1,
            100,
            PAGE_SIZE - 14,
            PAGE_SIZE,
            3 * PAGE_SIZE + 17,
            5,
        ];
        let recs: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| (0..n).map(|j| (i * 31 + j) as u8).collect())
            .collect();
        for r in &recs {
            w.append(r).expect("append");
        }
        assert_eq!(records(dir.path(), 0), recs);
    }

    #[test]
    fn torn_last_record_is_cut_and_the_rest_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut w = SegmentWriter::create(dir.path(), 3).expect("create");
        w.append(b"first").expect("append");
        w.append(&[7u8; 50_000]).expect("append");
        let whole = w.len();
        drop(w);
        let file = OpenOptions::new()
            .write(true)
            .open(segment_path(dir.path(), 3))
            .expect("open");
        file.set_len(whole - 100).expect("truncate");
        let removed = repair(dir.path(), 3).expect("repair");
        assert!(removed > 0);
        assert_eq!(records(dir.path(), 3), vec![b"first".to_vec()]);
        assert_eq!(repair(dir.path(), 3).expect("repair again"), 0);
    }

    #[test]
    fn flipped_byte_is_reported_as_corrupt() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut w = SegmentWriter::create(dir.path(), 0).expect("create");
        w.append(b"aaaa").expect("append");
        w.append(b"bbbb").expect("append");
        drop(w);
        let path = segment_path(dir.path(), 0);
        let mut bytes = std::fs::read(&path).expect("read");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, bytes).expect("write");
        let mut r = SegmentReader::open(dir.path(), 0, 0).expect("open");
        assert_eq!(r.next_record().expect("read"), Next::Record { offset: 0 });
        assert!(matches!(
            r.next_record().expect("read"),
            Next::Corrupt { offset: 11, .. }
        ));
    }

    #[test]
    fn reader_waits_at_the_end_and_continues() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut w = SegmentWriter::create(dir.path(), 0).expect("create");
        w.append(b"one").expect("append");
        let mut r = SegmentReader::open(dir.path(), 0, 0).expect("open");
        assert!(matches!(
            r.next_record().expect("read"),
            Next::Record { .. }
        ));
        assert_eq!(r.next_record().expect("read"), Next::End);
        w.append(b"two").expect("append");
        assert!(matches!(
            r.next_record().expect("read"),
            Next::Record { .. }
        ));
        assert_eq!(r.record(), b"two");
    }
}

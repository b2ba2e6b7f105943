//! What each shard of an endpoint has sent, kept on disk so that a restart
//! resumes where sending stopped: no sample sent twice, none skipped.
//!
//! The file holds the shard count it was written for and one slot per
//! shard: the WAL position before which every sample of that shard (samples
//! of series `ref % shards == shard`) was acknowledged by the remote end. A
//! slot is rewritten in place after each acknowledged batch (one `pwrite`,
//! so a killed process leaves either the old or the new slot; each slot
//! carries its own CRC-32C for torn writes after a power cut). Resharding
//! rewrites the whole file through a rename.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// A sample's place in the WAL: its record and its index in the record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SamplePos {
    pub segment: u32,
    pub offset: u64,
    pub index: u32,
}

impl SamplePos {
    /// The first sample of the record at (`segment`, `offset`).
    pub fn record(segment: u32, offset: u64) -> SamplePos {
        SamplePos {
            segment,
            offset,
            index: 0,
        }
    }
}

const MAGIC: &[u8; 4] = b"RWP1";
const SLOT: usize = 20;

fn encode_slot(p: SamplePos) -> [u8; SLOT] {
    let mut b = [0u8; SLOT];
    b[0..4].copy_from_slice(&p.segment.to_be_bytes());
    b[4..12].copy_from_slice(&p.offset.to_be_bytes());
    b[12..16].copy_from_slice(&p.index.to_be_bytes());
    let crc = crc32c::crc32c(&b[..16]);
    b[16..20].copy_from_slice(&crc.to_be_bytes());
    b
}

fn decode_slot(b: &[u8]) -> Option<SamplePos> {
    let crc = u32::from_be_bytes(b[16..20].try_into().ok()?);
    if crc32c::crc32c(&b[..16]) != crc {
        return None;
    }
    Some(SamplePos {
        segment: u32::from_be_bytes(b[0..4].try_into().ok()?),
        offset: u64::from_be_bytes(b[4..12].try_into().ok()?),
        index: u32::from_be_bytes(b[12..16].try_into().ok()?),
    })
}

/// The saved state: `done[k]` for shard `k` of `done.len()` shards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    pub done: Vec<SamplePos>,
}

impl Saved {
    /// Whether the sample of series `r` at `pos` was already sent.
    pub fn was_sent(&self, r: u64, pos: SamplePos) -> bool {
        if self.done.is_empty() {
            return false;
        }
        pos < self.done[(r % self.done.len() as u64) as usize]
    }

    /// Where reading must start.
    pub fn start(&self) -> Option<SamplePos> {
        self.done.iter().min().copied()
    }
}

/// The progress file of one endpoint.
pub struct Progress {
    path: PathBuf,
    file: File,
}

impl Progress {
    /// Reads the file at `path`; `Ok(None)` when there is none. A slot that
    /// fails its checksum takes the smallest valid slot's value (resending
    /// rather than skipping).
    pub fn load(path: &Path) -> io::Result<Option<Saved>> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if bytes.len() < 8 || &bytes[..4] != MAGIC {
            tracing::warn!(path = %path.display(), "remote write progress file unreadable; resending from the oldest WAL segment");
            return Ok(None);
        }
        let n = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        let slots: Vec<Option<SamplePos>> = (0..n)
            .map(|k| {
                bytes
                    .get(8 + k * SLOT..8 + (k + 1) * SLOT)
                    .and_then(decode_slot)
            })
            .collect();
        let Some(floor) = slots.iter().flatten().min().copied() else {
            return Ok(None);
        };
        Ok(Some(Saved {
            done: slots.into_iter().map(|s| s.unwrap_or(floor)).collect(),
        }))
    }

    /// Writes a fresh file for `done.len()` shards (atomically, by rename).
    pub fn create(path: &Path, done: &[SamplePos]) -> io::Result<Progress> {
        let tmp = path.with_extension("tmp");
        let mut bytes = Vec::with_capacity(8 + done.len() * SLOT);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(done.len() as u32).to_be_bytes());
        for &p in done {
            bytes.extend_from_slice(&encode_slot(p));
        }
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, path)?;
        let file = OpenOptions::new().write(true).open(path)?;
        Ok(Progress {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Records that shard `k` sent everything before `pos`.
    pub fn set(&self, k: usize, pos: SamplePos) -> io::Result<()> {
        self.file
            .write_all_at(&encode_slot(pos), (8 + k * SLOT) as u64)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_round_trip_and_a_torn_slot_falls_back_to_the_oldest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("progress");
        assert_eq!(Progress::load(&path).expect("load"), None);
        let p = Progress::create(&path, &[SamplePos::record(1, 0); 3]).expect("create");
        p.set(
            1,
            SamplePos {
                segment: 2,
                offset: 64,
                index: 3,
            },
        )
        .expect("set");
        p.set(
            2,
            SamplePos {
                segment: 3,
                offset: 0,
                index: 0,
            },
        )
        .expect("set");
        let saved = Progress::load(&path).expect("load").expect("some");
        assert_eq!(
            saved.done[1],
            SamplePos {
                segment: 2,
                offset: 64,
                index: 3
            }
        );
        assert!(saved.was_sent(
            4,
            SamplePos {
                segment: 2,
                offset: 64,
                index: 2
            }
        ));
        assert!(!saved.was_sent(
            4,
            SamplePos {
                segment: 2,
                offset: 64,
                index: 3
            }
        ));
        let mut bytes = std::fs::read(&path).expect("read");
        bytes[8 + 2 * SLOT] ^= 0xff;
        std::fs::write(&path, bytes).expect("write");
        let saved = Progress::load(&path).expect("load").expect("some");
        assert_eq!(saved.done[2], SamplePos::record(1, 0));
        assert_eq!(saved.start(), Some(SamplePos::record(1, 0)));
    }
}

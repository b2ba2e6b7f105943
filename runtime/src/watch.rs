//! Noticing that files changed, for `local.file` and `import.file`.
//!
//! Upstream offers two detectors. `poll` re-reads the file every
//! `poll_frequency`. `fsnotify` reacts to file-system events and also
//! re-reads every `poll_frequency` in case an event was missed. Here
//! `fsnotify` is served by comparing each path's metadata (size,
//! modification time, inode, and for a directory its `*.alloy` entries)
//! every [`CHANGE_CHECK`]: portable, indifferent to editors that replace
//! files by renaming, and cheap for the handful of paths a config watches.
//! Both detectors only signal; the reader compares contents, so a signal
//! without a change costs one read.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio::runtime::Handle;
use tokio_util::sync::CancellationToken;

/// How often the `fsnotify` detector compares metadata.
pub const CHANGE_CHECK: Duration = Duration::from_millis(250);

/// Upstream's detectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detector {
    Fsnotify,
    Poll,
}

impl Detector {
    /// Parses the `detector` argument, with upstream's error text.
    pub fn parse(text: &str) -> Result<Detector, String> {
        match text {
            "fsnotify" => Ok(Detector::Fsnotify),
            "poll" => Ok(Detector::Poll),
            other => Err(format!("unrecognized detector type {other:?}")),
        }
    }
}

/// What was last seen at a path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stamp {
    Missing,
    File {
        len: u64,
        modified: Option<SystemTime>,
        inode: u64,
    },
    Dir(Vec<(String, u64, Option<SystemTime>)>),
}

fn stamp(path: &Path) -> Stamp {
    let Ok(meta) = std::fs::metadata(path) else {
        return Stamp::Missing;
    };
    if meta.is_dir() {
        let mut entries: Vec<(String, u64, Option<SystemTime>)> = std::fs::read_dir(path)
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let meta = e.metadata().ok()?;
                        (name.ends_with(".alloy") && meta.is_file())
                            .then(|| (name, meta.len(), meta.modified().ok()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        entries.sort();
        return Stamp::Dir(entries);
    }
    Stamp::File {
        len: meta.len(),
        modified: meta.modified().ok(),
        inode: inode(&meta),
    }
}

#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

/// Calls `on_change` when one of `paths` may have changed, until the
/// returned token is cancelled.
pub fn spawn(
    runtime: &Handle,
    paths: Vec<PathBuf>,
    detector: Detector,
    poll_frequency: Duration,
    on_change: impl Fn() + Send + 'static,
) -> CancellationToken {
    let token = CancellationToken::new();
    let stop = token.clone();
    let poll_frequency = poll_frequency.max(Duration::from_millis(1));
    runtime.spawn(async move {
        let mut stamps: Vec<Stamp> = paths.iter().map(|p| stamp(p)).collect();
        let mut next_poll = tokio::time::Instant::now() + poll_frequency;
        loop {
            let wait = match detector {
                Detector::Fsnotify => CHANGE_CHECK
                    .min(next_poll.saturating_duration_since(tokio::time::Instant::now())),
                Detector::Poll => next_poll.saturating_duration_since(tokio::time::Instant::now()),
            };
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
            let now = tokio::time::Instant::now();
            let mut changed = false;
            if now >= next_poll {
                next_poll = now + poll_frequency;
                changed = true;
            }
            if detector == Detector::Fsnotify {
                let fresh: Vec<Stamp> = paths.iter().map(|p| stamp(p)).collect();
                if fresh != stamps {
                    stamps = fresh;
                    changed = true;
                }
            }
            if changed {
                on_change();
            }
        }
    });
    token
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn a_rewrite_is_noticed() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let dir = std::env::temp_dir().join(format!("alloy-watch-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join("f.txt");
        std::fs::write(&file, "a").expect("write");
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        let token = spawn(
            runtime.handle(),
            vec![file.clone()],
            Detector::Fsnotify,
            Duration::from_secs(3600),
            move || {
                seen.fetch_add(1, Ordering::SeqCst);
            },
        );
        runtime.block_on(async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            std::fs::write(&file, "bb").expect("write");
            for _ in 0..40 {
                if count.load(Ordering::SeqCst) > 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        token.cancel();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(count.load(Ordering::SeqCst) > 0);
    }
}

//! Rewriting a file that someone else may own, link or watch (`alloy fmt -w`).
//!
//! `alloy fmt -w` is run by root on service configurations, so the write
//! must not be steerable by a local user and must not change what the
//! service relies on. The strategy (documented in README.md):
//!
//! - **The target.** A symlink is resolved (whole chains, as Kubernetes
//!   ConfigMap mounts build them: `config.alloy -> ..data/config.alloy`,
//!   `..data -> ..2026_12_08/`); the file at the end is rewritten and every
//!   link stays as it was. Only regular files are written.
//! - **Read-only files are refused** as upstream's in-place `open(O_WRONLY)`
//!   refuses them (`open PATH: permission denied`): a file the user cannot
//!   open for writing, or one with no write bit at all (`0444`), which root
//!   could otherwise rewrite.
//! - **Temporary files** are created in the target's own directory with
//!   `O_CREAT | O_EXCL` (which never follows a link, even a dangling one),
//!   mode 0600 and a name with 64 random bits, so a planted file or link at a
//!   guessed name can neither be written through nor pre-created.
//! - **A file with one link** is replaced atomically: the new text goes into
//!   the temporary file, which gets the original's owner, group and mode
//!   (`fchown` then `fchmod`, so set-id bits survive), is synced and renamed
//!   over the original; readers see the old or the new file, never half.
//! - **Everything else is written in place** through the original inode,
//!   after re-checking it is the same file: a file with several hard links
//!   (a rename would split them), extended attributes or ACLs (which a new
//!   inode would not carry), or an owner the process cannot give away
//!   (a non-root user formatting a group-writable file). In-place writing is
//!   not atomic, so the new text is first written and synced to the
//!   exclusive temporary file, which is removed only once the original has
//!   been rewritten and synced: a crash in between leaves the formatted text
//!   beside the file.

use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Why a file was not rewritten; the text is what the user sees after
/// `Error: `.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// Opening the original for writing was refused, or it has no write bit.
    ReadOnly(PathBuf),
    /// A directory, device, socket or FIFO.
    NotRegular(PathBuf),
    Io(&'static str, PathBuf, io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::ReadOnly(path) => write!(f, "open {}: permission denied", path.display()),
            WriteError::NotRegular(path) => {
                write!(f, "write {}: not a regular file", path.display())
            }
            WriteError::Io(op, path, err) => {
                write!(f, "{op} {}: {}", path.display(), super::io_error(err))
            }
        }
    }
}

/// How the new text reached the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    Rename,
    InPlace,
}

/// Rewrites the file `path` names (through any symlinks) with `contents`,
/// keeping its owner, group, mode, links and the links pointing at it.
pub(crate) fn rewrite(path: &Path, contents: &[u8]) -> Result<Strategy, WriteError> {
    let target =
        std::fs::canonicalize(path).map_err(|e| WriteError::Io("open", path.to_owned(), e))?;
    let meta = std::fs::metadata(&target).map_err(|e| WriteError::Io("stat", target.clone(), e))?;
    if !meta.file_type().is_file() {
        return Err(WriteError::NotRegular(path.to_owned()));
    }
    if meta.permissions().mode() & 0o222 == 0 {
        return Err(WriteError::ReadOnly(path.to_owned()));
    }
    // The permission check upstream's write makes; nothing is changed yet.
    let original = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&target)
        .map_err(|e| match e.kind() {
            io::ErrorKind::PermissionDenied => WriteError::ReadOnly(path.to_owned()),
            _ => WriteError::Io("open", path.to_owned(), e),
        })?;
    let opened = original
        .metadata()
        .map_err(|e| WriteError::Io("stat", target.clone(), e))?;
    if (opened.dev(), opened.ino()) != (meta.dev(), meta.ino()) {
        return Err(WriteError::Io(
            "write",
            path.to_owned(),
            io::Error::other("file replaced while being formatted"),
        ));
    }

    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (temp_path, mut temp) =
        create_exclusive(&dir, &name).map_err(|e| WriteError::Io("create", dir.join(&name), e))?;
    let cleanup = TempGuard(&temp_path);
    temp.write_all(contents)
        .and_then(|()| temp.sync_all())
        .map_err(|e| WriteError::Io("write", temp_path.clone(), e))?;

    let in_place = opened.nlink() > 1 || has_xattrs(&original) || !give_away(&temp, &opened);
    if in_place {
        write_in_place(original, contents)
            .map_err(|e| WriteError::Io("write", target.clone(), e))?;
        drop(cleanup);
        return Ok(Strategy::InPlace);
    }
    drop(original);
    std::fs::rename(&temp_path, &target)
        .map_err(|e| WriteError::Io("rename", target.clone(), e))?;
    std::mem::forget(cleanup);
    // The rename is durable once the directory is.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(Strategy::Rename)
}

/// Removes the temporary file unless the rename consumed it.
struct TempGuard<'a>(&'a Path);

impl Drop for TempGuard<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.0);
    }
}

/// A new file `.NAME.<16 hex digits>.tmp` in `dir`, created exclusively
/// (never through a link) with mode 0600.
fn create_exclusive(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let mut last = None;
    for attempt in 0..16u64 {
        let candidate = dir.join(format!(".{name}.{:016x}.tmp", random(attempt)));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&candidate)
        {
            Ok(file) => return Ok((candidate, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// 64 unpredictable bits: std's `RandomState` is keyed from the operating
/// system's random source once per process.
fn random(salt: u64) -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(salt);
    h.write_u32(std::process::id());
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    h.finish()
}

/// Gives the temporary file the original's owner, group and mode; false
/// when the owner or group cannot be reproduced (then the original inode
/// is written instead, so nothing changes hands).
fn give_away(temp: &File, original: &std::fs::Metadata) -> bool {
    if std::os::unix::fs::fchown(temp, Some(original.uid()), Some(original.gid())).is_err() {
        return false;
    }
    // After chown, which clears set-id bits.
    let mode = original.permissions().mode() & 0o7777;
    temp.set_permissions(std::fs::Permissions::from_mode(mode))
        .is_ok()
}

/// Whether the file carries extended attributes (ACLs, SELinux labels,
/// capabilities) that a new inode would not have.
fn has_xattrs(file: &File) -> bool {
    rustix::fs::flistxattr_query(file).is_ok_and(|len| len > 0)
}

fn write_in_place(mut file: File, contents: &[u8]) -> io::Result<()> {
    // Opened without O_TRUNC: overwrite from the start, then cut what is
    // left of a longer old text.
    file.write_all(contents)?;
    file.set_len(contents.len() as u64)?;
    file.sync_all()
}

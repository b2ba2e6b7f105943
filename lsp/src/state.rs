//! The server's mutable state: the analysis host, the open documents and
//! the modules (directories) they belong to.
//!
//! Alloy loads every `*.alloy` file of a directory as one module, so opening
//! one document loads its whole directory from disk; open buffers win over
//! the files on disk. Only [`crate::writer`] mutates this state, on its own
//! thread, because salsa setters block until every snapshot is dropped.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use alloy_analysis::catalogue::Stability;
use alloy_analysis::{AnalysisHost, Config, SourceFile};
use tower_lsp_server::ls_types::{FileChangeType, FileEvent, TextDocumentContentChangeEvent, Uri};

use crate::convert::{Encoding, LineIndex};

/// What the user allowed: `--stability.level` and
/// `--feature.community-components.enabled`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    pub stability: Stability,
    pub community: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            stability: Stability::GenerallyAvailable,
            community: false,
        }
    }
}

impl Settings {
    /// Reads `{stabilityLevel, communityComponents}`, keeping the current
    /// value of a key that is absent or invalid. Accepts the object itself
    /// or `{ "alloy": { ... } }` (the `settings` of
    /// `workspace/didChangeConfiguration`).
    pub fn merged(self, value: &serde_json::Value) -> Settings {
        let value = value.get("alloy").unwrap_or(value);
        let mut out = self;
        if let Some(level) = value.get("stabilityLevel").and_then(|v| v.as_str()) {
            if let Ok(level) = level.parse() {
                out.stability = level;
            }
        }
        if let Some(community) = value.get("communityComponents").and_then(|v| v.as_bool()) {
            out.community = community;
        }
        out
    }
}

/// An open document.
pub struct Doc {
    pub uri: Uri,
    pub version: i32,
    pub index: Arc<LineIndex>,
    pub file: SourceFile,
    pub module: ModuleKey,
}

/// A directory path, or the URI of a document that is not a file (such a
/// document is a module of its own).
pub type ModuleKey = String;

/// One directory: a config of the analysis.
pub struct Module {
    pub config: Config,
    /// Path → file, sorted (the order upstream loads them in).
    pub files: BTreeMap<String, SourceFile>,
    /// The same files, shared with snapshots.
    pub file_list: Arc<[SourceFile]>,
}

/// Where a document lives: its path in the analysis and its module.
pub struct Location {
    pub path: String,
    pub module: ModuleKey,
    /// The directory to load from disk; `None` for non-file documents.
    pub dir: Option<PathBuf>,
}

pub fn locate(uri: &Uri) -> Location {
    let is_file = uri.scheme().as_str().eq_ignore_ascii_case("file");
    if is_file {
        if let Some(path) = uri.to_file_path() {
            let path = path.into_owned();
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                return Location {
                    path: path.to_string_lossy().into_owned(),
                    module: dir.to_string_lossy().into_owned(),
                    dir: Some(dir.to_path_buf()),
                };
            }
        }
    }
    Location {
        path: uri.as_str().to_owned(),
        module: format!("uri:{}", uri.as_str()),
        dir: None,
    }
}

/// What a write changed, for the diagnostics task.
#[derive(Default, Debug)]
pub struct Changed {
    /// Modules whose diagnostics may have changed.
    pub modules: Vec<ModuleKey>,
    /// Files that left every module: their published diagnostics must be
    /// cleared.
    pub removed: Vec<Uri>,
    /// Something the client did not type changed (files on disk, settings,
    /// a buffer reverting to disk): a pulling client must be asked to pull
    /// again.
    pub refresh: bool,
}

impl Changed {
    fn module(&mut self, key: &str) {
        if !self.modules.iter().any(|k| k == key) {
            self.modules.push(key.to_owned());
        }
    }

    pub fn merge(&mut self, other: Changed) {
        for key in other.modules {
            self.module(&key);
        }
        self.removed.extend(other.removed);
        self.refresh |= other.refresh;
    }

    pub fn is_empty(&self) -> bool {
        self.modules.is_empty() && self.removed.is_empty()
    }
}

pub struct State {
    pub host: AnalysisHost,
    /// Open documents by path.
    pub docs: HashMap<String, Doc>,
    pub modules: HashMap<ModuleKey, Module>,
    /// Every known path → its URI (for answers that point into other files).
    pub uris: Arc<HashMap<String, Uri>>,
    /// Text of the open documents by path, shared with snapshots.
    pub texts: Arc<HashMap<String, Arc<LineIndex>>>,
    pub settings: Settings,
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl State {
    pub fn new() -> State {
        let mut host = AnalysisHost::new();
        let settings = Settings::default();
        host.set_settings(settings.stability, settings.community);
        State {
            host,
            docs: HashMap::new(),
            modules: HashMap::new(),
            uris: Arc::new(HashMap::new()),
            texts: Arc::new(HashMap::new()),
            settings,
        }
    }

    pub fn set_settings(&mut self, settings: Settings) -> Changed {
        let mut changed = Changed::default();
        if settings != self.settings {
            self.settings = settings;
            self.host
                .set_settings(settings.stability, settings.community);
            for key in self.modules.keys() {
                changed.module(key);
            }
            changed.refresh = true;
        }
        changed
    }

    /// `didOpen`, and a `didChange` for a document not (yet) open: with full
    /// synchronisation the change carries the whole text.
    pub fn open(&mut self, uri: Uri, version: i32, text: String) -> Changed {
        let loc = locate(&uri);
        if let Some(doc) = self.docs.get(&loc.path) {
            if doc.version > version {
                return Changed::default();
            }
        }
        let mut changed = Changed::default();
        self.ensure_module(&loc);
        let index = Arc::new(LineIndex::new(Arc::from(text)));
        let file = self.host.set_file(&loc.path, index.text().as_bytes());
        self.docs.insert(
            loc.path.clone(),
            Doc {
                uri: uri.clone(),
                version,
                index: index.clone(),
                file,
                module: loc.module.clone(),
            },
        );
        Arc::make_mut(&mut self.texts).insert(loc.path.clone(), index);
        Arc::make_mut(&mut self.uris).insert(loc.path.clone(), uri.clone());
        self.add_to_module(&loc.module, &loc.path, file);
        changed.module(&loc.module);
        changed
    }

    /// `didChange`; stale versions (the notifications may arrive out of
    /// order) are ignored. The server asks for full synchronisation, but
    /// ranged changes are applied too, in order, for clients that send them
    /// anyway.
    pub fn change(
        &mut self,
        uri: Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) -> Changed {
        let loc = locate(&uri);
        match self.docs.get(&loc.path) {
            Some(doc) if doc.version >= version => Changed::default(),
            Some(doc) => {
                let text = apply_changes(&doc.index, changes, encoding);
                let index = Arc::new(LineIndex::new(Arc::from(text)));
                let file = self.host.set_file(&loc.path, index.text().as_bytes());
                if let Some(doc) = self.docs.get_mut(&loc.path) {
                    doc.version = version;
                    doc.index = index.clone();
                    doc.file = file;
                }
                Arc::make_mut(&mut self.texts).insert(loc.path.clone(), index);
                let mut changed = Changed::default();
                changed.module(&loc.module);
                changed
            }
            None => {
                let empty = LineIndex::new(Arc::from(""));
                let text = apply_changes(&empty, changes, encoding);
                self.open(uri, version, text)
            }
        }
    }

    /// `didClose`: the file goes back to its contents on disk, or leaves
    /// its module if it has none.
    pub fn close(&mut self, uri: &Uri) -> Changed {
        let loc = locate(uri);
        let mut changed = Changed::default();
        if self.docs.remove(&loc.path).is_none() {
            return changed;
        }
        Arc::make_mut(&mut self.texts).remove(&loc.path);
        changed.refresh = true;
        changed.module(&loc.module);
        match std::fs::read(&loc.path) {
            Ok(bytes) if loc.dir.is_some() => {
                let file = self.host.set_file(&loc.path, bytes);
                self.add_to_module(&loc.module, &loc.path, file);
            }
            _ => {
                self.remove_from_module(&loc.module, &loc.path);
                changed.removed.push(uri.clone());
            }
        }
        changed
    }

    /// `workspace/didChangeWatchedFiles`: files of loaded directories that
    /// are not open are re-read, added or removed.
    pub fn watched(&mut self, events: Vec<FileEvent>) -> Changed {
        let mut changed = Changed::default();
        for event in events {
            let loc = locate(&event.uri);
            if loc.dir.is_none() || !self.modules.contains_key(&loc.module) {
                continue;
            }
            if !is_alloy_file(Path::new(&loc.path)) || self.docs.contains_key(&loc.path) {
                continue;
            }
            let deleted = event.typ == FileChangeType::DELETED;
            match (deleted, std::fs::read(&loc.path)) {
                (false, Ok(bytes)) => {
                    let file = self.host.set_file(&loc.path, bytes);
                    Arc::make_mut(&mut self.uris).insert(loc.path.clone(), event.uri.clone());
                    self.add_to_module(&loc.module, &loc.path, file);
                }
                _ => {
                    if self.remove_from_module(&loc.module, &loc.path) {
                        changed.removed.push(event.uri.clone());
                    }
                }
            }
            changed.module(&loc.module);
            changed.refresh = true;
        }
        changed
    }

    /// Loads a directory's `*.alloy` files the first time one of its
    /// documents is opened.
    fn ensure_module(&mut self, loc: &Location) {
        if self.modules.contains_key(&loc.module) {
            return;
        }
        let mut files = BTreeMap::new();
        if let Some(dir) = &loc.dir {
            for path in alloy_files(dir) {
                let key = path.to_string_lossy().into_owned();
                if key == loc.path || self.docs.contains_key(&key) {
                    continue;
                }
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                let file = self.host.set_file(&key, bytes);
                if let Some(uri) = Uri::from_file_path(&path) {
                    Arc::make_mut(&mut self.uris).insert(key.clone(), uri);
                }
                files.insert(key, file);
            }
        }
        let file_list: Arc<[SourceFile]> = files.values().copied().collect();
        let config = self.host.new_config(file_list.to_vec());
        self.modules.insert(
            loc.module.clone(),
            Module {
                config,
                files,
                file_list,
            },
        );
    }

    fn add_to_module(&mut self, key: &str, path: &str, file: SourceFile) {
        let Some(module) = self.modules.get_mut(key) else {
            return;
        };
        if module.files.get(path) == Some(&file) {
            return;
        }
        module.files.insert(path.to_owned(), file);
        module.file_list = module.files.values().copied().collect();
        self.host
            .set_config_files(module.config, module.file_list.to_vec());
    }

    fn remove_from_module(&mut self, key: &str, path: &str) -> bool {
        let Some(module) = self.modules.get_mut(key) else {
            return false;
        };
        if module.files.remove(path).is_none() {
            return false;
        }
        module.file_list = module.files.values().copied().collect();
        self.host
            .set_config_files(module.config, module.file_list.to_vec());
        true
    }
}

/// The text after a list of content changes.
fn apply_changes(
    current: &LineIndex,
    changes: Vec<TextDocumentContentChangeEvent>,
    encoding: Encoding,
) -> String {
    // The usual (full synchronisation) case: the last whole-text change is
    // the text; copying the current text first would be wasted.
    let last_full = changes.iter().rposition(|c| c.range.is_none());
    let mut changes = changes;
    let mut text = match last_full {
        Some(at) => {
            let rest = changes.split_off(at + 1);
            let full = changes.pop().map(|c| c.text).unwrap_or_default();
            changes = rest;
            full
        }
        None => current.text().to_owned(),
    };
    let mut index: Option<LineIndex> = None;
    for change in changes {
        match change.range {
            None => {
                text = change.text;
                index = None;
            }
            Some(range) => {
                let idx = index.get_or_insert_with(|| LineIndex::new(Arc::from(text.as_str())));
                let span = idx.text_range(range, encoding);
                let (start, end) = (
                    u32::from(span.start()) as usize,
                    u32::from(span.end()) as usize,
                );
                if start <= end && end <= text.len() {
                    text.replace_range(start..end, &change.text);
                }
                index = None;
            }
        }
    }
    text
}

fn is_alloy_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "alloy")
}

/// The `*.alloy` regular files of a directory (not recursive, as upstream).
fn alloy_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| is_alloy_file(p) && p.is_file())
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_merge_accepts_both_shapes_and_ignores_garbage() {
        let s = Settings::default();
        let v = serde_json::json!({"alloy": {"stabilityLevel": "experimental", "communityComponents": true}});
        let merged = s.merged(&v);
        assert_eq!(merged.stability, Stability::Experimental);
        assert!(merged.community);
        let v = serde_json::json!({"stabilityLevel": "nonsense", "communityComponents": 3});
        assert_eq!(merged.merged(&v), merged);
        let v = serde_json::json!({"stabilityLevel": "public-preview"});
        assert_eq!(s.merged(&v).stability, Stability::PublicPreview);
    }

    #[test]
    fn stale_changes_are_ignored() {
        let mut state = State::new();
        let uri: Uri = "untitled:one".parse().expect("uri");
        let full = |text: &str| {
            vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: text.into(),
            }]
        };
        state.open(uri.clone(), 1, "a".into());
        state.change(uri.clone(), 3, full("c"), Encoding::Utf16);
        let changed = state.change(uri.clone(), 2, full("b"), Encoding::Utf16);
        assert!(changed.is_empty());
        let doc = state.docs.get("untitled:one").expect("doc");
        assert_eq!(doc.version, 3);
        assert_eq!(doc.index.text(), "c");
    }

    #[test]
    fn ranged_changes_are_applied_in_order() {
        use tower_lsp_server::ls_types::{Position, Range};
        let mut state = State::new();
        let uri: Uri = "untitled:two".parse().expect("uri");
        state.open(uri.clone(), 1, "héllo\nworld".into());
        let change = |l1, c1, l2, c2, text: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: text.into(),
        };
        state.change(
            uri.clone(),
            2,
            vec![change(0, 1, 0, 2, "e"), change(1, 0, 1, 5, "there")],
            Encoding::Utf16,
        );
        let doc = state.docs.get("untitled:two").expect("doc");
        assert_eq!(doc.index.text(), "hello\nthere");
        // A whole-text change resets; ranged ones after it apply to it.
        let whole = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "abc".into(),
        };
        state.change(
            uri.clone(),
            3,
            vec![change(0, 0, 0, 1, "X"), whole, change(0, 1, 0, 2, "Y")],
            Encoding::Utf16,
        );
        let doc = state.docs.get("untitled:two").expect("doc");
        assert_eq!(doc.index.text(), "aYc");
    }
}

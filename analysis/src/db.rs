//! The salsa database: inputs, the parse query and the database type.
//!
//! Inputs are deliberately few. A [`SourceFile`] is a path and its bytes; a
//! [`Config`] is the set of files Alloy loads together (a directory is one
//! config, as upstream); [`Settings`] are the command-line switches that change
//! what is allowed. Everything else is derived, so the language server only
//! ever sets these three.

use std::sync::Arc;

use crate::catalogue::Stability;

/// One configuration file. `path` is the name shown in diagnostics, exactly
/// as the user gave it (upstream prints the name it was handed).
#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(ref)]
    pub path: String,
    /// Raw bytes: invalid UTF-8 must be reported the way upstream does, so
    /// the text is decoded by the parser, not by the caller.
    #[returns(ref)]
    pub bytes: Arc<[u8]>,
    /// The file's most recent tree, for [`alloy_syntax::reparse`]. Not an
    /// input in the usual sense: it never changes (equality is identity of
    /// the shared slot), and what it holds only makes the parse query
    /// faster, never different, since a reparse equals a full parse.
    #[default]
    #[returns(ref)]
    pub(crate) last_parse: LastParse,
    /// The config the file belongs to (set by [`crate::AnalysisHost`] when
    /// a config lists the file; a file belongs to one config at a time, the
    /// one that listed it last). Item queries find their config through it,
    /// so they are keyed by the item alone: a query keyed by `(config,
    /// item)` costs salsa an interned key per item, which was a tenth of a
    /// large check.
    #[default]
    #[returns(copy)]
    pub config: Option<Config>,
}

/// A slot holding the last tree parsed for a file. Compares by identity, so
/// storing a tree in it is invisible to salsa.
#[derive(Clone, Default)]
pub struct LastParse(Arc<std::sync::Mutex<Option<alloy_syntax::Parse>>>);

impl LastParse {
    fn take(&self) -> Option<alloy_syntax::Parse> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn store(&self, parse: alloy_syntax::Parse) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(parse);
    }
}

impl PartialEq for LastParse {
    fn eq(&self, other: &LastParse) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for LastParse {}

impl std::fmt::Debug for LastParse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LastParse")
    }
}

/// The files Alloy evaluates as one module, sorted by path (upstream parses
/// them in sorted order and merges their statements).
#[salsa::input(debug)]
pub struct Config {
    #[returns(ref)]
    pub files: Vec<SourceFile>,
}

/// What the user allowed on the command line (`--stability.level`,
/// `--feature.community-components.enabled`). A singleton: one database
/// checks with one set of flags.
#[salsa::input(singleton, debug)]
pub struct Settings {
    #[returns(copy)]
    pub stability: Stability,
    #[returns(copy)]
    pub community_components: bool,
}

/// The green tree and syntax errors of a file.
pub fn parse(db: &dyn salsa::Database, file: SourceFile) -> alloy_syntax::Parse {
    memo::parse(db, file).0.clone()
}

/// [`parse`] without the clone, for the queries that only read the tree.
pub(crate) fn parse_ref(db: &dyn salsa::Database, file: SourceFile) -> &alloy_syntax::Parse {
    &memo::parse(db, file).0
}

mod memo {
    use super::{Retired, SourceFile};

    /// Memoised with a bounded LRU: trees are the largest values in the
    /// database and are cheap to rebuild. `no_eq`: a changed text
    /// practically always gives a changed tree, and comparing two trees to
    /// find out costs a full walk of both. (In a module of its own so that
    /// salsa's event log still names the query `parse`.)
    #[salsa::tracked(returns(ref), lru = 256, no_eq)]
    pub(super) fn parse(db: &dyn salsa::Database, file: SourceFile) -> Retired {
        let bytes = file.bytes(db);
        let slot = file.last_parse(db);
        let parse = super::parse_bytes(slot.take(), bytes);
        slot.store(parse.clone());
        Retired(parse)
    }
}

/// Parses `bytes`: incrementally from the file's previous tree when there
/// is one (after an edit only the changed top-level statements are parsed;
/// the rest of the tree is shared with the previous one), otherwise on
/// several threads for a large file. Both give exactly `parse_file`'s
/// result (`alloy-syntax` guarantees and tests it).
fn parse_bytes(previous: Option<alloy_syntax::Parse>, bytes: &[u8]) -> alloy_syntax::Parse {
    if let (Some(previous), Ok(text)) = (previous, std::str::from_utf8(bytes)) {
        return alloy_syntax::reparse(&previous, text);
    }
    let threads = crate::threads();
    alloy_syntax::parse_file_parallel(bytes, threads)
}

/// A memoised tree that, once replaced, is freed on a background thread.
///
/// After an edit salsa drops the previous tree at the start of the next
/// revision, inside `set_file`: for a 10,000-line file that is a walk
/// freeing every node (about 2.4 M instructions, and a quarter of a
/// re-check's cache misses), all on the path of the next keystroke's
/// diagnostics. Large trees are handed to one long-lived thread instead.
pub(crate) struct Retired(alloy_syntax::Parse);

/// Trees smaller than this are freed in place: handing them over would cost
/// more than freeing them.
const BACKGROUND_DROP_BYTES: u32 = 64 * 1024;

impl Drop for Retired {
    fn drop(&mut self) {
        if u32::from(self.0.green().text_len()) < BACKGROUND_DROP_BYTES {
            return;
        }
        if let Some(sender) = dropper() {
            static EMPTY: std::sync::OnceLock<alloy_syntax::Parse> = std::sync::OnceLock::new();
            let empty = EMPTY.get_or_init(|| alloy_syntax::parse("")).clone();
            let parse = std::mem::replace(&mut self.0, empty);
            // If the thread is gone the tree comes back and is freed here.
            let _ = sender.send(parse);
        }
    }
}

/// The channel to the thread that frees retired trees, started on first
/// use; `None` if the thread could not be started.
fn dropper() -> Option<&'static std::sync::mpsc::Sender<alloy_syntax::Parse>> {
    static SENDER: std::sync::OnceLock<Option<std::sync::mpsc::Sender<alloy_syntax::Parse>>> =
        std::sync::OnceLock::new();
    SENDER
        .get_or_init(|| {
            let (sender, receiver) = std::sync::mpsc::channel::<alloy_syntax::Parse>();
            std::thread::Builder::new()
                .name("alloy-analysis-drop".into())
                .spawn(move || receiver.into_iter().for_each(drop))
                .ok()
                .map(|_| sender)
        })
        .as_ref()
}

/// The one concrete database. Cloning it gives a snapshot that shares all
/// memoised results; see [`crate::AnalysisHost`].
#[salsa::db]
#[derive(Clone)]
pub struct Database {
    storage: salsa::Storage<Self>,
}

impl Default for Database {
    fn default() -> Self {
        Database::with_event_callback(None)
    }
}

/// Receives salsa's events; tests use it to assert which queries ran.
pub type EventCallback = Box<dyn Fn(salsa::Event) + Send + Sync + 'static>;

impl Database {
    /// A database whose salsa events are passed to `callback` (tests assert
    /// incrementality with `WillExecute` events).
    pub fn with_event_callback(callback: Option<EventCallback>) -> Database {
        let db = Database {
            storage: salsa::Storage::new(callback),
        };
        Settings::new(&db, Stability::GenerallyAvailable, false);
        db
    }
}

#[salsa::db]
impl salsa::Database for Database {}

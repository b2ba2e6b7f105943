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

/// The green tree and syntax errors of a file. Memoised with a bounded LRU:
/// trees are the largest values in the database and are cheap to rebuild.
/// `no_eq`: a changed text practically always gives a changed tree, and
/// comparing two trees to find out costs a full walk of both.
#[salsa::tracked(lru = 256, no_eq)]
pub fn parse(db: &dyn salsa::Database, file: SourceFile) -> alloy_syntax::Parse {
    alloy_syntax::parse_file(file.bytes(db))
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

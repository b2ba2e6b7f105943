//! A read-only view for one request: an analysis snapshot plus the facts
//! of the state needed to answer (texts of open documents, URIs of paths,
//! the files of each module). Built under the state lock, used on a
//! blocking thread without it.

use std::collections::HashMap;
use std::sync::Arc;

use alloy_analysis::{Analysis, Cancellable, Config, SourceFile, TextRange};
use tower_lsp_server::ls_types::{Location, Range, Uri};

use alloy_syntax::SyntaxNode;

use crate::convert::{Encoding, LineIndex};
use crate::session::Session;
use crate::state::{locate, ModuleKey, Settings, State};

/// One module as a request sees it.
#[derive(Clone)]
pub struct ModuleView {
    pub key: ModuleKey,
    pub config: Config,
    pub files: Arc<[SourceFile]>,
}

pub struct World {
    pub analysis: Analysis,
    pub session: Arc<Session>,
    pub settings: Settings,
    pub modules: Vec<ModuleView>,
    uris: Arc<HashMap<String, Uri>>,
    texts: Arc<HashMap<String, Arc<LineIndex>>>,
}

impl World {
    pub fn new(state: &State, session: Arc<Session>) -> World {
        let mut modules: Vec<ModuleView> = state
            .modules
            .iter()
            .map(|(key, m)| ModuleView {
                key: key.clone(),
                config: m.config,
                files: m.file_list.clone(),
            })
            .collect();
        modules.sort_by(|a, b| a.key.cmp(&b.key));
        World {
            analysis: state.host.analysis(),
            session,
            settings: state.settings,
            modules,
            uris: state.uris.clone(),
            texts: state.texts.clone(),
        }
    }

    pub fn encoding(&self) -> Encoding {
        self.session.encoding
    }

    /// The URI of a path of the analysis.
    pub fn uri_of(&self, path: &str) -> Option<Uri> {
        if let Some(uri) = self.uris.get(path) {
            return Some(uri.clone());
        }
        if path.starts_with('/') {
            return Uri::from_file_path(path);
        }
        path.parse().ok()
    }

    /// The syntax tree of a file. After an edit the database re-parses
    /// only the statements the edit touched, so this is cheap right after a
    /// keystroke too.
    pub fn tree(&self, file: SourceFile) -> Cancellable<SyntaxNode> {
        Ok(self.analysis.parse(file)?.syntax_node())
    }

    /// The text of an open document, by path.
    pub fn open_text(&self, path: &str) -> Option<Arc<LineIndex>> {
        self.texts.get(path).cloned()
    }

    /// The text and line index of any file of the analysis: the open
    /// buffer's, else the parsed file's.
    pub fn index_of(&self, file: SourceFile) -> Cancellable<Arc<LineIndex>> {
        let path = self.analysis.path(file)?;
        if let Some(index) = self.texts.get(&path) {
            return Ok(index.clone());
        }
        let parse = self.analysis.parse(file)?;
        Ok(Arc::new(LineIndex::new(Arc::from(
            parse.syntax_node().to_string(),
        ))))
    }

    /// An LSP location for a byte range of a file.
    pub fn location(&self, file: SourceFile, range: TextRange) -> Cancellable<Option<Location>> {
        let path = self.analysis.path(file)?;
        let Some(uri) = self.uri_of(&path) else {
            return Ok(None);
        };
        let index = self.index_of(file)?;
        Ok(Some(Location::new(
            uri,
            index.range(range, self.encoding()),
        )))
    }

    pub fn lsp_range(&self, index: &LineIndex, range: TextRange) -> Range {
        index.range(range, self.encoding())
    }
}

/// A document a request is about, found under the lock.
pub struct DocTarget {
    uri: Uri,
    path: String,
    file: SourceFile,
    module: ModuleView,
    index: Option<Arc<LineIndex>>,
    version: Option<i32>,
}

impl DocTarget {
    /// The open document, or a file of a loaded module.
    pub fn find(state: &State, uri: &Uri) -> Option<DocTarget> {
        let loc = locate(uri);
        let (file, index, version) = match state.docs.get(&loc.path) {
            Some(doc) => (doc.file, Some(doc.index.clone()), Some(doc.version)),
            None => {
                let module = state.modules.get(&loc.module)?;
                (*module.files.get(&loc.path)?, None, None)
            }
        };
        let module = state.modules.get(&loc.module)?;
        Some(DocTarget {
            uri: uri.clone(),
            path: loc.path,
            file,
            module: ModuleView {
                key: loc.module,
                config: module.config,
                files: module.file_list.clone(),
            },
            index,
            version,
        })
    }

    pub fn resolve(self, world: &World) -> Cancellable<DocCtx> {
        let index = match self.index {
            Some(index) => index,
            None => world.index_of(self.file)?,
        };
        Ok(DocCtx {
            uri: self.uri,
            path: self.path,
            file: self.file,
            config: self.module.config,
            files: self.module.files,
            index,
            version: self.version,
        })
    }
}

/// The document of a request, with its module.
pub struct DocCtx {
    pub uri: Uri,
    pub path: String,
    pub file: SourceFile,
    pub config: Config,
    /// The files of the module, sorted by path.
    pub files: Arc<[SourceFile]>,
    pub index: Arc<LineIndex>,
    pub version: Option<i32>,
}

impl DocCtx {
    pub fn text(&self) -> &str {
        self.index.text()
    }
}

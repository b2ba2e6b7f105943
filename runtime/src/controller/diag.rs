//! Load errors, worded and positioned as upstream's `diag.Diagnostic`.
//!
//! A diagnostic renders as `file:line:col: message` (`message` alone when
//! it has no position); a list renders as its first diagnostic followed by
//! ` (and N more diagnostics)`, which is what `/-/reload` answers and what
//! `alloy run` prints for a failed load.

use std::fmt;
use std::sync::Arc;

use alloy_syntax::ast::{AstNode, Block};
use alloy_syntax::{LineIndex, TextRange, TextSize};

use crate::eval::EvalError;

/// A file statements come from: a config file, an imported module (named
/// after its import label, as upstream names it) or an `import.string`.
#[derive(Debug)]
pub(crate) struct FileCtx {
    pub name: String,
    pub index: LineIndex,
}

impl FileCtx {
    pub fn new(name: impl Into<String>, index: LineIndex) -> Arc<FileCtx> {
        Arc::new(FileCtx {
            name: name.into(),
            index,
        })
    }

    pub fn position(&self, offset: TextSize) -> Position {
        let at = self.index.line_col(offset.into());
        Position {
            file: self.name.clone(),
            line: at.line,
            col: at.col,
        }
    }
}

/// Where a diagnostic points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    pub file: String,
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.file.is_empty() {
            write!(f, "{}:{}", self.line, self.col)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.col)
        }
    }
}

/// One load error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub position: Option<Position>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            position: None,
        }
    }

    pub(crate) fn at(file: &FileCtx, offset: TextSize, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            position: Some(file.position(offset)),
        }
    }

    /// At the start of a block.
    pub(crate) fn at_block(
        file: &FileCtx,
        block: &Block,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::at(file, block.syntax().text_range().start(), message)
    }

    /// At a block's name (upstream's `NamePos`), falling back to its start.
    pub(crate) fn at_name(file: &FileCtx, block: &Block, message: impl Into<String>) -> Diagnostic {
        let offset = block
            .name_tokens()
            .next()
            .map_or(block.syntax().text_range().start(), |t| {
                t.text_range().start()
            });
        Diagnostic::at(file, offset, message)
    }

    /// An evaluation error; errors without a position (a missing required
    /// attribute) point at the block being evaluated.
    pub(crate) fn eval(file: &FileCtx, block: &Block, error: &EvalError) -> Diagnostic {
        let offset = error
            .range()
            .map_or(block.syntax().text_range().start(), TextRange::start);
        Diagnostic::at(file, offset, error.to_string())
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.position {
            Some(position) => write!(f, "{position}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// The errors of one load.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [] => f.write_str("no errors"),
            [one] => write!(f, "{one}"),
            [first, rest @ ..] => write!(f, "{first} (and {} more diagnostics)", rest.len()),
        }
    }
}

impl std::error::Error for Diagnostics {}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(list: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics(list)
    }
}

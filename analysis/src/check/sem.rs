//! Diagnostics as semantic queries produce them: anchored to an item and a
//! node id, never to offsets, so they compare equal across edits that only
//! move text. `crate::diag` turns them into ranges.

use crate::catalogue::Stability;
use crate::codes::{Code, Severity};
use crate::db::SourceFile;
use crate::hir::{Item, NodeId};

/// Which part of a node a diagnostic covers, in upstream's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Span {
    /// The whole node.
    Node,
    /// A block's dotted name.
    Name,
    /// `n` bytes from the start of a block's name (upstream's
    /// `NamePos.Add(len(id) - 1)`, which may run into the label).
    NamePlus(u32),
    /// A block from its start to its `{`.
    Header,
    /// Bytes `start..end` of a string literal's decoded value (OTTL inside
    /// the string), mapped back through escapes when ranges are made.
    InString(u32, u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub enum Anchor<'db> {
    /// A node of an item.
    Item(Item<'db>, NodeId, Span),
    /// A top-level statement that is not an item, by ordinal (attributes).
    Statement(SourceFile, u32, Span),
}

impl<'db> Anchor<'db> {
    pub fn item(item: Item<'db>, node: NodeId, span: Span) -> Anchor<'db> {
        Anchor::Item(item, node, span)
    }
}

/// Message text, with the parts that need positions kept structured.
#[derive(Clone, Debug, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub enum Message<'db> {
    Text(String),
    /// `block <id> already declared at <file:line:col>`.
    AlreadyDeclared {
        id: String,
        original: Item<'db>,
    },
}

impl From<String> for Message<'_> {
    fn from(s: String) -> Self {
        Message::Text(s)
    }
}

impl From<&str> for Message<'_> {
    fn from(s: &str) -> Self {
        Message::Text(s.to_owned())
    }
}

/// A suggested change, for code actions and "help" lines.
#[derive(Clone, Debug, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub enum SemFix<'db> {
    /// Replace the anchored text (a misspelt name) with `text`.
    Replace { at: Anchor<'db>, text: String },
    /// Add attributes to the anchored block: each name with a placeholder
    /// value of its type (`""`, `[]`, `{}`, `0`, `false`, `"1m"`).
    AddAttributes {
        at: Anchor<'db>,
        attributes: Vec<(String, String)>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub struct SemDiag<'db> {
    pub code: Code,
    pub severity: Severity,
    pub at: Anchor<'db>,
    pub message: Message<'db>,
    /// Whether upstream's `alloy validate` reports this diagnostic; the
    /// upstream report format shows only these.
    pub upstream: bool,
    pub fixes: Vec<SemFix<'db>>,
    /// Extra lines for human output ("help: ...").
    pub notes: Vec<String>,
}

impl<'db> SemDiag<'db> {
    pub fn new(code: Code, at: Anchor<'db>, message: impl Into<Message<'db>>) -> SemDiag<'db> {
        SemDiag {
            code,
            severity: code.severity(),
            at,
            message: message.into(),
            upstream: true,
            fixes: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// A diagnostic upstream does not report.
    pub fn extended(code: Code, at: Anchor<'db>, message: impl Into<Message<'db>>) -> Self {
        SemDiag {
            upstream: false,
            ..SemDiag::new(code, at, message)
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_fix(mut self, fix: SemFix<'db>) -> Self {
        self.fixes.push(fix);
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// Upstream's feature-gate message.
pub fn stability_message(feature: &str, level: Stability, minimum: Stability) -> String {
    format!(
        "{feature} is at stability level \"{level}\", which is below the minimum allowed stability \
         level \"{minimum}\". Use --stability.level command-line flag to enable \"{level}\" features"
    )
}

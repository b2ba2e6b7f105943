//! The edge between semantic results and the user: turning anchored
//! diagnostics into files and byte ranges, rendering position-dependent
//! messages, and honouring suppression comments.
//!
//! This runs outside salsa on every request. It is cheap (one walk per file
//! with diagnostics) and it is the only place that reads positions, which
//! keeps every memoised semantic result free of them.

use std::sync::Arc;

use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::{LineIndex, SyntaxKind, SyntaxNode, TextRange, TextSize};
use rustc_hash::FxHashMap;

use crate::check::{config_diagnostics, Anchor, Message, SemDiag, SemFix, Span};
use crate::codes::{Code, Severity};
use crate::db::{parse_ref, Config, SourceFile};
use crate::hir::items::{item_syntax, top_level_stmt};
use crate::hir::lower::{item_nodes, Container};
use crate::hir::{item_index, Item};

/// One diagnostic, ready to show: plain data, no salsa handles except the
/// file's id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: SourceFile,
    /// The file's path as given to the host.
    pub path: String,
    /// Byte range in the file's text (the text of the tree: invalid UTF-8
    /// bytes appear as U+FFFD; [`LineIndex`] maps back to file columns).
    pub range: TextRange,
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Whether upstream's `alloy validate` reports it.
    pub upstream: bool,
    /// "help" lines for human output.
    pub notes: Vec<String>,
    pub fixes: Vec<Fix>,
    /// Other places the message talks about ("first declared here").
    pub related: Vec<Related>,
}

/// A secondary location of a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub file: SourceFile,
    pub path: String,
    pub range: TextRange,
    pub message: String,
}

/// A suggested edit (code action).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<TextEdit>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub file: SourceFile,
    pub range: TextRange,
    pub new_text: String,
}

/// Per-file syntax facts needed to place anchors, built on demand.
struct FileMap {
    root: SyntaxNode,
    items: Vec<ast::Block>,
    index: LineIndex,
    positions: FxHashMap<salsa::Id, usize>,
    nodes: FxHashMap<usize, Vec<SyntaxNode>>,
}

pub(crate) struct Mapper<'db> {
    db: &'db dyn salsa::Database,
    files: FxHashMap<SourceFile, FileMap>,
}

impl<'db> Mapper<'db> {
    pub fn new(db: &'db dyn salsa::Database) -> Mapper<'db> {
        Mapper {
            db,
            files: FxHashMap::default(),
        }
    }

    fn file(&mut self, file: SourceFile) -> &mut FileMap {
        let db = self.db;
        self.files.entry(file).or_insert_with(|| {
            let parse = parse_ref(db, file);
            let root = parse.syntax_node();
            let index = item_index(db, file);
            FileMap {
                items: item_syntax(&root),
                index: parse.line_index(),
                root,
                positions: index
                    .items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (salsa::plumbing::AsId::as_id(item), i))
                    .collect(),
                nodes: FxHashMap::default(),
            }
        })
    }

    pub fn line_index(&mut self, file: SourceFile) -> &LineIndex {
        &self.file(file).index
    }

    /// The syntax node of an item's node id.
    fn node(&mut self, item: Item<'db>, node: u32) -> Option<(SourceFile, SyntaxNode)> {
        let file: SourceFile = item.file(self.db);
        let map = self.file(file);
        let position = *map.positions.get(&salsa::plumbing::AsId::as_id(&item))?;
        let block = map.items.get(position)?.clone();
        let nodes = map
            .nodes
            .entry(position)
            .or_insert_with(|| item_nodes(&block, Container::of(&block.name())));
        Some((file, nodes.get(node as usize)?.clone()))
    }

    pub fn range(&mut self, anchor: &Anchor<'db>) -> Option<(SourceFile, TextRange)> {
        let (file, node, span) = match *anchor {
            Anchor::Item(item, node, span) => {
                let (file, syntax) = self.node(item, node.0)?;
                (file, syntax, span)
            }
            Anchor::Statement(file, ordinal, span) => {
                let root = self.file(file).root.clone();
                (file, top_level_stmt(&root, ordinal)?, span)
            }
        };
        Some((file, span_range(&node, span)))
    }
}

fn span_range(node: &SyntaxNode, span: Span) -> TextRange {
    let whole = node.text_range();
    let name_tokens: Vec<_> = node
        .children_with_tokens()
        .filter_map(|e| e.into_token())
        .take_while(|t| t.kind() != SyntaxKind::L_CURLY && t.kind() != SyntaxKind::ASSIGN)
        .filter(|t| t.kind() == SyntaxKind::IDENT)
        .collect();
    let name_start = name_tokens
        .first()
        .map_or(whole.start(), |t| t.text_range().start());
    match span {
        Span::Node => whole,
        Span::Name => {
            let end = name_tokens
                .last()
                .map_or(whole.end(), |t| t.text_range().end());
            TextRange::new(name_start, end.max(name_start))
        }
        Span::NamePlus(len) => {
            let end = (name_start + TextSize::from(len)).min(node_root_end(node));
            TextRange::new(name_start, end.max(name_start))
        }
        Span::Header => {
            let end = node
                .children_with_tokens()
                .filter_map(|e| e.into_token())
                .find(|t| t.kind() == SyntaxKind::L_CURLY)
                .map_or(whole.end(), |t| t.text_range().end());
            TextRange::new(whole.start(), end)
        }
        Span::InString(start, end) => {
            let Some(token) = node
                .descendants_with_tokens()
                .filter_map(|e| e.into_token())
                .find(|t| t.kind() == SyntaxKind::STRING)
            else {
                return whole;
            };
            let base = token.text_range().start();
            let text = token.text();
            let from = crate::hir::source_offset(text, start as usize);
            let to = crate::hir::source_offset(text, end as usize).max(from);
            TextRange::new(
                base + TextSize::from(from as u32),
                base + TextSize::from(to as u32),
            )
        }
    }
}

fn node_root_end(node: &SyntaxNode) -> TextSize {
    node.ancestors()
        .last()
        .map_or(node.text_range().end(), |root| root.text_range().end())
}

impl<'db> Mapper<'db> {
    fn message(&mut self, message: &Message<'db>) -> String {
        match message {
            Message::Text(text) => text.clone(),
            Message::AlreadyDeclared { id, original } => {
                let file: SourceFile = original.file(self.db);
                let path = file.path(self.db).clone();
                let at = self
                    .range(&Anchor::item(*original, crate::hir::NodeId(0), Span::Node))
                    .map(|(_, r)| {
                        let lc = self.line_index(file).line_col(r.start().into());
                        format!("{path}:{}:{}", lc.line, lc.col)
                    })
                    .unwrap_or(path);
                format!("block {id} already declared at {at}")
            }
        }
    }

    pub fn convert(&mut self, diag: &SemDiag<'db>) -> Option<Diagnostic> {
        let (file, range) = self.range(&diag.at)?;
        let message = self.message(&diag.message);
        let mut fixes = Vec::new();
        for fix in &diag.fixes {
            match fix {
                SemFix::Replace { at, text } => {
                    if let Some((file, range)) = self.range(at) {
                        fixes.push(Fix {
                            title: format!("replace with `{text}`"),
                            edits: vec![TextEdit {
                                file,
                                range,
                                new_text: text.clone(),
                            }],
                        });
                    }
                }
                SemFix::AddAttributes { at, attributes } => {
                    if let Some((file, range, text)) = self.add_attributes(at, attributes) {
                        let names: Vec<&str> = attributes.iter().map(|(n, _)| n.as_str()).collect();
                        fixes.push(Fix {
                            title: format!("add {}", names.join(", ")),
                            edits: vec![TextEdit {
                                file,
                                range,
                                new_text: text,
                            }],
                        });
                    }
                }
            }
        }
        let mut related = Vec::new();
        if let Message::AlreadyDeclared { original, .. } = &diag.message {
            let anchor = Anchor::item(*original, crate::hir::NodeId(0), Span::Header);
            if let Some((file, range)) = self.range(&anchor) {
                related.push(Related {
                    file,
                    path: file.path(self.db).clone(),
                    range,
                    message: "first declared here".to_owned(),
                });
            }
        }
        Some(Diagnostic {
            file,
            path: file.path(self.db).clone(),
            range,
            code: diag.code,
            severity: diag.severity,
            message,
            upstream: diag.upstream,
            notes: diag.notes.clone(),
            fixes,
            related,
        })
    }
}

impl<'db> Mapper<'db> {
    /// The edit adding `attributes` (name, value) to the block at `at`: one
    /// line each before its closing `}`, indented like the block's other
    /// statements (or one tab deeper than the brace).
    fn add_attributes(
        &mut self,
        at: &Anchor<'db>,
        attributes: &[(String, String)],
    ) -> Option<(SourceFile, TextRange, String)> {
        let Anchor::Item(item, node, _) = *at else {
            return None;
        };
        let (file, block) = self.node(item, node.0)?;
        let r_curly = block
            .children_with_tokens()
            .filter_map(|e| e.into_token())
            .filter(|t| t.kind() == SyntaxKind::R_CURLY)
            .last()?;
        let closing = line_indent(&r_curly);
        let outer = block
            .first_token()
            .and_then(|t| line_indent(&t))
            .unwrap_or_default();
        let inner = block
            .children()
            .find(|n| matches!(n.kind(), SyntaxKind::ATTRIBUTE | SyntaxKind::BLOCK))
            .and_then(|n| line_indent(&n.first_token()?))
            .unwrap_or_else(|| {
                // An empty body: one level deeper than the brace, in the
                // brace's own style (spaces stay spaces).
                let base = closing.as_deref().unwrap_or(&outer);
                let unit = if !base.is_empty() && !base.contains('\t') {
                    "  "
                } else {
                    "\t"
                };
                format!("{base}{unit}")
            });
        let lines: String = attributes
            .iter()
            .map(|(name, value)| format!("{inner}{name} = {value}\n"))
            .collect();
        Some(match closing {
            // `}` on its own line: insert whole lines before that line.
            Some(indent) => {
                let brace = r_curly.text_range().start();
                let start = brace
                    .checked_sub(TextSize::of(indent.as_str()))
                    .unwrap_or(brace);
                (file, TextRange::empty(start), lines)
            }
            // `{ }` or `a = 1 }`: break the line before the brace.
            None => {
                let start = r_curly.text_range().start();
                (file, TextRange::empty(start), format!("\n{lines}{outer}"))
            }
        })
    }
}

/// The indentation of `token`'s line when only whitespace precedes it on
/// that line (newline tokens carry the next line's indentation).
fn line_indent(token: &alloy_syntax::SyntaxToken) -> Option<String> {
    let mut indent = String::new();
    let mut current = token.prev_token();
    while let Some(t) = current {
        let text = t.text();
        match t.kind() {
            SyntaxKind::NEWLINE => {
                let tail = text.rsplit('\n').next().unwrap_or("");
                return Some(format!("{tail}{indent}"));
            }
            SyntaxKind::WHITESPACE => {
                indent = format!("{text}{indent}");
                current = t.prev_token();
            }
            _ => return None,
        }
    }
    // The start of the file.
    Some(indent)
}

/// Syntax-stage diagnostics: files upstream refuses to decode, parse errors
/// and top-level attributes. Upstream stops after this stage when there are
/// any.
pub(crate) fn syntax_diagnostics(db: &dyn salsa::Database, config: Config) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for &file in config.files(db) {
        let path = file.path(db).clone();
        // Upstream refuses the file before parsing it; so do we (50 MB of
        // random bytes would otherwise make a tree of millions of errors
        // for this one message).
        if let Err(err) = crate::encoding::ensure_utf8(file.bytes(db)) {
            out.push(Diagnostic {
                file,
                path,
                range: TextRange::empty(TextSize::from(0)),
                code: Code::Encoding,
                severity: Severity::Error,
                message: err.to_string(),
                upstream: true,
                notes: Vec::new(),
                fixes: Vec::new(),
                related: Vec::new(),
            });
            continue;
        }
        let parse = parse_ref(db, file);
        let root = parse.has_errors().then(|| parse.syntax_node());
        for error in parse.errors() {
            let help = root
                .as_ref()
                .map(|root| crate::syntax_help::help(root, file, &path, error))
                .unwrap_or_default();
            out.push(Diagnostic {
                file,
                path: path.clone(),
                range: error.range,
                code: Code::Syntax,
                severity: Severity::Error,
                message: error.message(),
                upstream: true,
                notes: help.notes,
                fixes: help.fixes,
                related: help.related,
            });
        }
        if parse.dropped_errors() > 0 {
            if let Some(last) = out.last_mut() {
                last.notes.push(alloy_syntax::render_dropped_line(
                    &path,
                    parse.dropped_errors(),
                ));
            }
        }
        if parse.has_errors() {
            continue;
        }
        let index = item_index(db, file);
        // Upstream stops reading a file at its first top-level attribute.
        if let Some((name, ordinal)) = index.top_level_attrs.first() {
            let root = parse.syntax_node();
            if let Some(stmt) = top_level_stmt(&root, *ordinal) {
                let range = ast::Attribute::cast(stmt.clone())
                    .and_then(|a| a.name())
                    .map_or(stmt.text_range(), |t| t.text_range());
                out.push(Diagnostic {
                    file,
                    path: path.clone(),
                    range,
                    code: Code::TopLevelAttribute,
                    severity: Severity::Error,
                    message: format!("unrecognized attribute {name}"),
                    upstream: true,
                    notes: Vec::new(),
                    fixes: Vec::new(),
                    related: Vec::new(),
                });
            }
        }
    }
    out
}

/// All diagnostics of a config, in upstream's order, suppressions applied.
pub(crate) fn diagnostics(db: &dyn salsa::Database, config: Config) -> Vec<Diagnostic> {
    let syntax = syntax_diagnostics(db, config);
    if !syntax.is_empty() {
        return syntax;
    }
    let semantic = config_diagnostics(db, config);
    let mut mapper = Mapper::new(db);
    let mut suppressions: FxHashMap<SourceFile, Suppressions> = FxHashMap::default();
    let mut out = Vec::with_capacity(semantic.len());
    for diag in semantic.iter() {
        let Some(d) = mapper.convert(diag) else {
            continue;
        };
        let rules = suppressions
            .entry(d.file)
            .or_insert_with(|| Suppressions::of(db, d.file));
        let line = mapper
            .line_index(d.file)
            .line_col(d.range.start().into())
            .line;
        if !rules.silences(d.code, line) {
            out.push(d);
        }
    }
    out
}

/// `// alloy:ignore CODE[,CODE]` silences codes on one line (the comment's
/// own line when code precedes it, else the next line);
/// `// alloy:ignore-file CODE` silences them in the whole file. Without
/// codes, every check is silenced. Syntax errors cannot be silenced.
#[derive(Default)]
pub(crate) struct Suppressions {
    file: Rule,
    lines: FxHashMap<u32, Rule>,
}

/// Codes silenced in one place; `all` silences every check.
#[derive(Default)]
struct Rule {
    all: bool,
    codes: Vec<Code>,
}

impl Rule {
    fn add(&mut self, codes: Vec<Code>) {
        if codes.is_empty() {
            self.all = true;
        } else {
            self.codes.extend(codes);
        }
    }

    fn hits(&self, code: Code) -> bool {
        self.all || self.codes.contains(&code)
    }
}

const MARKER: &str = "alloy:ignore";

impl Suppressions {
    pub fn of(db: &dyn salsa::Database, file: SourceFile) -> Suppressions {
        let parse = parse_ref(db, file);
        let text: Arc<str> = parse.syntax_node().to_string().into();
        let index = parse.line_index();
        let mut rules = Suppressions::default();
        for comment in parse.tree().comments() {
            let raw = comment.text();
            let body = raw
                .trim_start_matches("//")
                .trim_start_matches("/*")
                .trim_end_matches("*/")
                .trim();
            let Some(rest) = body.strip_prefix(MARKER) else {
                continue;
            };
            let (whole_file, rest) = match rest.strip_prefix("-file") {
                Some(rest) => (true, rest),
                None => (false, rest),
            };
            if !rest.is_empty() && !rest.starts_with([' ', '\t', ':']) {
                continue;
            }
            let codes: Vec<Code> = rest
                .split(|c: char| c == ',' || c == ':' || c.is_whitespace())
                .filter_map(Code::parse)
                .collect();
            if whole_file {
                rules.file.add(codes);
                continue;
            }
            let start: u32 = comment.text_range().start().into();
            let line = index.line_col(start).line;
            let line_start = index.line_start(line).unwrap_or(0) as usize;
            let before = text.get(line_start..start as usize).unwrap_or("");
            let target = if before.trim().is_empty() {
                line + 1
            } else {
                line
            };
            rules.lines.entry(target).or_default().add(codes);
        }
        rules
    }

    pub fn silences(&self, code: Code, line: u32) -> bool {
        if code == Code::Syntax {
            return false;
        }
        self.file.hits(code) || self.lines.get(&line).is_some_and(|r| r.hits(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_accumulate_codes_or_silence_everything() {
        let mut rule = Rule::default();
        assert!(!rule.hits(Code::DeadPipeline));
        rule.add(vec![Code::DeadPipeline]);
        assert!(rule.hits(Code::DeadPipeline));
        assert!(!rule.hits(Code::LiteralSecret));
        rule.add(Vec::new());
        assert!(rule.hits(Code::LiteralSecret));
    }
}

//! The item index: every module-level block of a file, as salsa tracked
//! structs.
//!
//! An item is a block that Alloy treats as a graph node: a top-level block,
//! or a block directly inside a `declare` body or a `foreach` template. Its
//! name, label, file and parent are its identity; its green subtree is a
//! separately tracked field, and [`item_data`] lowers that subtree. An edit
//! inside one component's body therefore changes only that item's tree:
//! only that item is lowered again, and the other items' queries are not
//! even re-validated against new data. The index itself (names, labels,
//! structure) stays equal and is backdated.

use std::sync::Arc;

use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::{GreenNode, SyntaxKind, SyntaxNode};
use rowan::GreenNodeData;

use super::data::ItemData;
use super::green;
use super::lower::{self, Container};
use crate::db::{parse_ref, SourceFile};

/// An item's subtree, as the item's tracked field.
///
/// When the index re-runs after an edit, salsa compares each item's new
/// field with the old one to decide whether the item changed. Comparing
/// trees walks both; comparing the item's source text is one `memcmp`. In
/// a file without syntax errors the two agree: a block's tree is a
/// function of its text (the parser starts every statement in the same
/// state, and trivia around a block is outside its node). Files with errors
/// keep no text and compare trees.
///
/// The text is a range of the file's bytes (shared with the input), not a
/// copy: copying cost an allocation per item on every index.
#[derive(Clone, Eq)]
pub struct ItemSyntax {
    green: GreenNode,
    text: Option<(Arc<[u8]>, std::ops::Range<usize>)>,
}

impl ItemSyntax {
    pub fn green(&self) -> &GreenNode {
        &self.green
    }

    fn text(&self) -> Option<&[u8]> {
        let (bytes, range) = self.text.as_ref()?;
        bytes.get(range.clone())
    }
}

impl PartialEq for ItemSyntax {
    fn eq(&self, other: &ItemSyntax) -> bool {
        match (self.text(), other.text()) {
            (Some(a), Some(b)) => a == b,
            _ => self.green == other.green,
        }
    }
}

impl std::fmt::Debug for ItemSyntax {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemSyntax")
            .field("green", &self.green)
            .field("text", &self.text().map(String::from_utf8_lossy))
            .finish()
    }
}

/// A module-level block.
#[salsa::tracked(debug)]
pub struct Item<'db> {
    #[returns(copy)]
    pub file: SourceFile,
    /// Dotted block name (`prometheus.scrape`, `declare`, `logging`).
    #[returns(ref)]
    pub name: String,
    /// Label between the quotes; `None` for none or `""`.
    #[returns(ref)]
    pub label: Option<String>,
    /// The `declare` or `foreach` this item is nested in.
    #[returns(copy)]
    pub parent: Option<Item<'db>>,
    /// The block's green subtree (offsets relative to the block).
    #[tracked]
    #[returns(ref)]
    pub syntax: ItemSyntax,
}

/// The lowered, position-free content of an item. Re-runs only when the
/// item's own subtree changed, and backdates when the change was only
/// whitespace or comments.
#[salsa::tracked(returns(ref))]
pub fn item_data<'db>(db: &'db dyn salsa::Database, item: Item<'db>) -> Arc<ItemData> {
    let green = item.syntax(db).green();
    if green::kind(green) != SyntaxKind::BLOCK {
        return Arc::default();
    }
    Arc::new(lower::lower_item(green, Container::of(item.name(db))))
}

impl<'db> Item<'db> {
    /// Upstream's block id: name fragments plus the label, joined by dots.
    pub fn id(self, db: &'db dyn salsa::Database) -> String {
        let name = self.name(db);
        match self.label(db) {
            // Not `format!`: ids are built for every item of every scope.
            Some(label) => {
                let mut id = String::with_capacity(name.len() + 1 + label.len());
                id.push_str(name);
                id.push('.');
                id.push_str(label);
                id
            }
            None => name.clone(),
        }
    }

    /// What kind of graph node the item is ([`crate::scope::classify`]
    /// without building the id).
    pub fn kind(self, db: &'db dyn salsa::Database) -> crate::scope::ItemKind {
        crate::scope::classify_parts(self.name(db), self.label(db).as_deref())
    }

    /// The block's green subtree.
    pub fn green(self, db: &'db dyn salsa::Database) -> &'db GreenNode {
        self.syntax(db).green()
    }
}

/// The items of one file in preorder (a container before its nested
/// items), plus the statements that cannot be items.
#[derive(Clone, Debug, PartialEq, Eq, salsa::SalsaValue)]
pub struct ItemIndex<'db> {
    pub items: Vec<Item<'db>>,
    /// Indices into `items` of the file's top-level items.
    pub top_level: Vec<u32>,
    /// Indices into `items` of each item's nested items, in source order.
    pub children: Vec<Vec<u32>>,
    /// Top-level attributes (upstream rejects them), by name and the
    /// ordinal of the statement in the file.
    pub top_level_attrs: Vec<(String, u32)>,
}

impl<'db> ItemIndex<'db> {
    pub fn position(&self, item: Item<'db>) -> Option<usize> {
        self.items.iter().position(|i| *i == item)
    }
}

/// Builds the index. This re-runs on every edit of the file (it reads the
/// tree); everything after it sees equal values unless names, labels or a
/// body really changed. It reads green nodes only (see [`green`]).
#[salsa::tracked(returns(ref))]
pub fn item_index(db: &dyn salsa::Database, file: SourceFile) -> ItemIndex<'_> {
    let parse = parse_ref(db, file);
    // Without errors the tree's text is the file's bytes (invalid UTF-8 is
    // an error), so item texts are slices of them.
    let bytes = (!parse.has_errors()).then(|| file.bytes(db).clone());
    let mut indexer = Indexer {
        db,
        file,
        bytes,
        index: ItemIndex {
            items: Vec::new(),
            top_level: Vec::new(),
            children: Vec::new(),
            top_level_attrs: Vec::new(),
        },
    };
    let threads = crate::threads();
    let statements = scan_file(parse.green(), threads);
    for (ordinal, statement) in statements.into_iter().enumerate() {
        match statement {
            Statement::Block(found) => {
                let i = indexer.add(found, None);
                indexer.index.top_level.push(i);
            }
            Statement::Attribute(name) => {
                indexer.index.top_level_attrs.push((name, ordinal as u32));
            }
        }
    }
    indexer.index
}

/// A top-level statement that matters to the index.
#[derive(Debug, PartialEq)]
enum Statement<'a> {
    Block(Found<'a>),
    /// A top-level attribute, by name (upstream rejects them).
    Attribute(String),
}

/// A block that becomes an item: everything the index needs from the tree,
/// read before any item is made.
#[derive(Debug, PartialEq)]
struct Found<'a> {
    block: &'a GreenNodeData,
    /// Offset in the file.
    offset: u32,
    name: String,
    label: Option<String>,
    nested: Vec<Found<'a>>,
}

/// Files with more top-level statements than this are read on several
/// threads: below it, starting threads costs more than it saves.
const PARALLEL_STATEMENTS: usize = 8192;

/// Reads the file's statements (block headers, nested items) in file
/// order. Making salsa items must happen on the query's thread, one after
/// the other; reading the headers need not, and on a large file it was most
/// of the index's time, spent while every other thread waited for it.
fn scan_file(root: &GreenNodeData, threads: usize) -> Vec<Statement<'_>> {
    let statements: Vec<(u32, &GreenNodeData)> = green::child_nodes_at(root)
        .filter(|(_, n)| matches!(green::kind(n), SyntaxKind::BLOCK | SyntaxKind::ATTRIBUTE))
        .collect();
    if threads < 2 || statements.len() < PARALLEL_STATEMENTS {
        return scan_part(&statements);
    }
    let part = statements.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let mut parts = statements.chunks(part);
        let first = parts.next().unwrap_or(&[]);
        let others: Vec<_> = parts.map(|p| scope.spawn(move || scan_part(p))).collect();
        let mut out = scan_part(first);
        for handle in others {
            match handle.join() {
                Ok(more) => out.extend(more),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

fn scan_part<'a>(part: &[(u32, &'a GreenNodeData)]) -> Vec<Statement<'a>> {
    part.iter()
        .map(|&(offset, node)| scan_statement(node, offset))
        .collect()
}

fn scan_statement(node: &GreenNodeData, offset: u32) -> Statement<'_> {
    if green::kind(node) == SyntaxKind::ATTRIBUTE {
        let name = green::token(node, SyntaxKind::IDENT)
            .map(|t| t.text().to_owned())
            .unwrap_or_default();
        return Statement::Attribute(name);
    }
    Statement::Block(scan_block(node, offset))
}

fn scan_block(block: &GreenNodeData, offset: u32) -> Found<'_> {
    let (name, label) = green::block_header(block);
    let mut nested = Vec::new();
    nested_blocks_at(block, offset, Container::of(&name), &mut |at, child| {
        nested.push(scan_block(child, at));
    });
    Found {
        block,
        offset,
        name,
        label,
        nested,
    }
}

struct Indexer<'db> {
    db: &'db dyn salsa::Database,
    file: SourceFile,
    bytes: Option<Arc<[u8]>>,
    index: ItemIndex<'db>,
}

impl<'db> Indexer<'db> {
    /// Adds a block found in the file and its nested items.
    fn add(&mut self, found: Found<'_>, parent: Option<Item<'db>>) -> u32 {
        let Found {
            block,
            offset,
            name,
            label,
            nested,
        } = found;
        let end = offset as usize + usize::from(block.text_len());
        let text = self
            .bytes
            .as_ref()
            .filter(|bytes| end <= bytes.len())
            .map(|bytes| (Arc::clone(bytes), offset as usize..end));
        let syntax = ItemSyntax {
            green: block.to_owned(),
            text,
        };
        let item = Item::new(self.db, self.file, name, label, parent, syntax);
        let i = self.index.items.len() as u32;
        self.index.items.push(item);
        self.index.children.push(Vec::new());
        let kids = nested
            .into_iter()
            .map(|child| self.add(child, Some(item)))
            .collect();
        self.index.children[i as usize] = kids;
        i
    }
}

/// Calls `f` with each nested item block of `block` (at `offset` in the
/// file) and its offset: the same blocks the lowering leaves out as
/// [`super::data::Stmt::Item`].
fn nested_blocks_at<'a>(
    block: &'a GreenNodeData,
    offset: u32,
    container: Container,
    f: &mut dyn FnMut(u32, &'a GreenNodeData),
) {
    match container {
        Container::Leaf => {}
        Container::Declare => {
            for (at, child) in green::child_nodes_at(block) {
                if green::kind(child) == SyntaxKind::BLOCK {
                    f(offset + at, child);
                }
            }
        }
        Container::Foreach => {
            for (at, child) in green::child_nodes_at(block) {
                if green::kind(child) == SyntaxKind::BLOCK
                    && green::block_name_is(child, "template")
                {
                    nested_blocks_at(child, offset + at, Container::Declare, f);
                }
            }
        }
    }
}

/// The syntax nodes of a file's items, in [`ItemIndex::items`] order.
pub fn item_syntax(root: &SyntaxNode) -> Vec<ast::Block> {
    let mut out = Vec::new();
    for node in root.children() {
        if let Some(block) = ast::Block::cast(node) {
            push_syntax(block, &mut out);
        }
    }
    out
}

fn push_syntax(block: ast::Block, out: &mut Vec<ast::Block>) {
    let nested = nested_blocks(&block);
    out.push(block);
    for child in nested {
        push_syntax(child, out);
    }
}

/// The nested item blocks of a block: the same blocks the lowering leaves
/// out as [`super::data::Stmt::Item`].
fn nested_blocks(block: &ast::Block) -> Vec<ast::Block> {
    let mut out = Vec::new();
    match Container::of(&block.name()) {
        Container::Leaf => {}
        Container::Declare => {
            out.extend(block.syntax().children().filter_map(ast::Block::cast));
        }
        Container::Foreach => {
            for child in block.syntax().children().filter_map(ast::Block::cast) {
                if child.name() == "template" {
                    out.extend(child.syntax().children().filter_map(ast::Block::cast));
                }
            }
        }
    }
    out
}

/// The nodes of a top-level statement by ordinal, for anchors on top-level
/// attributes.
pub fn top_level_stmt(root: &SyntaxNode, ordinal: u32) -> Option<SyntaxNode> {
    root.children()
        .filter(|n| ast::Stmt::can_cast(n.kind()))
        .nth(ordinal as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parallel reading of a large file finds exactly what one thread
    /// finds, in the same order: attributes, labels, nested items of
    /// `declare` and `foreach` included.
    #[test]
    fn scanning_on_several_threads_equals_one_thread() {
        let mut text = String::from("top_level_attribute = 1\n");
        let extra = "declare \"d\" {\n  local.file \"inner\" { filename = \"x\" }\n}\n\
                     foreach \"f\" {\n  collection = []\n  var = \"v\"\n  template {\n    local.file \"t\" { filename = v }\n  }\n}\n";
        for _ in 0..1000 {
            text.push_str(&crate::bench_support::pipeline(text.len()));
            text.push_str(extra);
            text.push_str("stray = true\n");
        }
        let parse = alloy_syntax::parse(&text);
        let one = scan_file(parse.green(), 1);
        assert!(one.len() > PARALLEL_STATEMENTS, "{}", one.len());
        for threads in [2, 3, 4] {
            assert_eq!(scan_file(parse.green(), threads), one, "{threads} threads");
        }
        let nested = one
            .iter()
            .filter(|s| matches!(s, Statement::Block(f) if !f.nested.is_empty()))
            .count();
        let attributes = one
            .iter()
            .filter(|s| matches!(s, Statement::Attribute(_)))
            .count();
        assert!(nested > 2 && attributes > 2, "{nested} {attributes}");
    }
}

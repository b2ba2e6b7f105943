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
use alloy_syntax::{GreenNode, SyntaxNode};

use super::data::ItemData;
use super::lower::{self, Container};
use crate::db::{parse, SourceFile};

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
    pub green: GreenNode,
}

/// The lowered, position-free content of an item. Re-runs only when the
/// item's own subtree changed, and backdates when the change was only
/// whitespace or comments.
#[salsa::tracked(returns(ref))]
pub fn item_data<'db>(db: &'db dyn salsa::Database, item: Item<'db>) -> Arc<ItemData> {
    let root = SyntaxNode::new_root(item.green(db).clone());
    let Some(block) = ast::Block::cast(root) else {
        return Arc::default();
    };
    let (data, _) = lower::lower_item(&block, Container::of(item.name(db)));
    Arc::new(data)
}

impl<'db> Item<'db> {
    /// Upstream's block id: name fragments plus the label, joined by dots.
    pub fn id(self, db: &'db dyn salsa::Database) -> String {
        match self.label(db) {
            Some(label) => format!("{}.{}", self.name(db), label),
            None => self.name(db).clone(),
        }
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
/// body really changed.
#[salsa::tracked(returns(ref))]
pub fn item_index(db: &dyn salsa::Database, file: SourceFile) -> ItemIndex<'_> {
    let parse = parse(db, file);
    let root = parse.tree();
    let mut index = ItemIndex {
        items: Vec::new(),
        top_level: Vec::new(),
        children: Vec::new(),
        top_level_attrs: Vec::new(),
    };
    for (ordinal, stmt) in root.statements().enumerate() {
        match stmt {
            ast::Stmt::Block(block) => {
                let i = add(db, file, &block, None, &mut index);
                index.top_level.push(i);
            }
            ast::Stmt::Attribute(attr) => {
                let name = attr.name().map(|t| t.text().to_owned()).unwrap_or_default();
                index.top_level_attrs.push((name, ordinal as u32));
            }
        }
    }
    index
}

fn add<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
    block: &ast::Block,
    parent: Option<Item<'db>>,
    index: &mut ItemIndex<'db>,
) -> u32 {
    let name = block.name();
    let nested = nested_blocks(block);
    let green = block.syntax().green().to_owned();
    let item = Item::new(db, file, name, block.label(), parent, green);
    let i = index.items.len() as u32;
    index.items.push(item);
    index.children.push(Vec::new());
    let mut kids = Vec::with_capacity(nested.len());
    for child in &nested {
        kids.push(add(db, file, child, Some(item), index));
    }
    index.children[i as usize] = kids;
    i
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

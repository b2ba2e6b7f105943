//! The module-level blocks of a module (all files of a directory) as the
//! editor needs them: names, labels and ranges, nesting in `declare` and
//! `foreach`, and the signature of each `declare` (its `argument` and
//! `export` blocks).
//!
//! The analysis database has an item index, but its public API gives
//! neither declare signatures nor label ranges; this is a cheap syntactic
//! walk over the memoised trees (one pass over the top-level statements).
//! A declare-signature query in `alloy-analysis` could replace it later.

use alloy_analysis::{Cancellable, SourceFile, TextRange};
use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::SyntaxKind;

use crate::world::World;

/// An `argument "name" { optional = ... }` of a `declare`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclArg {
    pub name: String,
    pub optional: bool,
    /// The `comment` attribute's text, when it is a plain string.
    pub comment: Option<String>,
    /// The `default` attribute as written.
    pub default: Option<String>,
}

/// A module-level block: a graph node.
#[derive(Clone, Debug)]
pub struct ItemFact {
    pub file: SourceFile,
    pub name: String,
    pub label: Option<String>,
    /// Index of the enclosing `declare` or `foreach` item.
    pub parent: Option<usize>,
    pub range: TextRange,
    pub name_range: TextRange,
    /// The label's STRING token, quotes included.
    pub label_range: Option<TextRange>,
    /// For a `declare`: its arguments and exports.
    pub arguments: Vec<DeclArg>,
    pub exports: Vec<String>,
}

impl ItemFact {
    /// Upstream's node id: `name.label`.
    pub fn id(&self) -> String {
        match &self.label {
            Some(label) => format!("{}.{label}", self.name),
            None => self.name.clone(),
        }
    }

    pub fn is_container(&self) -> bool {
        matches!(self.name.as_str(), "declare" | "foreach")
    }
}

#[derive(Clone, Debug, Default)]
pub struct ModuleIndex {
    pub items: Vec<ItemFact>,
}

/// Walks the trees of every file of a module.
pub fn module_index(world: &World, files: &[SourceFile]) -> Cancellable<ModuleIndex> {
    let mut index = ModuleIndex::default();
    for &file in files {
        let Some(root) = ast::File::cast(world.tree(file)?) else {
            continue;
        };
        for stmt in root.statements() {
            if let ast::Stmt::Block(block) = stmt {
                add(&mut index, file, &block, None);
            }
        }
    }
    Ok(index)
}

/// A block's dotted name, its range and its label token, in one pass over
/// the header (the index is rebuilt for every request that needs it, so
/// this walk over every block of the module is on the completion path).
fn header_facts(block: &ast::Block) -> (String, TextRange, Option<alloy_syntax::SyntaxToken>) {
    let mut name = String::new();
    let mut range: Option<TextRange> = None;
    let mut label = None;
    for element in block.syntax().children_with_tokens() {
        let Some(token) = element.into_token() else {
            continue;
        };
        match token.kind() {
            SyntaxKind::L_CURLY => break,
            SyntaxKind::IDENT => {
                if range.is_some() {
                    name.push('.');
                }
                name.push_str(token.text());
                let r = token.text_range();
                range = Some(range.map_or(r, |first| first.cover(r)));
            }
            SyntaxKind::STRING if label.is_none() => label = Some(token),
            _ => {}
        }
    }
    let range = range.unwrap_or_else(|| TextRange::empty(block.syntax().text_range().start()));
    (name, range, label)
}

fn add(index: &mut ModuleIndex, file: SourceFile, block: &ast::Block, parent: Option<usize>) {
    let (name, name_range, label_token) = header_facts(block);
    // As `Block::label`: the text between the quotes, none for `""`.
    let label = label_token
        .as_ref()
        .map(|t| t.text())
        .filter(|t| t.len() > 2)
        .map(|t| String::from_utf8_lossy(&t.as_bytes()[1..t.len() - 1]).into_owned());
    let mut fact = ItemFact {
        file,
        label,
        parent,
        range: block.syntax().text_range(),
        name_range,
        label_range: label_token.map(|t| t.text_range()),
        arguments: Vec::new(),
        exports: Vec::new(),
        name,
    };
    let mut nested = Vec::new();
    match fact.name.as_str() {
        "declare" => {
            for stmt in block.statements() {
                let ast::Stmt::Block(child) = stmt else {
                    continue;
                };
                match child.name().as_str() {
                    "argument" => {
                        if let Some(arg) = decl_arg(&child) {
                            fact.arguments.push(arg);
                        }
                    }
                    "export" => {
                        if let Some(label) = child.label() {
                            fact.exports.push(label);
                        }
                    }
                    _ => {}
                }
                nested.push(child);
            }
        }
        "foreach" => {
            for stmt in block.statements() {
                if let ast::Stmt::Block(template) = stmt {
                    if template.name() == "template" {
                        nested.extend(template.statements().filter_map(|s| match s {
                            ast::Stmt::Block(b) => Some(b),
                            ast::Stmt::Attribute(_) => None,
                        }));
                    }
                }
            }
        }
        _ => {}
    }
    let at = index.items.len();
    index.items.push(fact);
    for child in nested {
        add(index, file, &child, Some(at));
    }
}

/// The range of a block's dotted name.
pub fn name_range(block: &ast::Block) -> TextRange {
    let mut tokens = block.name_tokens();
    match tokens.next() {
        Some(first) => {
            let end = tokens
                .last()
                .map_or(first.text_range().end(), |t| t.text_range().end());
            TextRange::new(first.text_range().start(), end)
        }
        None => TextRange::empty(block.syntax().text_range().start()),
    }
}

pub(crate) fn decl_arg(block: &ast::Block) -> Option<DeclArg> {
    let name = block.label()?;
    let mut arg = DeclArg {
        name,
        optional: false,
        comment: None,
        default: None,
    };
    for stmt in block.statements() {
        let ast::Stmt::Attribute(attr) = stmt else {
            continue;
        };
        let Some(attr_name) = attr.name() else {
            continue;
        };
        let value = attr.value();
        match attr_name.text() {
            "optional" => {
                arg.optional = value.as_ref().is_some_and(|v| v.syntax().text() == "true");
            }
            "comment" => {
                arg.comment = value.and_then(|v| match v {
                    ast::Expr::Literal(lit) if lit.kind() == SyntaxKind::STRING => {
                        let text = lit.syntax().text().to_string();
                        Some(text.trim_matches('"').to_owned())
                    }
                    _ => None,
                });
            }
            "default" => arg.default = value.map(|v| v.syntax().text().to_string()),
            _ => {}
        }
    }
    Some(arg)
}

impl ModuleIndex {
    /// The innermost item of `file` whose block contains `offset`.
    pub fn item_at(&self, file: SourceFile, offset: alloy_analysis::TextSize) -> Option<usize> {
        self.items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.file == file && i.range.contains_inclusive(offset))
            .max_by_key(|(_, i)| i.range.start())
            .map(|(n, _)| n)
    }

    /// The `declare`s and `foreach`es around `offset`, innermost first.
    pub fn containers_at(&self, file: SourceFile, offset: alloy_analysis::TextSize) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| {
                i.file == file
                    && i.is_container()
                    && i.range.start() < offset
                    && offset < i.range.end()
            })
            .map(|(n, _)| n)
            .collect();
        out.sort_by_key(|&n| std::cmp::Reverse(self.items[n].range.start()));
        out
    }

    /// The items a reference at `offset` can name: those of the innermost
    /// `declare` (or the root), plus those of the `foreach` templates in
    /// between, as upstream's scoping.
    pub fn visible_at(&self, file: SourceFile, offset: alloy_analysis::TextSize) -> Vec<usize> {
        let containers = self.containers_at(file, offset);
        let mut scopes: Vec<Option<usize>> = Vec::new();
        for &c in &containers {
            scopes.push(Some(c));
            if self.items[c].name == "declare" {
                break;
            }
        }
        if containers.iter().all(|&c| self.items[c].name != "declare") {
            scopes.push(None);
        }
        self.items
            .iter()
            .enumerate()
            .filter(|(_, i)| scopes.contains(&i.parent))
            .map(|(n, _)| n)
            .collect()
    }

    /// The `declare` that defines custom component `name` as seen from
    /// `offset`: declares of the enclosing scopes, innermost first.
    pub fn declare_for(
        &self,
        file: SourceFile,
        offset: alloy_analysis::TextSize,
        name: &str,
    ) -> Option<usize> {
        let containers = self.containers_at(file, offset);
        let mut scopes: Vec<Option<usize>> = containers.into_iter().map(Some).collect();
        scopes.push(None);
        scopes
            .into_iter()
            .find_map(|scope| self.declare_in(scope, name))
    }

    /// The declare named `name` directly in a scope (`None` = the root).
    pub fn declare_in(&self, scope: Option<usize>, name: &str) -> Option<usize> {
        self.items.iter().position(|i| {
            i.parent == scope && i.name == "declare" && i.label.as_deref() == Some(name)
        })
    }

    /// The `declare` or root scope an item is directly in.
    pub fn scope_of(&self, item: usize) -> Option<usize> {
        let mut parent = self.items.get(item)?.parent;
        while let Some(p) = parent {
            if self.items[p].name == "declare" {
                return Some(p);
            }
            parent = self.items[p].parent;
        }
        None
    }

    /// Declares visible from `offset` (enclosing scopes, innermost first),
    /// for completing custom component names.
    pub fn declares_visible(
        &self,
        file: SourceFile,
        offset: alloy_analysis::TextSize,
    ) -> Vec<usize> {
        let mut scopes: Vec<Option<usize>> = self
            .containers_at(file, offset)
            .into_iter()
            .map(Some)
            .collect();
        scopes.push(None);
        let mut out = Vec::new();
        for scope in scopes {
            for (n, i) in self.items.iter().enumerate() {
                if i.parent == scope
                    && i.name == "declare"
                    && i.label.is_some()
                    && !out.iter().any(|&o: &usize| self.items[o].label == i.label)
                {
                    out.push(n);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_header_facts_match_the_ast_accessors() {
        let text = "a.b.c \"x\" {\n\td \"\" { }\n\te { }\n}\nf \"y\\\"z\" { }\n{ }\n";
        let parse = alloy_syntax::parse(text);
        let blocks: Vec<ast::Block> = parse
            .syntax_node()
            .descendants()
            .filter_map(ast::Block::cast)
            .collect();
        assert!(blocks.len() >= 4);
        for block in blocks {
            let (name, range, label) = header_facts(&block);
            assert_eq!(name, block.name());
            assert_eq!(range, name_range(&block));
            assert_eq!(
                label.as_ref().map(|t| t.text_range()),
                block.label_token().map(|t| t.text_range())
            );
        }
    }
}

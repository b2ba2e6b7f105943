//! `foreach` variables: inside a foreach's `template`, the name given by its
//! `var` argument stands for the current element of `collection`.

use alloy_analysis::{Cancellable, SourceFile, TextRange, TextSize};
use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::SyntaxKind;

use super::imports::{block_of, string_attr};
use super::module::ModuleIndex;
use crate::world::World;

/// A variable in scope, innermost foreach first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeachVar {
    pub name: String,
    /// The foreach item.
    pub item: usize,
    /// The string literal of its `var` argument.
    pub declared: TextRange,
}

/// The variables of the foreaches whose `template` encloses `offset`.
pub fn vars_at(
    world: &World,
    index: &ModuleIndex,
    file: SourceFile,
    offset: TextSize,
) -> Cancellable<Vec<ForeachVar>> {
    let mut out: Vec<ForeachVar> = Vec::new();
    for c in index.containers_at(file, offset) {
        if index.items[c].name != "foreach" {
            continue;
        }
        let Some(block) = block_of(world, index, c)? else {
            continue;
        };
        let in_template = block.statements().any(|stmt| match stmt {
            ast::Stmt::Block(t) => {
                let range = t.syntax().text_range();
                t.name() == "template" && range.start() < offset && offset < range.end()
            }
            ast::Stmt::Attribute(_) => false,
        });
        if !in_template {
            continue;
        }
        let declared = block.statements().find_map(|stmt| match stmt {
            ast::Stmt::Attribute(a) if a.name().is_some_and(|n| n.text() == "var") => {
                match a.value()? {
                    ast::Expr::Literal(lit) if lit.kind() == SyntaxKind::STRING => {
                        Some(lit.syntax().text_range())
                    }
                    _ => None,
                }
            }
            _ => None,
        });
        if let (Some(name), Some(declared)) = (string_attr(&block, "var"), declared) {
            if !out.iter().any(|v| v.name == name) {
                out.push(ForeachVar {
                    name,
                    item: c,
                    declared,
                });
            }
        }
    }
    Ok(out)
}

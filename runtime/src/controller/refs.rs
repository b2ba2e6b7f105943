//! Which nodes a block refers to: the one place dependency edges come from.
//!
//! Upstream walks every expression of a block's body (nested blocks
//! included) and collects *traversals*: an identifier followed by the
//! uninterrupted field accesses after it (`local.file.a.content` in
//! `local.file.a.content[0]`). An index or a call ends a traversal; the
//! identifiers inside the index or the arguments start new ones. A
//! traversal names the node whose id is its shortest prefix that is a node
//! of the module (`local.file.a`), so the rest (`content`) is a field of
//! that node's exports.
//!
//! The analysis crate computes the same edges for `alloy check`, but over
//! its own item tree and only for files it was given; the controller also
//! needs them for modules it loads at run time (imports, `declare` bodies,
//! `foreach` templates), so it computes them from the AST it evaluates.

use alloy_syntax::ast::{AstNode, Expr, Stmt};
use alloy_syntax::TextSize;

/// An identifier followed by field names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Traversal {
    pub names: Vec<String>,
    /// Where the first identifier starts.
    pub offset: TextSize,
}

/// Every traversal in a body, in source order.
pub(crate) fn traversals(stmts: impl Iterator<Item = Stmt>) -> Vec<Traversal> {
    let mut walker = Walker::default();
    walker.body(stmts, 0);
    walker.flush();
    walker.out
}

/// Deeper nesting than this is cut off; the parser bounds nesting already,
/// this only keeps the walk's recursion honest on its own.
const MAX_DEPTH: usize = 1024;

#[derive(Default)]
struct Walker {
    out: Vec<Traversal>,
    current: Option<Traversal>,
}

impl Walker {
    fn flush(&mut self) {
        if let Some(t) = self.current.take() {
            self.out.push(t);
        }
    }

    fn body(&mut self, stmts: impl Iterator<Item = Stmt>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        for stmt in stmts {
            match stmt {
                Stmt::Attribute(attr) => {
                    if let Some(value) = attr.value() {
                        self.expr(&value, depth + 1);
                    }
                }
                Stmt::Block(block) => self.body(block.statements(), depth + 1),
            }
        }
    }

    fn expr(&mut self, expr: &Expr, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match expr {
            Expr::Ident(ident) => {
                // An identifier always starts a new traversal.
                self.flush();
                if let Some(token) = ident.ident() {
                    self.current = Some(Traversal {
                        names: vec![token.text().to_owned()],
                        offset: token.text_range().start(),
                    });
                }
            }
            Expr::Access(access) => {
                if let Some(value) = access.value() {
                    self.expr(&value, depth + 1);
                }
                // Only extends a traversal being built: `f().x` has none.
                if let (Some(current), Some(name)) = (self.current.as_mut(), access.name()) {
                    current.names.push(name.text().to_owned());
                }
            }
            Expr::Index(index) => {
                if let Some(value) = index.value() {
                    self.expr(&value, depth + 1);
                }
                self.flush();
                if let Some(i) = index.index() {
                    self.expr(&i, depth + 1);
                }
            }
            Expr::Call(call) => {
                if let Some(callee) = call.callee() {
                    self.expr(&callee, depth + 1);
                }
                self.flush();
                for arg in call.args() {
                    self.expr(&arg, depth + 1);
                }
            }
            other => {
                // Literals, operators, parentheses, arrays and objects: walk
                // the children in order.
                for child in other.syntax().children().filter_map(Expr::cast) {
                    self.expr(&child, depth + 1);
                }
                if let Expr::Object(object) = other {
                    for field in object.fields() {
                        if let Some(value) = field.value() {
                            self.expr(&value, depth + 1);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        let parse = alloy_syntax::parse(text);
        traversals(parse.tree().statements())
            .into_iter()
            .map(|t| t.names.join("."))
            .collect()
    }

    #[test]
    fn traversals_stop_at_indexes_and_calls() {
        // As upstream's walker: the index's traversal is still open when
        // the access after the brackets is walked, so `d` joins it.
        assert_eq!(
            names("a { x = local.file.a.content[b.c].d }"),
            ["local.file.a.content", "b.c.d"]
        );
        assert_eq!(
            names("a { x = string.join([p.q, r], s.t) }"),
            ["string.join", "p.q", "r", "s.t"]
        );
        assert_eq!(names("a { x = f().y }"), ["f"]);
        assert_eq!(
            names("a { b { y = { k = v.w, z = (1 + m.n) } } }"),
            ["v.w", "m.n"]
        );
    }
}

//! Turns the tree into printer calls: a port of upstream's `walker.go`.
//!
//! Layout decisions come from *source* line numbers (does this element start
//! on a new line? does that statement span several lines?), never from
//! output widths, which is why every position in the tree carries its line.
//!
//! Deviations from upstream, each documented in `docs/fmt-differences.md`:
//! a call without arguments whose `)` is on a later line gets no trailing
//! comma (upstream prints `f(,` which does not parse), and an object key that
//! upstream's re-quoting would alter keeps its source spelling.

use crate::printer::{quotes_unchanged, Printer, Ws};
use crate::tree::{Block, Expr, ExprId, Field, List, LiteralKind, Pos, Stmt, Tree};
use alloy_syntax::unicode::go_quote;

pub(crate) struct Walker<'p, 'c, 's> {
    pub p: &'p mut Printer<'c, 's>,
    pub tree: &'c Tree<'s>,
}

impl Walker<'_, '_, '_> {
    fn different_lines(a: Pos, b: Pos) -> bool {
        a.line != b.line
    }

    /// Number of source lines a node spans.
    fn node_lines(start: Pos, end: Pos) -> u32 {
        (end.line + 1).saturating_sub(start.line)
    }

    pub fn walk_stmts(&mut self, list: List) {
        let tree = self.tree;
        let stmts = tree.stmts(list);
        for (i, s) in stmts.iter().enumerate() {
            let mut added_spacing = false;
            // Blocks are always set apart by a blank line.
            if i > 0 && matches!(s, Stmt::Block(_)) {
                self.p.ws(Ws::Formfeed);
                added_spacing = true;
            }
            // Keep (at most) one blank line where the source has any.
            if i > 0 && !added_spacing {
                let prev_line = tree.stmt_end(&stmts[i - 1]).line;
                let cur_line = tree.stmt_start(s).line;
                if cur_line > prev_line + 1 {
                    self.p.ws(Ws::Formfeed);
                }
            }

            self.walk_stmt(s);

            // A statement over several source lines ends the alignment run.
            if Self::node_lines(tree.stmt_start(s), tree.stmt_end(s)) > 1 {
                self.p.ws(Ws::Formfeed);
            } else {
                self.p.ws(Ws::Newline);
            }
        }
    }

    pub fn walk_stmt(&mut self, s: &Stmt<'_>) {
        match s {
            Stmt::Attribute { name, value } => {
                self.p.at(name.pos);
                self.p.ident(&name.name);
                self.p.ws(Ws::VTab);
                self.p.token("=");
                self.p.ws(Ws::Blank);
                self.walk_expr(*value);
            }
            Stmt::Block(block) => self.walk_block(block),
        }
    }

    fn walk_block(&mut self, b: &Block<'_>) {
        self.p.at(b.name.pos);
        self.p.ident(&b.name.name);

        if let Some(label) = &b.label {
            if !label.name.is_empty() {
                self.p.ws(Ws::Blank);
                self.p.at(label.pos);
                if quotes_unchanged(&label.name) {
                    self.p.quoted(&label.name);
                } else {
                    let quoted = go_quote(label.name.as_bytes());
                    self.p.literal(&quoted, LiteralKind::String);
                }
            }
        }

        self.p.ws(Ws::Blank);
        self.p.at(b.lcurly);
        self.p.token("{");
        self.p.ws(Ws::Indent);

        if self.tree.stmts(b.body).is_empty() {
            self.p.ws(Ws::Blank);
        } else {
            self.p.ws(Ws::Formfeed);
            self.walk_stmts(b.body);
        }

        self.p.ws(Ws::Unindent);
        self.p.at(b.rcurly);
        self.p.token("}");
    }

    pub fn walk_expr(&mut self, id: ExprId) {
        let tree = self.tree;
        match tree.expr(id) {
            Expr::Literal {
                kind, text, pos, ..
            } => {
                self.p.at(*pos);
                self.p.literal(text, *kind);
            }
            Expr::Ident(ident) => {
                self.p.at(ident.pos);
                self.p.ident(&ident.name);
            }
            Expr::Access { value, name } => {
                self.walk_expr(*value);
                self.p.token(".");
                self.p.ident(&name.name);
            }
            Expr::Index {
                value,
                index,
                lbrack,
                rbrack,
            } => {
                self.walk_expr(*value);
                self.p.at(*lbrack);
                self.p.token("[");
                self.walk_expr(*index);
                self.p.at(*rbrack);
                self.p.token("]");
            }
            Expr::Call {
                callee,
                args,
                lparen,
                rparen,
            } => self.walk_call(*callee, tree.expr_list(*args), *lparen, *rparen),
            Expr::Unary { op, op_pos, value } => {
                self.p.at(*op_pos);
                self.p.token(op);
                self.walk_expr(*value);
            }
            Expr::Binary {
                op,
                op_pos,
                left,
                right,
            } => {
                self.walk_expr(*left);
                self.p.ws(Ws::Blank);
                self.p.at(*op_pos);
                self.p.token(op);
                self.p.ws(Ws::Blank);
                self.walk_expr(*right);
            }
            Expr::Paren { inner, .. } => {
                // Upstream gives the parentheses no position: they are
                // placed by estimate, which matters for comment placement.
                self.p.token("(");
                self.walk_expr(*inner);
                self.p.token(")");
            }
            Expr::Array {
                elements,
                lbrack,
                rbrack,
            } => self.walk_array(tree.expr_list(*elements), *lbrack, *rbrack),
            Expr::Object {
                fields,
                lcurly,
                rcurly,
            } => self.walk_object(tree.fields(*fields), *lcurly, *rcurly),
        }
    }

    fn walk_array(&mut self, elements: &[ExprId], lbrack: Pos, rbrack: Pos) {
        self.p.at(lbrack);
        self.p.token("[");
        let mut prev = lbrack;

        for (i, &el) in elements.iter().enumerate() {
            let mut added_newline = false;
            if Self::different_lines(prev, self.tree.start(el)) {
                // Indent before the line break so that comments written in
                // between are indented too.
                self.p.ws(Ws::Indent);
                self.p.ws(Ws::Formfeed);
                added_newline = true;
            } else if i > 0 {
                self.p.ws(Ws::Blank);
            }
            prev = self.tree.end(el);

            self.walk_expr(el);

            if i + 1 < elements.len() {
                self.p.token(",");
            }
            if added_newline {
                self.p.ws(Ws::Unindent);
            }
        }

        if !elements.is_empty() && Self::different_lines(prev, rbrack) {
            self.p.token(",");
            self.p.ws(Ws::Indent);
            self.p.ws(Ws::Formfeed);
            self.p.ws(Ws::Unindent);
        }
        self.p.at(rbrack);
        self.p.token("]");
    }

    fn walk_object(&mut self, fields: &[Field<'_>], lcurly: Pos, rcurly: Pos) {
        self.p.at(lcurly);
        self.p.token("{");
        self.p.ws(Ws::Indent);
        let mut prev = lcurly;

        for (i, field) in fields.iter().enumerate() {
            if Self::different_lines(prev, field.name.pos) {
                // Align `=` with the previous field only if that field's
                // value fit on one source line.
                let prev_single_line = i > 0 && {
                    let v = fields[i - 1].value;
                    Self::node_lines(self.tree.start(v), self.tree.end(v)) == 1
                };
                self.p.ws(if prev_single_line {
                    Ws::Newline
                } else {
                    Ws::Formfeed
                });
            } else if i > 0 {
                self.p.ws(Ws::Blank);
            }
            // Upstream measures from the end of the key, not of the value.
            prev = field.name_end;

            self.p.at(field.name.pos);
            if field.quoted {
                if quotes_unchanged(&field.name.name) {
                    self.p.quoted(&field.name.name);
                } else {
                    let key = object_key(field);
                    self.p.literal(&key, LiteralKind::String);
                }
            } else {
                self.p.ident(&field.name.name);
            }

            self.p.ws(Ws::VTab);
            self.p.token("=");
            self.p.ws(Ws::Blank);
            self.walk_expr(field.value);

            if i + 1 < fields.len() {
                self.p.token(",");
            }
        }

        if !fields.is_empty() && Self::different_lines(prev, rcurly) {
            self.p.token(",");
            self.p.ws(Ws::Formfeed);
        }
        self.p.ws(Ws::Unindent);
        self.p.at(rcurly);
        self.p.token("}");
    }

    fn walk_call(&mut self, callee: ExprId, args: &[ExprId], lparen: Pos, rparen: Pos) {
        self.walk_expr(callee);
        self.p.token("(");
        let mut prev = lparen;

        for (i, &arg) in args.iter().enumerate() {
            let mut added_newline = false;
            if Self::different_lines(prev, self.tree.start(arg)) {
                // Upstream queues the indent after the line break, so a
                // comment before the first argument is not indented.
                self.p.ws(Ws::Formfeed);
                self.p.ws(Ws::Indent);
                added_newline = true;
            }

            self.walk_expr(arg);
            prev = self.tree.end(arg);

            if i + 1 < args.len() {
                self.p.token(",");
                self.p.ws(Ws::Blank);
            }
            if added_newline {
                self.p.ws(Ws::Unindent);
            }
        }

        if Self::different_lines(prev, rparen) {
            // Upstream writes the trailing comma even when there is no
            // argument, printing `f(,` which does not parse; without
            // arguments only the line break is kept.
            if !args.is_empty() {
                self.p.token(",");
            }
            self.p.ws(Ws::Formfeed);
        }
        if args.is_empty() {
            // Comments inside empty parentheses (`f( // c␤)`, `f(/* c */)`)
            // stay inside: upstream gives `)` no position, so they land
            // after it, and the next pass moves them again (or turns
            // `f(␤// c␤)` into `f(␤)␤// c`, which gains a blank line on
            // every pass). See docs/fmt-differences.md, section 4.
            self.p.at(rparen);
        }
        self.p.token(")");
    }
}

/// The spelling of a quoted object key.
///
/// Upstream prints Go's `%q` of the raw text between the delimiters, which
/// changes the key whenever `%q` has to escape something (`"a\"b"` becomes
/// `"a\\\"b"`). When `%q` leaves the text alone the result is upstream's
/// (that also turns a plain backtick key into a double-quoted one, with the
/// same meaning); otherwise the source spelling is kept.
fn object_key(field: &Field<'_>) -> String {
    let quoted = go_quote(field.name.name.as_bytes());
    let unchanged = quoted.len() == field.name.name.len() + 2
        && quoted.get(1..quoted.len() - 1) == Some(&*field.name.name);
    if unchanged {
        quoted
    } else {
        field.source_text.to_string()
    }
}

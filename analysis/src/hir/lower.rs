//! Lowering a block of the green tree into [`ItemData`].
//!
//! Node ids are preorder numbers, so the walk here must visit every node of
//! the item in preorder, including ones it has no use for, and must skip the
//! subtrees of nested items entirely: `crate::diag::map` repeats the same
//! walk on the red tree ([`item_nodes`]) to turn ids back into ranges.

use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::{SyntaxKind, SyntaxNode};
use rowan::{GreenNodeData, NodeOrToken};

use super::data::*;
use super::green;

/// How a block's body is split between the item and its nested items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// Every statement belongs to the item.
    Leaf,
    /// `declare`: nested blocks are items of the module.
    Declare,
    /// `foreach`: blocks inside `template` are items of the template.
    Foreach,
}

impl Container {
    pub fn of(name: &str) -> Container {
        match name {
            "declare" => Container::Declare,
            "foreach" => Container::Foreach,
            _ => Container::Leaf,
        }
    }
}

/// Lowers the item whose block is `block`.
pub fn lower_item(block: &GreenNodeData, container: Container) -> ItemData {
    let mut lowerer = Lowerer::default();
    lowerer.enter(); // the block itself is node 0
    let body = lowerer.body(block, container);
    ItemData {
        body,
        exprs: lowerer.exprs,
    }
}

/// The syntax nodes of an item in [`NodeId`] order: the same walk as the
/// lowering, on the red tree, kept next to it so the two cannot drift apart.
pub fn item_nodes(block: &ast::Block, container: Container) -> Vec<SyntaxNode> {
    let mut out = vec![block.syntax().clone()];
    collect_body(block.syntax(), container, &mut out);
    out
}

fn collect_body(node: &SyntaxNode, container: Container, out: &mut Vec<SyntaxNode>) {
    for child in node.children() {
        if child.kind() == SyntaxKind::BLOCK && container == Container::Declare {
            continue;
        }
        if child.kind() == SyntaxKind::BLOCK && container == Container::Foreach {
            let is_template =
                ast::Block::cast(child.clone()).is_some_and(|b| b.name() == "template");
            if is_template {
                out.push(child.clone());
                collect_body(&child, Container::Declare, out);
                continue;
            }
        }
        out.push(child.clone());
        collect_body(&child, Container::Leaf, out);
    }
}

#[derive(Default)]
struct Lowerer {
    next: u32,
    exprs: Vec<Expr>,
}

impl Lowerer {
    fn enter(&mut self) -> NodeId {
        let id = NodeId(self.next);
        self.next += 1;
        id
    }

    /// Counts a subtree the lowering does not look into.
    fn skip(&mut self, node: &GreenNodeData) {
        self.next += green::node_count(node);
    }

    fn body(&mut self, node: &GreenNodeData, container: Container) -> Body {
        let mut stmts = Vec::new();
        for child in green::child_nodes(node) {
            match green::kind(child) {
                SyntaxKind::ATTRIBUTE => stmts.push(Stmt::Attr(self.attr(child))),
                SyntaxKind::BLOCK => {
                    if container == Container::Declare {
                        stmts.push(Stmt::Item);
                        continue;
                    }
                    let (name, label) = green::block_header(child);
                    let inner = if container == Container::Foreach && name == "template" {
                        Container::Declare
                    } else {
                        Container::Leaf
                    };
                    let node = self.enter();
                    let body = self.body(child, inner);
                    stmts.push(Stmt::Block(Block {
                        name,
                        label,
                        node,
                        body,
                    }));
                }
                _ => self.skip(child),
            }
        }
        Body { stmts }
    }

    fn attr(&mut self, attr: &GreenNodeData) -> Attr {
        let node = self.enter();
        let mut value = None;
        for child in green::child_nodes(attr) {
            if value.is_none() && is_expr(child) {
                value = Some(self.expr(child));
            } else {
                self.skip(child);
            }
        }
        Attr {
            name: green::token(attr, SyntaxKind::IDENT)
                .map(|t| t.text().to_owned())
                .unwrap_or_default(),
            node,
            value,
        }
    }

    fn push(&mut self, node: NodeId, kind: ExprKind) -> ExprId {
        let id = ExprId(self.exprs.len() as u32);
        self.exprs.push(Expr { node, kind });
        id
    }

    fn missing(&mut self, node: NodeId) -> ExprId {
        self.push(node, ExprKind::Missing)
    }

    /// Lowers the expression node `syntax` (the caller checked its kind).
    fn expr(&mut self, syntax: &GreenNodeData) -> ExprId {
        let kind = green::kind(syntax);
        let node = self.enter();
        // Sub-expressions in order (the first two inline: only arrays have
        // more, and allocating for every access chain shows in profiles),
        // plus call arguments and object fields, which sit under their own
        // nodes.
        let mut first: [Option<ExprId>; 2] = [None, None];
        let mut elements: Vec<ExprId> = Vec::new();
        let mut args: Vec<ExprId> = Vec::new();
        let mut fields: Vec<Field> = Vec::new();
        for child in green::child_nodes(syntax) {
            match green::kind(child) {
                _ if is_expr(child) => {
                    let id = self.expr(child);
                    if kind == SyntaxKind::ARRAY_EXPR {
                        elements.push(id);
                    } else if let Some(slot) = first.iter_mut().find(|s| s.is_none()) {
                        *slot = Some(id);
                    }
                }
                SyntaxKind::ARG_LIST => {
                    self.enter();
                    for arg in green::child_nodes(child) {
                        if is_expr(arg) {
                            args.push(self.expr(arg));
                        } else {
                            self.skip(arg);
                        }
                    }
                }
                SyntaxKind::OBJECT_FIELD => {
                    let field_node = self.enter();
                    let mut value = None;
                    for part in green::child_nodes(child) {
                        if value.is_none() && is_expr(part) {
                            value = Some(self.expr(part));
                        } else {
                            self.skip(part);
                        }
                    }
                    fields.push(Field {
                        name: field_name(child),
                        node: field_node,
                        value,
                    });
                }
                _ => self.skip(child),
            }
        }
        let mut subs = first.into_iter().flatten();
        let kind = match kind {
            SyntaxKind::LITERAL => ExprKind::Literal(literal(syntax)),
            SyntaxKind::IDENT_EXPR => ExprKind::Ident(
                green::token(syntax, SyntaxKind::IDENT)
                    .map_or_else(|| "".into(), |t| t.text().into()),
            ),
            SyntaxKind::ACCESS_EXPR => {
                let value = subs.next().unwrap_or_else(|| self.missing(node));
                let name = green::token(syntax, SyntaxKind::IDENT)
                    .map_or_else(|| "".into(), |t| t.text().into());
                ExprKind::Access(value, name)
            }
            SyntaxKind::INDEX_EXPR => {
                let value = subs.next().unwrap_or_else(|| self.missing(node));
                ExprKind::Index(value, subs.next())
            }
            SyntaxKind::CALL_EXPR => {
                let callee = subs.next().unwrap_or_else(|| self.missing(node));
                ExprKind::Call(callee, args)
            }
            SyntaxKind::UNARY_EXPR => {
                let op = match green::first_token(syntax).map(green::token_kind) {
                    Some(SyntaxKind::NOT) => UnaryOp::Not,
                    _ => UnaryOp::Neg,
                };
                let operand = subs.next().unwrap_or_else(|| self.missing(node));
                ExprKind::Unary(op, operand)
            }
            SyntaxKind::BINARY_EXPR => {
                let op = syntax
                    .children()
                    .filter_map(NodeOrToken::into_token)
                    .map(green::token_kind)
                    .find(|k| k.binary_precedence() > 0)
                    .map_or(BinaryOp::Add, binary_op);
                let lhs = subs.next().unwrap_or_else(|| self.missing(node));
                let rhs = subs.next().unwrap_or_else(|| self.missing(node));
                ExprKind::Binary(op, lhs, rhs)
            }
            SyntaxKind::PAREN_EXPR => {
                let inner = subs.next().unwrap_or_else(|| self.missing(node));
                ExprKind::Paren(inner)
            }
            SyntaxKind::ARRAY_EXPR => ExprKind::Array(elements),
            _ => ExprKind::Object(fields),
        };
        self.push(node, kind)
    }
}

fn is_expr(node: &GreenNodeData) -> bool {
    ast::Expr::can_cast(green::kind(node))
}

/// An object key as upstream stores it (`ast::ObjectField::name`).
fn field_name(field: &GreenNodeData) -> String {
    let Some(token) = field
        .children()
        .filter_map(NodeOrToken::into_token)
        .find(|t| matches!(green::token_kind(t), SyntaxKind::IDENT | SyntaxKind::STRING))
    else {
        return String::new();
    };
    let text = token.text();
    if green::token_kind(token) == SyntaxKind::STRING && text.len() > 2 {
        green::between_delimiters(text)
    } else {
        text.to_owned()
    }
}

fn binary_op(kind: SyntaxKind) -> BinaryOp {
    use SyntaxKind::*;
    match kind {
        OR => BinaryOp::Or,
        AND => BinaryOp::And,
        EQ => BinaryOp::Eq,
        NEQ => BinaryOp::Neq,
        LT => BinaryOp::Lt,
        LTE => BinaryOp::Lte,
        GT => BinaryOp::Gt,
        GTE => BinaryOp::Gte,
        SUB => BinaryOp::Sub,
        MUL => BinaryOp::Mul,
        DIV => BinaryOp::Div,
        MOD => BinaryOp::Mod,
        POW => BinaryOp::Pow,
        _ => BinaryOp::Add,
    }
}

fn literal(lit: &GreenNodeData) -> Literal {
    let Some(token) = green::first_token(lit) else {
        return Literal::Null;
    };
    let text = token.text();
    match green::token_kind(token) {
        SyntaxKind::NUMBER => Literal::Int(text.into()),
        SyntaxKind::FLOAT => Literal::Float(text.into()),
        SyntaxKind::STRING => Literal::String(unquote_arc(text)),
        SyntaxKind::BOOL => Literal::Bool(text == "true"),
        _ => Literal::Null,
    }
}

/// [`unquote`] into the `Arc<str>` literals hold, with one allocation for
/// the common string without escapes.
fn unquote_arc(text: &str) -> std::sync::Arc<str> {
    match text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|inner| !inner.contains('\\'))
    {
        Some(inner) => inner.into(),
        None => unquote(text).into(),
    }
}

/// The byte offset in a string literal's source text (quotes included) of
/// byte `decoded` of its value, so that a position inside the value (an
/// OTTL error) lands on the right column through escapes and raw strings.
pub fn source_offset(text: &str, decoded: usize) -> usize {
    if let Some(raw) = text.strip_prefix('`') {
        // Raw strings drop carriage returns and nothing else.
        let mut seen = 0;
        for (i, c) in raw.char_indices() {
            if seen >= decoded {
                return 1 + i;
            }
            if c != '\r' {
                seen += c.len_utf8();
            }
        }
        return text.len().saturating_sub(1);
    }
    let inner = text.strip_prefix('"').unwrap_or(text);
    let mut seen = 0;
    let mut i = 0;
    let bytes = inner.as_bytes();
    while i < inner.len() && bytes[i] != b'"' {
        if seen >= decoded {
            return 1 + i;
        }
        let (consumed, produced) = if bytes[i] == b'\\' {
            let e = bytes.get(i + 1).copied().unwrap_or(b'\\');
            let width = match e {
                b'x' => 4,
                b'u' => 6,
                b'U' => 10,
                b'0'..=b'7' => 4,
                _ => 2,
            };
            let end = (i + width).min(inner.len());
            (end - i, unquote(&format!("\"{}\"", &inner[i..end])).len())
        } else {
            let c = inner[i..].chars().next().map_or(1, char::len_utf8);
            (c, c)
        };
        i += consumed;
        seen += produced;
    }
    1 + i
}

/// Decodes a string literal as Go's `strconv.Unquote` would for the escapes
/// Alloy's scanner accepts. Invalid escapes cannot reach here: the parser
/// already rejected them, and checks do not run on files with errors.
pub fn unquote(text: &str) -> String {
    if let Some(raw) = text.strip_prefix('`') {
        return raw.strip_suffix('`').unwrap_or(raw).replace('\r', "");
    }
    let inner = text.strip_prefix('"').unwrap_or(text);
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    if !inner.contains('\\') {
        return inner.to_owned();
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else { break };
        let simple = match e {
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            '\\' => Some('\\'),
            '"' => Some('"'),
            '\'' => Some('\''),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            continue;
        }
        let digits = match e {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            '0'..='7' => 2,
            _ => 0,
        };
        let mut code = String::new();
        if ('0'..='7').contains(&e) {
            code.push(e);
        }
        for _ in 0..digits {
            if let Some(d) = chars.next() {
                code.push(d);
            }
        }
        let radix = if ('0'..='7').contains(&e) { 8 } else { 16 };
        if let Some(ch) = u32::from_str_radix(&code, radix)
            .ok()
            .and_then(char::from_u32)
        {
            out.push(ch);
        }
    }
    out
}

/// Traversals of an item in upstream's order: every expression of every
/// attribute, nested blocks included, depth first.
pub fn traversals(data: &ItemData) -> Vec<Traversal> {
    let mut out = Vec::new();
    body_traversals(data, &data.body, &mut out);
    out
}

pub fn body_traversals(data: &ItemData, body: &Body, out: &mut Vec<Traversal>) {
    for stmt in &body.stmts {
        match stmt {
            Stmt::Attr(attr) => {
                if let Some(value) = attr.value {
                    expr_traversals(data, value, out);
                }
            }
            Stmt::Block(block) => body_traversals(data, &block.body, out),
            Stmt::Item => {}
        }
    }
}

/// Traversals inside one expression.
pub fn expr_traversals(data: &ItemData, id: ExprId, out: &mut Vec<Traversal>) {
    walk(data, id, out, false);
}

fn walk(data: &ItemData, id: ExprId, out: &mut Vec<Traversal>, called: bool) {
    let expr = data.expr(id);
    match &expr.kind {
        ExprKind::Ident(_) | ExprKind::Access(..) => {
            if let Some(t) = chain(data, id, called) {
                out.push(t);
            } else if let ExprKind::Access(value, _) = &expr.kind {
                walk(data, *value, out, false);
            }
        }
        ExprKind::Index(value, index) => {
            walk(data, *value, out, false);
            if let Some(index) = index {
                walk(data, *index, out, false);
            }
        }
        ExprKind::Call(callee, args) => {
            walk(data, *callee, out, true);
            for arg in args {
                walk(data, *arg, out, false);
            }
        }
        ExprKind::Unary(_, e) | ExprKind::Paren(e) => walk(data, *e, out, false),
        ExprKind::Binary(_, l, r) => {
            walk(data, *l, out, false);
            walk(data, *r, out, false);
        }
        ExprKind::Array(items) => {
            for item in items {
                walk(data, *item, out, false);
            }
        }
        ExprKind::Object(fields) => {
            for field in fields {
                if let Some(value) = field.value {
                    walk(data, value, out, false);
                }
            }
        }
        ExprKind::Literal(_) | ExprKind::Missing => {}
    }
}

/// `a.b.c` as a traversal, or `None` when the chain does not start at an
/// identifier (`f().x`, `a[0].b`).
pub fn chain(data: &ItemData, id: ExprId, called: bool) -> Option<Traversal> {
    let mut names = Vec::with_capacity(4);
    let mut current = id;
    loop {
        let expr = data.expr(current);
        match &expr.kind {
            ExprKind::Access(value, name) => {
                names.push(name.clone());
                current = *value;
            }
            ExprKind::Ident(name) => {
                names.push(name.clone());
                names.reverse();
                return Some(Traversal {
                    names,
                    node: data.expr(id).node,
                    first: expr.node,
                    called,
                });
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_decodes_go_escapes() {
        assert_eq!(unquote(r#""a\tb\n""#), "a\tb\n");
        assert_eq!(unquote(r#""\x41\u00e9\U0001F600\101""#), "Aé😀A");
        assert_eq!(unquote("`raw\\n\r`"), "raw\\n");
        assert_eq!(unquote(r#""plain""#), "plain");
    }

    #[test]
    fn node_ids_match_the_mapping_walk() {
        let parse = alloy_syntax::parse(
            "declare \"m\" {\n  a = f(x.y, [1, {k = 2}])\n  local.file \"n\" { filename = \"x\" }\n}\n",
        );
        let Some(ast::Stmt::Block(block)) = parse.tree().statements().next() else {
            panic!("no block");
        };
        let data = lower_item(block.syntax().green(), Container::Declare);
        assert!(data.body.stmts.contains(&Stmt::Item));
        let nodes = item_nodes(&block, Container::Declare);
        // Every expression's id points at a node of the same kind.
        for expr in &data.exprs {
            let node = &nodes[expr.node.0 as usize];
            assert!(ast::Expr::can_cast(node.kind()), "{:?}", node.kind());
        }
        let traversals = traversals(&data);
        let names: Vec<String> = traversals.iter().map(Traversal::joined).collect();
        assert_eq!(names, ["f", "x.y"]);
        assert!(traversals[0].called);
    }
}

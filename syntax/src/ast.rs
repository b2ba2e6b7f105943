//! Typed views over the rowan tree. Each wrapper is a node of a known kind;
//! accessors return `Option` because trees with errors may lack any part.
//!
//! Positions are the tree's text ranges: nodes start and end at significant
//! tokens (the builder keeps trivia outside), matching upstream's AST
//! `StartPos`/`EndPos` (upstream's end is inclusive, rowan's exclusive).

use crate::{SyntaxKind, SyntaxKind::*, SyntaxNode, SyntaxToken};

/// A typed wrapper around a node of one (or a few) kinds.
pub trait AstNode: Sized {
    fn can_cast(kind: SyntaxKind) -> bool;
    fn cast(node: SyntaxNode) -> Option<Self>;
    fn syntax(&self) -> &SyntaxNode;
}

macro_rules! ast_node {
    ($(#[$meta:meta])* $name:ident, $kind:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(SyntaxNode);

        impl AstNode for $name {
            fn can_cast(kind: SyntaxKind) -> bool {
                kind == $kind
            }
            fn cast(node: SyntaxNode) -> Option<Self> {
                Self::can_cast(node.kind()).then(|| $name(node))
            }
            fn syntax(&self) -> &SyntaxNode {
                &self.0
            }
        }
    };
}

fn child<N: AstNode>(parent: &SyntaxNode) -> Option<N> {
    parent.children().find_map(N::cast)
}

fn children<N: AstNode>(parent: &SyntaxNode) -> impl Iterator<Item = N> {
    parent.children().filter_map(N::cast)
}

fn token(parent: &SyntaxNode, kind: SyntaxKind) -> Option<SyntaxToken> {
    parent
        .children_with_tokens()
        .filter_map(|element| element.into_token())
        .find(|token| token.kind() == kind)
}

ast_node!(
    /// A whole file: the root node.
    File,
    ROOT
);
ast_node!(
    /// `name = value`.
    Attribute,
    ATTRIBUTE
);
ast_node!(
    /// `name.parts "label" { ... }`.
    Block,
    BLOCK
);
ast_node!(
    /// A lone identifier used as a value: `foo`.
    IdentExpr,
    IDENT_EXPR
);
ast_node!(
    /// A number, float, string, bool or null.
    Literal,
    LITERAL
);
ast_node!(
    /// `value.name`.
    AccessExpr,
    ACCESS_EXPR
);
ast_node!(
    /// `value[index]`.
    IndexExpr,
    INDEX_EXPR
);
ast_node!(
    /// `callee(args)`.
    CallExpr,
    CALL_EXPR
);
ast_node!(
    /// `(args)` of a call.
    ArgList,
    ARG_LIST
);
ast_node!(
    /// `-x` or `!x`.
    UnaryExpr,
    UNARY_EXPR
);
ast_node!(
    /// `lhs op rhs`.
    BinaryExpr,
    BINARY_EXPR
);
ast_node!(
    /// `(inner)`.
    ParenExpr,
    PAREN_EXPR
);
ast_node!(
    /// `[a, b]`.
    ArrayExpr,
    ARRAY_EXPR
);
ast_node!(
    /// `{ k = v }`.
    ObjectExpr,
    OBJECT_EXPR
);
ast_node!(
    /// `k = v` inside an object.
    ObjectField,
    OBJECT_FIELD
);

impl File {
    pub(crate) fn from_root(node: SyntaxNode) -> File {
        File(node)
    }

    pub fn statements(&self) -> impl Iterator<Item = Stmt> {
        children(&self.0)
    }

    /// The expression of a tree made by `parse_expression`.
    pub fn expression(&self) -> Option<Expr> {
        child(&self.0)
    }

    /// Every comment in the file, in source order.
    pub fn comments(&self) -> impl Iterator<Item = SyntaxToken> {
        self.0
            .descendants_with_tokens()
            .filter_map(|element| element.into_token())
            .filter(|token| token.kind() == COMMENT)
    }
}

/// A statement of a body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stmt {
    Attribute(Attribute),
    Block(Block),
}

impl AstNode for Stmt {
    fn can_cast(kind: SyntaxKind) -> bool {
        matches!(kind, ATTRIBUTE | BLOCK)
    }
    fn cast(node: SyntaxNode) -> Option<Self> {
        match node.kind() {
            ATTRIBUTE => Some(Stmt::Attribute(Attribute(node))),
            BLOCK => Some(Stmt::Block(Block(node))),
            _ => None,
        }
    }
    fn syntax(&self) -> &SyntaxNode {
        match self {
            Stmt::Attribute(it) => &it.0,
            Stmt::Block(it) => &it.0,
        }
    }
}

impl Attribute {
    /// The attribute's name (the first identifier; a well-formed attribute
    /// has exactly one).
    pub fn name(&self) -> Option<SyntaxToken> {
        token(&self.0, IDENT)
    }

    pub fn assign_token(&self) -> Option<SyntaxToken> {
        token(&self.0, ASSIGN)
    }

    pub fn value(&self) -> Option<Expr> {
        child(&self.0)
    }
}

impl Block {
    /// The identifiers of the dotted name, in order: `prometheus`, `scrape`.
    pub fn name_tokens(&self) -> impl Iterator<Item = SyntaxToken> {
        self.header_tokens().filter(|token| token.kind() == IDENT)
    }

    /// The dotted name as written: `prometheus.scrape`.
    pub fn name(&self) -> String {
        let mut name = String::new();
        for (i, token) in self.name_tokens().enumerate() {
            if i > 0 {
                name.push('.');
            }
            name.push_str(token.text());
        }
        name
    }

    /// The range of the dotted name, from its first identifier to its last
    /// (upstream reports "unknown component" and friends there).
    pub fn name_range(&self) -> Option<crate::TextRange> {
        let mut names = self.name_tokens();
        let first = names.next()?.text_range();
        let last = names.last().map_or(first, |t| t.text_range());
        Some(first.cover(last))
    }

    /// The label's STRING token, quotes included.
    pub fn label_token(&self) -> Option<SyntaxToken> {
        self.header_tokens().find(|token| token.kind() == STRING)
    }

    /// The label's text between the quotes (upstream does not unescape it).
    /// `None` for no label and for the empty label `""`, which upstream
    /// treats as no label.
    pub fn label(&self) -> Option<String> {
        let token = self.label_token()?;
        let text = token.text();
        (text.len() > 2).then(|| between_delimiters(text))
    }

    pub fn l_curly(&self) -> Option<SyntaxToken> {
        token(&self.0, L_CURLY)
    }

    pub fn r_curly(&self) -> Option<SyntaxToken> {
        self.0
            .children_with_tokens()
            .filter_map(|element| element.into_token())
            .filter(|token| token.kind() == R_CURLY)
            .last()
    }

    pub fn statements(&self) -> impl Iterator<Item = Stmt> {
        children(&self.0)
    }

    /// Tokens before the `{`: the name and the label.
    fn header_tokens(&self) -> impl Iterator<Item = SyntaxToken> {
        self.0
            .children_with_tokens()
            .filter_map(|element| element.into_token())
            .take_while(|token| token.kind() != L_CURLY)
    }
}

/// Any expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    Literal(Literal),
    Ident(IdentExpr),
    Access(AccessExpr),
    Index(IndexExpr),
    Call(CallExpr),
    Unary(UnaryExpr),
    Binary(BinaryExpr),
    Paren(ParenExpr),
    Array(ArrayExpr),
    Object(ObjectExpr),
}

impl AstNode for Expr {
    fn can_cast(kind: SyntaxKind) -> bool {
        matches!(
            kind,
            LITERAL
                | IDENT_EXPR
                | ACCESS_EXPR
                | INDEX_EXPR
                | CALL_EXPR
                | UNARY_EXPR
                | BINARY_EXPR
                | PAREN_EXPR
                | ARRAY_EXPR
                | OBJECT_EXPR
        )
    }
    fn cast(node: SyntaxNode) -> Option<Self> {
        Some(match node.kind() {
            LITERAL => Expr::Literal(Literal(node)),
            IDENT_EXPR => Expr::Ident(IdentExpr(node)),
            ACCESS_EXPR => Expr::Access(AccessExpr(node)),
            INDEX_EXPR => Expr::Index(IndexExpr(node)),
            CALL_EXPR => Expr::Call(CallExpr(node)),
            UNARY_EXPR => Expr::Unary(UnaryExpr(node)),
            BINARY_EXPR => Expr::Binary(BinaryExpr(node)),
            PAREN_EXPR => Expr::Paren(ParenExpr(node)),
            ARRAY_EXPR => Expr::Array(ArrayExpr(node)),
            OBJECT_EXPR => Expr::Object(ObjectExpr(node)),
            _ => return None,
        })
    }
    fn syntax(&self) -> &SyntaxNode {
        match self {
            Expr::Literal(it) => &it.0,
            Expr::Ident(it) => &it.0,
            Expr::Access(it) => &it.0,
            Expr::Index(it) => &it.0,
            Expr::Call(it) => &it.0,
            Expr::Unary(it) => &it.0,
            Expr::Binary(it) => &it.0,
            Expr::Paren(it) => &it.0,
            Expr::Array(it) => &it.0,
            Expr::Object(it) => &it.0,
        }
    }
}

impl Literal {
    /// The literal's token: NUMBER, FLOAT, STRING, BOOL or NULL.
    pub fn token(&self) -> Option<SyntaxToken> {
        self.0.first_token()
    }

    pub fn kind(&self) -> SyntaxKind {
        self.token().map_or(ERROR, |token| token.kind())
    }
}

impl IdentExpr {
    pub fn ident(&self) -> Option<SyntaxToken> {
        token(&self.0, IDENT)
    }
}

impl AccessExpr {
    pub fn value(&self) -> Option<Expr> {
        child(&self.0)
    }

    pub fn dot(&self) -> Option<SyntaxToken> {
        token(&self.0, DOT)
    }

    /// The field name after the dot.
    pub fn name(&self) -> Option<SyntaxToken> {
        token(&self.0, IDENT)
    }
}

impl IndexExpr {
    pub fn value(&self) -> Option<Expr> {
        child(&self.0)
    }

    pub fn l_brack(&self) -> Option<SyntaxToken> {
        token(&self.0, L_BRACK)
    }

    pub fn index(&self) -> Option<Expr> {
        children(&self.0).nth(1)
    }

    pub fn r_brack(&self) -> Option<SyntaxToken> {
        token(&self.0, R_BRACK)
    }
}

impl CallExpr {
    pub fn callee(&self) -> Option<Expr> {
        child(&self.0)
    }

    pub fn arg_list(&self) -> Option<ArgList> {
        child(&self.0)
    }

    pub fn l_paren(&self) -> Option<SyntaxToken> {
        self.arg_list().and_then(|args| token(&args.0, L_PAREN))
    }

    pub fn args(&self) -> impl Iterator<Item = Expr> {
        self.arg_list()
            .into_iter()
            .flat_map(|args| children::<Expr>(&args.0).collect::<Vec<_>>())
    }

    pub fn r_paren(&self) -> Option<SyntaxToken> {
        self.arg_list().and_then(|args| token(&args.0, R_PAREN))
    }
}

impl ArgList {
    pub fn args(&self) -> impl Iterator<Item = Expr> {
        children(&self.0)
    }
}

impl UnaryExpr {
    /// `-` or `!`.
    pub fn op(&self) -> Option<SyntaxToken> {
        self.0.first_token()
    }

    pub fn operand(&self) -> Option<Expr> {
        child(&self.0)
    }
}

impl BinaryExpr {
    pub fn lhs(&self) -> Option<Expr> {
        child(&self.0)
    }

    /// The operator: the first token that is a direct child.
    pub fn op(&self) -> Option<SyntaxToken> {
        self.0
            .children_with_tokens()
            .filter_map(|element| element.into_token())
            .find(|token| token.kind().binary_precedence() > 0)
    }

    pub fn rhs(&self) -> Option<Expr> {
        children(&self.0).nth(1)
    }
}

impl ParenExpr {
    pub fn l_paren(&self) -> Option<SyntaxToken> {
        token(&self.0, L_PAREN)
    }

    pub fn inner(&self) -> Option<Expr> {
        child(&self.0)
    }

    pub fn r_paren(&self) -> Option<SyntaxToken> {
        token(&self.0, R_PAREN)
    }
}

impl ArrayExpr {
    pub fn l_brack(&self) -> Option<SyntaxToken> {
        token(&self.0, L_BRACK)
    }

    pub fn elements(&self) -> impl Iterator<Item = Expr> {
        children(&self.0)
    }

    pub fn r_brack(&self) -> Option<SyntaxToken> {
        token(&self.0, R_BRACK)
    }
}

impl ObjectExpr {
    pub fn l_curly(&self) -> Option<SyntaxToken> {
        token(&self.0, L_CURLY)
    }

    pub fn fields(&self) -> impl Iterator<Item = ObjectField> {
        children(&self.0)
    }

    pub fn r_curly(&self) -> Option<SyntaxToken> {
        token(&self.0, R_CURLY)
    }
}

impl ObjectField {
    /// The key: an IDENT, or a STRING (quotes included).
    pub fn name_token(&self) -> Option<SyntaxToken> {
        self.0
            .children_with_tokens()
            .filter_map(|element| element.into_token())
            .find(|token| matches!(token.kind(), IDENT | STRING))
    }

    /// The key as upstream stores it: the raw text between the quotes for a
    /// quoted key longer than `""` (no unescaping), else the token text.
    pub fn name(&self) -> Option<String> {
        let token = self.name_token()?;
        let text = token.text();
        Some(if token.kind() == STRING && text.len() > 2 {
            between_delimiters(text)
        } else {
            text.to_owned()
        })
    }

    /// Whether upstream marks the key as quoted (`""` is not).
    pub fn is_quoted(&self) -> bool {
        self.name_token()
            .is_some_and(|token| token.kind() == STRING && token.text().len() > 2)
    }

    pub fn assign_token(&self) -> Option<SyntaxToken> {
        token(&self.0, ASSIGN)
    }

    pub fn value(&self) -> Option<Expr> {
        child(&self.0)
    }
}

/// The text between a string's first and last byte, as upstream slices it.
/// An unterminated string may end inside a multi-byte character, which
/// becomes U+FFFD here.
fn between_delimiters(text: &str) -> String {
    String::from_utf8_lossy(&text.as_bytes()[1..text.len() - 1]).into_owned()
}

/// Upstream's comment text: the raw comment with carriage returns removed
/// the way its scanner removes them (a `//` comment loses a trailing `\r`;
/// remaining `\r`s go, except one that sits between `*` and the closing `/`
/// of a block comment, a quirk of Go's scanner).
pub fn comment_text(raw: &str) -> std::borrow::Cow<'_, str> {
    let crs = raw.bytes().filter(|b| *b == b'\r').count();
    if crs == 0 {
        return std::borrow::Cow::Borrowed(raw);
    }
    let block = raw.as_bytes().get(1) == Some(&b'*');
    let (mut lit, mut crs) = (raw.as_bytes(), crs);
    if lit.last() == Some(&b'\r') {
        lit = &lit[..lit.len() - 1];
        crs -= 1;
    }
    if crs == 0 {
        return std::borrow::Cow::Owned(String::from_utf8_lossy(lit).into_owned());
    }
    let mut kept: Vec<u8> = Vec::with_capacity(lit.len());
    for (j, &ch) in lit.iter().enumerate() {
        let keep_cr =
            block && kept.len() > 2 && kept.last() == Some(&b'*') && lit.get(j + 1) == Some(&b'/');
        if ch != b'\r' || keep_cr {
            kept.push(ch);
        }
    }
    std::borrow::Cow::Owned(String::from_utf8_lossy(&kept).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_crs_follow_upstream() {
        assert_eq!(comment_text("// a\r"), "// a");
        assert_eq!(comment_text("/* a\r\nb */"), "/* a\nb */");
        assert_eq!(comment_text("/**\r/*/"), "/**\r/*/");
        assert_eq!(comment_text("// plain"), "// plain");
    }

    #[test]
    fn typed_accessors_see_the_parts() {
        let parse =
            crate::parse("prometheus.scrape \"x\" {\n  targets = [f(1), {a = b.c[0]}]\n}\n");
        assert!(parse.errors().is_empty(), "{:?}", parse.errors());
        let file = parse.tree();
        let Some(Stmt::Block(block)) = file.statements().next() else {
            panic!("no block");
        };
        assert_eq!(block.name(), "prometheus.scrape");
        assert_eq!(
            block.name_range(),
            Some(crate::TextRange::new(0.into(), 17.into()))
        );
        assert_eq!(block.label().as_deref(), Some("x"));
        let Some(Stmt::Attribute(attr)) = block.statements().next() else {
            panic!("no attribute");
        };
        assert_eq!(
            attr.name().map(|t| t.text().to_owned()).as_deref(),
            Some("targets")
        );
        let Some(Expr::Array(array)) = attr.value() else {
            panic!("no array");
        };
        let elements: Vec<_> = array.elements().collect();
        assert_eq!(elements.len(), 2);
        let Expr::Call(call) = &elements[0] else {
            panic!("no call");
        };
        assert_eq!(call.args().count(), 1);
        let Expr::Object(object) = &elements[1] else {
            panic!("no object");
        };
        let field = object.fields().next().expect("field");
        assert_eq!(field.name().as_deref(), Some("a"));
        assert!(matches!(field.value(), Some(Expr::Index(_))));
    }
}

//! Position-independent form of a block: names, values and structure, with
//! no offsets in it.
//!
//! Semantic queries read only these values. Each syntax node that a
//! diagnostic may point at gets a [`NodeId`], its preorder number inside the
//! item, so whitespace and comment edits leave every value here equal and
//! salsa backdates the lowering: nothing semantic re-runs. Ranges are
//! recovered from the tree only at the edge (`crate::diag::map`).

use std::sync::Arc;

/// Preorder number of a syntax node inside its item's subtree (the item's
/// block is 0; the subtrees of nested items are not counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// Index of an expression in [`ItemData::exprs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExprId(pub u32);

/// The lowered content of one item: its body (minus nested items) and the
/// expressions it uses.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ItemData {
    pub body: Body,
    pub exprs: Vec<Expr>,
}

impl ItemData {
    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.0 as usize]
    }
}

/// Statements of one block body, in source order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Body {
    pub stmts: Vec<Stmt>,
}

impl Body {
    pub fn attrs(&self) -> impl Iterator<Item = &Attr> {
        self.stmts.iter().filter_map(|s| match s {
            Stmt::Attr(a) => Some(a),
            _ => None,
        })
    }

    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.stmts.iter().filter_map(|s| match s {
            Stmt::Block(b) => Some(b),
            _ => None,
        })
    }

    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs().find(|a| a.name == name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stmt {
    Attr(Attr),
    Block(Block),
    /// A nested item (a component inside `declare` or a `foreach`
    /// template): lowered separately, so only its position in the body is
    /// kept here.
    Item,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    pub name: String,
    pub node: NodeId,
    pub value: Option<ExprId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Dotted name as written (`stage.json`).
    pub name: String,
    /// Label text between the quotes; `None` for none and for `""`.
    pub label: Option<String>,
    pub node: NodeId,
    pub body: Body,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    pub node: NodeId,
    pub kind: ExprKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    Literal(Literal),
    /// Identifiers are shared (`Arc<str>`): every reference chain copies
    /// its names into a [`Traversal`], and a reference count is cheaper
    /// than an allocation per name.
    Ident(Arc<str>),
    Access(ExprId, Arc<str>),
    Index(ExprId, Option<ExprId>),
    Call(ExprId, Vec<ExprId>),
    Unary(UnaryOp, ExprId),
    Binary(BinaryOp, ExprId, ExprId),
    Paren(ExprId),
    Array(Vec<ExprId>),
    Object(Vec<Field>),
    /// A part the parser could not read (only in trees with errors).
    Missing,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub node: NodeId,
    pub value: Option<ExprId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    /// Integer literal text (kept as text: Go's int/uint/float fallback is
    /// decided only when a value is needed).
    Int(Arc<str>),
    Float(Arc<str>),
    /// The decoded string value.
    String(Arc<str>),
    Bool(bool),
    Null,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Neq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Lte => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Gte => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "^",
        }
    }
}

/// A chain `a.b.c` as upstream's reference finder sees it: the identifiers
/// of a maximal access chain, cut at indexing and calls.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Traversal {
    pub names: Vec<Arc<str>>,
    /// The whole chain.
    pub node: NodeId,
    /// The first identifier.
    pub first: NodeId,
    /// Whether the chain is the callee of a call (`sys.env(...)`).
    pub called: bool,
}

impl Traversal {
    pub fn joined(&self) -> String {
        self.names.join(".")
    }
}

//! Evaluated bodies: what a component or block receives.
//!
//! A [`BodyValue`] keeps the attributes and nested blocks of a body in
//! source order, each attribute with its value and a handle on the
//! expression that produced it. Components read typed arguments with
//! [`BodyValue::get`] and friends; when a value does not fit, the error
//! names the expression in the file exactly as upstream's would, because
//! the handle lets the conversion error be walked back into the syntax
//! tree. Handles are green nodes (shared, immutable, `Send`), so a
//! `BodyValue` can move to the thread that runs the component.

use alloy_syntax::ast::{AstNode, Block, Expr, Stmt};
use alloy_syntax::{GreenNode, SyntaxNode, TextRange, TextSize};

use super::error::{BlockError, ErrorKind, EvalError};
use super::expr::{Evaluator, MAX_EVAL_DEPTH};
use super::Scope;
use crate::value::{FromValue, Object, Value, ValueError};

/// Where a value came from: the expression's subtree and its offset in
/// the file.
#[derive(Clone, Debug)]
pub struct ExprOrigin {
    green: GreenNode,
    offset: TextSize,
}

impl ExprOrigin {
    pub fn of(expr: &Expr) -> ExprOrigin {
        ExprOrigin {
            green: expr.syntax().green().to_owned(),
            offset: expr.syntax().text_range().start(),
        }
    }

    /// The expression's byte range in the file.
    pub fn range(&self) -> TextRange {
        TextRange::at(self.offset, self.green.text_len())
    }

    /// The expression, re-rooted: its own offsets start at zero; add
    /// [`ExprOrigin::offset`] for file positions.
    pub fn expr(&self) -> Option<Expr> {
        Expr::cast(SyntaxNode::new_root(self.green.clone()))
    }

    pub fn offset(&self) -> TextSize {
        self.offset
    }

    /// Re-evaluates the expression in another scope.
    pub fn evaluate(&self, scope: &Scope) -> Result<Value, EvalError> {
        match self.expr() {
            Some(expr) => Evaluator::new(scope, self.offset).eval(&expr),
            None => Err(EvalError::new(ErrorKind::Incomplete, Some(self.range()))),
        }
    }

    /// A diagnostic for a conversion error about this expression's value.
    pub fn error(&self, error: &ValueError) -> EvalError {
        match self.expr() {
            Some(expr) => EvalError::from_value_error(&expr, self.offset, error),
            None => EvalError::new(ErrorKind::Value(error.kind().clone()), Some(self.range())),
        }
    }
}

/// An evaluated attribute.
#[derive(Clone, Debug)]
pub struct AttributeValue {
    pub name: String,
    pub value: Value,
    /// The whole statement, `name = value`.
    pub range: TextRange,
    origin: ExprOrigin,
}

impl AttributeValue {
    /// The expression the value came from.
    pub fn origin(&self) -> &ExprOrigin {
        &self.origin
    }

    /// Converts the value, reporting failures against the expression.
    pub fn decode<T: FromValue>(&self) -> Result<T, EvalError> {
        T::from_value(&self.value).map_err(|e| self.origin.error(&e))
    }
}

/// An evaluated nested block.
#[derive(Clone, Debug)]
pub struct BlockValue {
    /// The dotted name, e.g. `stage.json`.
    pub name: String,
    /// The label; `None` when absent or `""`.
    pub label: Option<String>,
    /// The whole block statement.
    pub range: TextRange,
    /// The evaluated body; empty when [`BlockValue::is_evaluated`] is false.
    pub body: BodyValue,
    evaluated: bool,
    green: GreenNode,
    offset: TextSize,
}

impl BlockValue {
    /// False for blocks whose body holds module statements (a `foreach`
    /// `template`), which are instantiated by the controller rather than
    /// evaluated as arguments.
    pub fn is_evaluated(&self) -> bool {
        self.evaluated
    }

    /// The block's syntax, re-rooted (offsets relative to
    /// [`BlockValue::offset`]).
    pub fn syntax(&self) -> Option<Block> {
        Block::cast(SyntaxNode::new_root(self.green.clone()))
    }

    pub fn offset(&self) -> TextSize {
        self.offset
    }
}

/// One statement of an evaluated body.
#[derive(Clone, Debug)]
pub enum BodyItem {
    Attribute(AttributeValue),
    Block(BlockValue),
}

/// An evaluated body: attributes and blocks in source order.
#[derive(Clone, Debug, Default)]
pub struct BodyValue {
    items: Vec<BodyItem>,
}

impl BodyValue {
    pub fn items(&self) -> &[BodyItem] {
        &self.items
    }

    pub fn attributes(&self) -> impl Iterator<Item = &AttributeValue> {
        self.items.iter().filter_map(|item| match item {
            BodyItem::Attribute(a) => Some(a),
            BodyItem::Block(_) => None,
        })
    }

    pub fn blocks(&self) -> impl Iterator<Item = &BlockValue> {
        self.items.iter().filter_map(|item| match item {
            BodyItem::Block(b) => Some(b),
            BodyItem::Attribute(_) => None,
        })
    }

    /// The attribute called `name` (the last one if repeated, which only
    /// a schema-less body allows).
    pub fn attribute(&self, name: &str) -> Option<&AttributeValue> {
        self.attributes().filter(|a| a.name == name).last()
    }

    /// The attribute's value converted to `T`, `None` when absent.
    pub fn get<T: FromValue>(&self, name: &str) -> Result<Option<T>, EvalError> {
        self.attribute(name).map(AttributeValue::decode).transpose()
    }

    /// The attribute's value, or `default` when absent.
    pub fn get_or<T: FromValue>(&self, name: &str, default: T) -> Result<T, EvalError> {
        Ok(self.get(name)?.unwrap_or(default))
    }

    /// The attribute's value; absent is upstream's `missing required
    /// attribute` (schema decoding already reports that).
    pub fn require<T: FromValue>(&self, name: &str) -> Result<T, EvalError> {
        self.get(name)?.ok_or_else(|| {
            EvalError::new(
                ErrorKind::Block(BlockError::MissingAttribute(name.to_owned())),
                None,
            )
        })
    }

    /// Blocks called `name`, in order.
    pub fn blocks_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a BlockValue> {
        self.blocks().filter(move |b| b.name == name)
    }

    /// The first block called `name`.
    pub fn block(&self, name: &str) -> Option<&BlockValue> {
        self.blocks().find(|b| b.name == name)
    }

    /// The body as one object, for display and debugging: attributes by
    /// name, a block as an object of its body, a repeated block as an
    /// array of them. Labels are not included.
    pub fn to_value(&self) -> Value {
        let mut object = Object::new();
        let mut blocks: indexmap::IndexMap<&str, Vec<Value>> = indexmap::IndexMap::new();
        for item in &self.items {
            match item {
                BodyItem::Attribute(a) => {
                    object.insert(a.name.clone(), a.value.clone());
                }
                BodyItem::Block(b) => blocks.entry(&b.name).or_default().push(b.body.to_value()),
            }
        }
        for (name, mut bodies) in blocks {
            let value = match bodies.len() {
                1 => bodies.pop().unwrap_or_default(),
                _ => Value::array(bodies),
            };
            object.insert(name, value);
        }
        Value::object(object)
    }

    pub(crate) fn push(&mut self, item: BodyItem) {
        self.items.push(item);
    }
}

pub(crate) fn attribute_value(
    attr: &alloy_syntax::ast::Attribute,
    name: String,
    value: Value,
    expr: &Expr,
) -> AttributeValue {
    AttributeValue {
        name,
        value,
        range: attr.syntax().text_range(),
        origin: ExprOrigin::of(expr),
    }
}

pub(crate) fn block_value(
    block: &Block,
    label: Option<String>,
    body: BodyValue,
    evaluated: bool,
) -> BlockValue {
    BlockValue {
        name: block.name(),
        label,
        range: block.syntax().text_range(),
        body,
        evaluated,
        green: block.syntax().green().to_owned(),
        offset: block.syntax().text_range().start(),
    }
}

/// Evaluates a body without a schema: every attribute is evaluated and
/// every nested block recursively, nothing is checked. The first error
/// stops evaluation, as upstream.
pub fn evaluate_body(
    stmts: impl IntoIterator<Item = Stmt>,
    scope: &Scope,
) -> Result<BodyValue, EvalError> {
    evaluate_body_at(stmts, scope, 0)
}

fn evaluate_body_at(
    stmts: impl IntoIterator<Item = Stmt>,
    scope: &Scope,
    depth: usize,
) -> Result<BodyValue, EvalError> {
    let mut body = BodyValue::default();
    for stmt in stmts {
        match stmt {
            Stmt::Attribute(attr) => {
                let (Some(name), Some(expr)) = (attr.name(), attr.value()) else {
                    return Err(EvalError::new(
                        ErrorKind::Incomplete,
                        Some(attr.syntax().text_range()),
                    ));
                };
                let value = Evaluator::new(scope, TextSize::from(0)).eval(&expr)?;
                body.push(BodyItem::Attribute(attribute_value(
                    &attr,
                    name.text().to_owned(),
                    value,
                    &expr,
                )));
            }
            Stmt::Block(block) => {
                if depth >= MAX_EVAL_DEPTH {
                    return Err(EvalError::new(
                        ErrorKind::TooDeep,
                        Some(block.syntax().text_range()),
                    ));
                }
                let inner = evaluate_body_at(block.statements(), scope, depth + 1)?;
                body.push(BodyItem::Block(block_value(
                    &block,
                    block.label(),
                    inner,
                    true,
                )));
            }
        }
    }
    Ok(body)
}

/// Evaluates a block into a flat object, as upstream does when decoding a
/// block into a map: a label is rejected with `block "x" requires empty
/// label` and nested blocks with `nested blocks not supported here`.
pub fn evaluate_block_to_object(block: &Block, scope: &Scope) -> Result<Object, EvalError> {
    if block.label().is_some() {
        return Err(EvalError::new(
            ErrorKind::Block(BlockError::LabelMustBeEmpty(block.name())),
            Some(header_range(block)),
        ));
    }
    evaluate_body_to_object(block.statements(), scope)
}

/// From the block's name to its `{`, where upstream reports label errors.
pub(crate) fn header_range(block: &Block) -> TextRange {
    let range = block.syntax().text_range();
    match block.l_curly() {
        Some(curly) => TextRange::new(range.start(), curly.text_range().end()),
        None => range,
    }
}

/// Evaluates a body into a flat object (see [`evaluate_block_to_object`]).
pub fn evaluate_body_to_object(
    stmts: impl IntoIterator<Item = Stmt>,
    scope: &Scope,
) -> Result<Object, EvalError> {
    let mut object = Object::new();
    for stmt in stmts {
        match stmt {
            Stmt::Attribute(attr) => {
                let (Some(name), Some(expr)) = (attr.name(), attr.value()) else {
                    return Err(EvalError::new(
                        ErrorKind::Incomplete,
                        Some(attr.syntax().text_range()),
                    ));
                };
                let value = Evaluator::new(scope, TextSize::from(0)).eval(&expr)?;
                object.insert(name.text(), value);
            }
            Stmt::Block(block) => {
                return Err(EvalError::new(
                    ErrorKind::Block(BlockError::NestedBlocks),
                    Some(block.syntax().text_range()),
                ))
            }
        }
    }
    Ok(object)
}

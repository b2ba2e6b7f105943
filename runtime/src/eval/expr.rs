//! The expression evaluator: one method per expression form, errors
//! attached to the node they are about.
//!
//! Recursion follows the tree, so it is bounded: left-leaning chains of
//! binary operators (`a + b + c + ...`, which the parser builds without
//! nesting limits) are walked iteratively, and anything else deeper than
//! [`MAX_EVAL_DEPTH`] is an error rather than a stack overflow, even on the
//! 2 MiB stacks of async worker threads.

use alloy_syntax::ast::{
    AccessExpr, AstNode, BinaryExpr, CallExpr, Expr, IndexExpr, ObjectExpr, UnaryExpr,
};
use alloy_syntax::{TextRange, TextSize};

use super::error::{ErrorKind, EvalError};
use super::literal::literal_value;
use super::ops::{self, BinaryOp, Side, UnaryOp};
use super::Scope;
use crate::value::{CallError, Object, Type, Value, ValueErrorKind};

/// How deep nested expressions may go. The parser already stops at 256
/// levels of brackets; this leaves room above that and stays far below
/// what a small thread stack holds.
pub const MAX_EVAL_DEPTH: usize = 512;

pub(crate) struct Evaluator<'s> {
    scope: &'s Scope,
    depth: usize,
    /// Added to tree offsets: non-zero when evaluating a subtree that was
    /// re-rooted from a stored origin.
    base: TextSize,
}

impl<'s> Evaluator<'s> {
    pub(crate) fn new(scope: &'s Scope, base: TextSize) -> Evaluator<'s> {
        Evaluator {
            scope,
            depth: 0,
            base,
        }
    }

    fn range(&self, expr: &impl AstNode) -> TextRange {
        expr.syntax().text_range() + self.base
    }

    fn incomplete(&self, node: &impl AstNode) -> EvalError {
        EvalError::new(ErrorKind::Incomplete, Some(self.range(node)))
    }

    pub(crate) fn eval(&mut self, expr: &Expr) -> Result<Value, EvalError> {
        if self.depth >= MAX_EVAL_DEPTH {
            return Err(EvalError::new(ErrorKind::TooDeep, Some(self.range(expr))));
        }
        self.depth += 1;
        let result = self.eval_inner(expr);
        self.depth -= 1;
        result
    }

    fn eval_inner(&mut self, expr: &Expr) -> Result<Value, EvalError> {
        match expr {
            Expr::Literal(literal) => {
                literal_value(literal).map_err(|kind| EvalError::new(kind, Some(self.range(expr))))
            }
            Expr::Ident(ident) => {
                let token = ident.ident().ok_or_else(|| self.incomplete(ident))?;
                let name = token.text();
                self.scope.lookup(name).ok_or_else(|| {
                    EvalError::new(
                        ErrorKind::UnknownIdentifier(name.to_owned()),
                        Some(self.range(ident)),
                    )
                })
            }
            Expr::Access(_) | Expr::Index(_) | Expr::Call(_) => self.postfix_chain(expr),
            Expr::Unary(unary) => self.unary(unary),
            Expr::Binary(binary) => self.binary(binary),
            Expr::Paren(paren) => {
                let inner = paren.inner().ok_or_else(|| self.incomplete(paren))?;
                self.eval(&inner)
            }
            Expr::Array(array) => {
                let items = array
                    .elements()
                    .map(|element| self.eval(&element))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Value::array(items))
            }
            Expr::Object(object) => self.object(object),
        }
    }

    fn object(&mut self, object: &ObjectExpr) -> Result<Value, EvalError> {
        let mut fields = Object::new();
        for field in object.fields() {
            let (Some(name), Some(value)) = (field.name(), field.value()) else {
                return Err(self.incomplete(&field));
            };
            let value = self.eval(&value)?;
            fields.insert(name, value);
        }
        Ok(Value::object(fields))
    }

    /// Evaluates a chain of accesses, indexes and calls (`a.b[0].c(1)`)
    /// iteratively: such chains nest to the left without limit.
    fn postfix_chain(&mut self, expr: &Expr) -> Result<Value, EvalError> {
        let mut chain = Vec::new();
        let mut base = expr.clone();
        loop {
            let next = match &base {
                Expr::Access(access) => access.value(),
                Expr::Index(index) => index.value(),
                Expr::Call(call) => call.callee(),
                _ => break,
            };
            let next =
                next.ok_or_else(|| EvalError::new(ErrorKind::Incomplete, Some(self.range(&base))))?;
            chain.push(base);
            base = next;
        }
        let mut value = self.eval(&base)?;
        let mut target = base;
        for node in chain.into_iter().rev() {
            value = match &node {
                Expr::Access(access) => self.access(access, value, &target)?,
                Expr::Index(index) => self.index(index, value, &target)?,
                Expr::Call(call) => self.call(call, value, &target)?,
                _ => value,
            };
            target = node;
        }
        Ok(value)
    }

    /// `target.name`, with `value` the target's value.
    fn access(
        &mut self,
        access: &AccessExpr,
        value: Value,
        target: &Expr,
    ) -> Result<Value, EvalError> {
        let Some(name) = access.name() else {
            return Err(self.incomplete(access));
        };
        let field = name.text();
        let missing = || {
            EvalError::new(
                ErrorKind::MissingField(field.to_owned()),
                Some(name.text_range() + self.base),
            )
        };
        match &value {
            Value::Object(object) => object.get(field).cloned().ok_or_else(missing),
            Value::Capsule(capsule) => match capsule.to_object() {
                Some(object) => object.get(field).cloned().ok_or_else(missing),
                None => Err(self.about(target, ErrorKind::NotIndexable(Type::Capsule))),
            },
            other => Err(self.about(
                target,
                ErrorKind::CannotAccessField {
                    name: field.to_owned(),
                    ty: other.ty(),
                },
            )),
        }
    }

    /// `target[key]`, with `value` the target's value.
    fn index(
        &mut self,
        index: &IndexExpr,
        value: Value,
        target: &Expr,
    ) -> Result<Value, EvalError> {
        let Some(index_expr) = index.index() else {
            return Err(self.incomplete(index));
        };
        let key = self.eval(&index_expr)?;
        let type_error = |expected| {
            ErrorKind::Value(ValueErrorKind::Type {
                expected,
                actual: key.ty(),
            })
        };
        match &value {
            Value::Array(items) => {
                let Value::Number(n) = &key else {
                    return Err(self.about(&index_expr, type_error(Type::Number)));
                };
                let i = n.as_i64();
                usize::try_from(i)
                    .ok()
                    .and_then(|i| items.get(i))
                    .cloned()
                    .ok_or_else(|| {
                        self.about(
                            &index_expr,
                            ErrorKind::IndexOutOfRange {
                                index: i,
                                len: items.len(),
                            },
                        )
                    })
            }
            Value::Object(object) => match &key {
                // A missing key read with `[]` is null, not an error.
                Value::String(k) => Ok(object.get(k).cloned().unwrap_or_default()),
                _ => Err(self.about(&index_expr, type_error(Type::String))),
            },
            Value::Capsule(capsule) => match capsule.to_object() {
                Some(object) => match &key {
                    Value::String(k) => Ok(object.get(k).cloned().unwrap_or_default()),
                    _ => Err(self.about(&index_expr, type_error(Type::String))),
                },
                None => Err(self.about(target, ErrorKind::NotIndexable(Type::Capsule))),
            },
            other => Err(self.about(target, ErrorKind::NotIndexable(other.ty()))),
        }
    }

    /// `callee(args)`, with `function` the callee's value.
    fn call(
        &mut self,
        call: &CallExpr,
        function: Value,
        callee: &Expr,
    ) -> Result<Value, EvalError> {
        let Value::Function(function) = function else {
            return Err(self.about(
                callee,
                ErrorKind::Value(ValueErrorKind::Type {
                    expected: Type::Function,
                    actual: function.ty(),
                }),
            ));
        };
        let arg_exprs: Vec<Expr> = call.args().collect();
        let args = arg_exprs
            .iter()
            .map(|arg| self.eval(arg))
            .collect::<Result<Vec<_>, _>>()?;
        function.call(&args).map_err(|error| match error {
            CallError::Arity {
                expected,
                at_least,
                got,
            } => self.about(
                callee,
                ErrorKind::Arity {
                    expected,
                    at_least,
                    got,
                },
            ),
            CallError::Arg { index, error } => match arg_exprs.get(index) {
                Some(arg) => EvalError::from_value_error(arg, self.base, &error),
                None => self.about(callee, ErrorKind::Value(error.kind().clone())),
            },
            CallError::ArgMessage { index, message } => {
                let target = arg_exprs.get(index).unwrap_or(callee);
                self.about(target, ErrorKind::Function(message))
            }
            CallError::Failed(message) => self.about(callee, ErrorKind::Function(message)),
            CallError::Bare(message) => {
                EvalError::new(ErrorKind::Function(message), Some(self.range(call)))
            }
        })
    }

    fn unary(&mut self, unary: &UnaryExpr) -> Result<Value, EvalError> {
        let (Some(op), Some(operand)) = (
            unary.op().and_then(|t| UnaryOp::from_kind(t.kind())),
            unary.operand(),
        ) else {
            return Err(self.incomplete(unary));
        };
        let value = self.eval(&operand)?;
        ops::unary(op, &value).map_err(|kind| self.about(&operand, kind))
    }

    /// Evaluates the left spine of a chain of binary operators iteratively.
    fn binary(&mut self, binary: &BinaryExpr) -> Result<Value, EvalError> {
        let mut spine = vec![binary.clone()];
        let mut leftmost = binary.lhs().ok_or_else(|| self.incomplete(binary))?;
        while let Expr::Binary(inner) = &leftmost {
            spine.push(inner.clone());
            let next = inner.lhs().ok_or_else(|| self.incomplete(inner))?;
            leftmost = next;
        }
        let mut acc = self.eval(&leftmost)?;
        let mut acc_expr = leftmost;
        for node in spine.iter().rev() {
            let (Some(op), Some(rhs_expr)) = (
                node.op().and_then(|t| BinaryOp::from_kind(t.kind())),
                node.rhs(),
            ) else {
                return Err(self.incomplete(node));
            };
            // `&&` and `||` evaluate both sides, as upstream.
            let rhs = self.eval(&rhs_expr)?;
            acc = ops::binary(&acc, op, &rhs).map_err(|error| {
                let target = match error.side {
                    Side::Lhs => &acc_expr,
                    Side::Rhs => &rhs_expr,
                };
                self.about(target, error.kind)
            })?;
            acc_expr = Expr::Binary(node.clone());
        }
        Ok(acc)
    }

    fn about(&self, expr: &Expr, kind: ErrorKind) -> EvalError {
        EvalError::about(expr, self.base, kind)
    }
}

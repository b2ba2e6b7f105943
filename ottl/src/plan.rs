//! Compiled statements: what the parser's tree becomes once paths are
//! resolved to fields, enums to integers, functions to their
//! implementations and every argument checked. Running a plan never looks
//! at text again.

use std::borrow::Cow;

use crate::ast::{CmpOp, MathOp};
use crate::context::{Context, Field};
use crate::funcs::{CallCtx, FuncSpec};
use crate::path::{KeyVal, TransformContext};
use crate::value::{compare, Value};

/// A runtime failure, with the statement it happened in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecError {
    pub message: String,
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for ExecError {}

pub type ExecResult<T> = Result<T, String>;

#[derive(Debug, Clone)]
pub enum KeyGetter {
    Lit(KeyVal),
    Expr(Getter),
}

#[derive(Debug, Clone)]
pub struct PathRef {
    pub field: Field,
    pub keys: Vec<KeyGetter>,
    /// `keys` when all are literals, so the common case allocates nothing.
    pub(crate) literal_keys: Option<Vec<KeyVal>>,
}

impl PathRef {
    pub fn new(field: Field, keys: Vec<KeyGetter>) -> Self {
        let literal_keys = keys
            .iter()
            .map(|k| match k {
                KeyGetter::Lit(k) => Some(k.clone()),
                KeyGetter::Expr(_) => None,
            })
            .collect();
        PathRef {
            field,
            keys,
            literal_keys,
        }
    }

    fn resolve_keys(&self, ctx: &TransformContext<'_>) -> ExecResult<Cow<'_, [KeyVal]>> {
        if let Some(k) = &self.literal_keys {
            return Ok(Cow::Borrowed(k));
        }
        self.keys
            .iter()
            .map(|k| match k {
                KeyGetter::Lit(k) => Ok(k.clone()),
                KeyGetter::Expr(g) => Ok(match g.eval(ctx)? {
                    Value::Str(s) => KeyVal::Str(s),
                    Value::Int(i) => KeyVal::Int(i),
                    other => KeyVal::Other(other.type_name()),
                }),
            })
            .collect::<ExecResult<Vec<_>>>()
            .map(Cow::Owned)
    }

    pub fn get(&self, ctx: &TransformContext<'_>) -> ExecResult<Value> {
        let keys = self.resolve_keys(ctx)?;
        ctx.get(self.field, &keys)
    }

    pub fn set(&self, ctx: &mut TransformContext<'_>, v: Value) -> ExecResult<()> {
        let keys = self.resolve_keys(ctx)?.into_owned();
        ctx.set(self.field, &keys, v)
    }
}

#[derive(Debug, Clone)]
pub struct ConverterCall {
    pub func: &'static FuncSpec,
    pub args: Vec<ArgPlan>,
    pub keys: Vec<KeyGetter>,
}

/// One parameter's compiled argument, in declaration order.
#[derive(Debug, Clone)]
pub enum ArgPlan {
    Absent,
    Getter(Getter),
    /// A setter parameter: the path to write.
    Path(PathRef),
    Func(&'static FuncSpec),
    List(Vec<Getter>),
}

#[derive(Debug, Clone)]
pub enum Getter {
    Lit(Value),
    Path(PathRef),
    Call(Box<ConverterCall>),
    List(Vec<Getter>),
    Map(Vec<(String, Getter)>),
    Math(Box<Getter>, MathOp, Box<Getter>),
    Neg(Box<Getter>),
}

impl Getter {
    pub fn eval(&self, ctx: &TransformContext<'_>) -> ExecResult<Value> {
        match self {
            Getter::Lit(v) => Ok(v.clone()),
            Getter::Path(p) => p.get(ctx),
            Getter::Call(c) => {
                let mut cc = CallCtx::read(ctx, &c.args);
                let v = (c.func.imp)(&mut cc)?;
                if c.keys.is_empty() {
                    return Ok(v);
                }
                let mut keys = Vec::with_capacity(c.keys.len());
                for k in &c.keys {
                    keys.push(match k {
                        KeyGetter::Lit(k) => k.clone(),
                        KeyGetter::Expr(g) => match g.eval(ctx)? {
                            Value::Str(s) => KeyVal::Str(s),
                            Value::Int(i) => KeyVal::Int(i),
                            other => KeyVal::Other(other.type_name()),
                        },
                    });
                }
                crate::path::index_value(&v, &keys)
            }
            Getter::List(items) => Ok(Value::List(
                items
                    .iter()
                    .map(|g| g.eval(ctx))
                    .collect::<ExecResult<_>>()?,
            )),
            Getter::Map(items) => Ok(Value::Map(
                items
                    .iter()
                    .map(|(k, g)| Ok((k.clone(), g.eval(ctx)?)))
                    .collect::<ExecResult<_>>()?,
            )),
            Getter::Math(l, op, r) => math(l.eval(ctx)?, *op, r.eval(ctx)?),
            Getter::Neg(g) => match g.eval(ctx)? {
                Value::Int(i) => Ok(Value::Int(i.wrapping_neg())),
                Value::Float(f) => Ok(Value::Float(-f)),
                other => Err(format!(
                    "unsupported type for unary minus: {}",
                    other.type_name()
                )),
            },
        }
    }
}

/// Upstream's math: int∘int stays int (Go truncating division), a float on
/// either side promotes, and times/durations combine as Go's time package does.
pub fn math(l: Value, op: MathOp, r: Value) -> ExecResult<Value> {
    use MathOp::*;
    use Value::*;
    Ok(match (l, r) {
        (Int(a), Int(b)) => Int(match op {
            Add => a.wrapping_add(b),
            Sub => a.wrapping_sub(b),
            Mul => a.wrapping_mul(b),
            Div => {
                if b == 0 {
                    return Err("attempted to divide by 0".into());
                }
                a.wrapping_div(b)
            }
        }),
        (Int(a), Float(b)) => float_op(a as f64, op, b)?,
        (Float(a), Int(b)) => float_op(a, op, b as f64)?,
        (Float(a), Float(b)) => float_op(a, op, b)?,
        (Time(a), Time(b)) if op == Sub => Duration(a - b),
        (Time(a), Duration(b)) if op == Add => Time(a + b),
        (Time(a), Duration(b)) if op == Sub => Time(a - b),
        (Duration(a), Time(b)) if op == Add => Time(a + b),
        (Duration(a), Duration(b)) if op == Add => Duration(a + b),
        (Duration(a), Duration(b)) if op == Sub => Duration(a - b),
        (l, r) => {
            return Err(format!(
                "unsupported math operation between {} and {}",
                l.type_name(),
                r.type_name()
            ))
        }
    })
}

fn float_op(a: f64, op: MathOp, b: f64) -> ExecResult<Value> {
    Ok(Value::Float(match op {
        MathOp::Add => a + b,
        MathOp::Sub => a - b,
        MathOp::Mul => a * b,
        MathOp::Div => {
            if b == 0.0 {
                return Err("attempted to divide by 0".into());
            }
            a / b
        }
    }))
}

#[derive(Debug, Clone)]
pub enum Cond {
    Or(Vec<Cond>),
    And(Vec<Cond>),
    Not(Box<Cond>),
    Cmp(Getter, CmpOp, Getter),
    Const(bool),
    Call(Getter),
}

impl Cond {
    pub fn eval(&self, ctx: &TransformContext<'_>) -> ExecResult<bool> {
        match self {
            Cond::Const(b) => Ok(*b),
            Cond::Not(c) => Ok(!c.eval(ctx)?),
            Cond::And(cs) => {
                for c in cs {
                    if !c.eval(ctx)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Cond::Or(cs) => {
                for c in cs {
                    if c.eval(ctx)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Cond::Cmp(l, op, r) => Ok(compare(&l.eval(ctx)?, *op, &r.eval(ctx)?)),
            Cond::Call(g) => match g.eval(ctx)? {
                Value::Bool(b) => Ok(b),
                other => Err(format!(
                    "value returned from converter is not a bool: {}",
                    other.type_name()
                )),
            },
        }
    }
}

/// One compiled statement.
#[derive(Debug, Clone)]
pub struct CompiledStatement {
    pub text: String,
    pub context: Context,
    pub editor: &'static FuncSpec,
    pub args: Vec<ArgPlan>,
    pub condition: Option<Cond>,
}

impl CompiledStatement {
    /// Runs the statement: evaluates the condition, then the editor.
    /// Returns whether the editor ran.
    pub fn execute(&self, ctx: &mut TransformContext<'_>) -> Result<bool, ExecError> {
        let run = match &self.condition {
            None => true,
            Some(c) => c.eval(ctx).map_err(|m| self.error(m))?,
        };
        if run {
            let mut cc = CallCtx::write(ctx, &self.args);
            (self.editor.imp)(&mut cc).map_err(|m| self.error(m))?;
        }
        Ok(run)
    }

    fn error(&self, m: String) -> ExecError {
        ExecError {
            message: format!("failed to execute statement: {}, {m}", self.text),
        }
    }
}

/// A compiled condition (filter processor, `where`-only uses, samplers).
#[derive(Debug, Clone)]
pub struct CompiledCondition {
    pub text: String,
    pub context: Context,
    pub cond: Cond,
}

impl CompiledCondition {
    pub fn eval(&self, ctx: &TransformContext<'_>) -> Result<bool, ExecError> {
        self.cond.eval(ctx).map_err(|m| ExecError {
            message: format!("failed to eval condition: {}, {m}", self.text),
        })
    }
}

/// A compiled value expression.
#[derive(Debug, Clone)]
pub struct CompiledValue {
    pub context: Context,
    pub getter: Getter,
}

impl CompiledValue {
    pub fn eval(&self, ctx: &TransformContext<'_>) -> Result<Value, ExecError> {
        self.getter
            .eval(ctx)
            .map_err(|message| ExecError { message })
    }
}

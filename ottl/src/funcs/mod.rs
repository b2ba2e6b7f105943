//! The function library: parameter kinds (how arguments are checked at
//! compile time and converted at run time), the table of every standard
//! function, and the argument access the implementations use.

mod converters;
mod editors;
mod encoding;
mod table;
pub mod time;

pub use table::FUNCTIONS;

use crate::path::TransformContext;
use crate::plan::{ArgPlan, ExecResult};
use crate::value::Value;

/// Upstream's parameter kinds (`functions.json` `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Setter,
    GetSetter,
    Getter,
    PMapGetter,
    PMapGetSetter,
    PSliceGetter,
    PSliceGetSetter,
    StringGetter,
    StringLikeGetter,
    IntGetter,
    IntLikeGetter,
    FloatGetter,
    FloatLikeGetter,
    BoolGetter,
    BoolLikeGetter,
    ByteSliceLikeGetter,
    TimeGetter,
    DurationGetter,
    FunctionGetter,
    /// Plain Go `string`: must be a literal.
    StrLit,
    IntLit,
    BoolLit,
    /// `[]T`: a list literal of T.
    Slice(&'static Kind),
}

impl Kind {
    pub fn is_setter(self) -> bool {
        matches!(
            self,
            Kind::Setter | Kind::GetSetter | Kind::PMapGetSetter | Kind::PSliceGetSetter
        )
    }
    pub fn is_literal(self) -> bool {
        matches!(self, Kind::StrLit | Kind::IntLit | Kind::BoolLit)
    }
    pub fn describe(self) -> String {
        match self {
            Kind::Setter => "a path to set".into(),
            Kind::GetSetter => "a path".into(),
            Kind::PMapGetSetter => "a map path".into(),
            Kind::PSliceGetSetter => "a slice path".into(),
            Kind::Getter => "any value".into(),
            Kind::PMapGetter => "a map".into(),
            Kind::PSliceGetter => "a slice".into(),
            Kind::StringGetter => "a string".into(),
            Kind::StringLikeGetter => "a value convertible to string".into(),
            Kind::IntGetter => "an int".into(),
            Kind::IntLikeGetter => "a value convertible to int".into(),
            Kind::FloatGetter => "a float".into(),
            Kind::FloatLikeGetter => "a value convertible to float".into(),
            Kind::BoolGetter => "a bool".into(),
            Kind::BoolLikeGetter => "a value convertible to bool".into(),
            Kind::ByteSliceLikeGetter => "bytes".into(),
            Kind::TimeGetter => "a time".into(),
            Kind::DurationGetter => "a duration".into(),
            Kind::FunctionGetter => "a converter name".into(),
            Kind::StrLit => "a string literal".into(),
            Kind::IntLit => "an int literal".into(),
            Kind::BoolLit => "a bool literal".into(),
            Kind::Slice(k) => format!("a list of {}", k.describe()),
        }
    }
}

#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub go_field: &'static str,
    pub kind: Kind,
    pub optional: bool,
}

pub type Impl = fn(&mut CallCtx<'_, '_>) -> ExecResult<Value>;

pub struct FuncSpec {
    pub name: &'static str,
    pub editor: bool,
    /// False for `IsRootSpan`, which upstream registers only for spans.
    pub standard: bool,
    pub params: &'static [Param],
    pub signature: &'static str,
    pub doc: &'static str,
    pub imp: Impl,
}

impl std::fmt::Debug for FuncSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

pub fn lookup(name: &str) -> Option<&'static FuncSpec> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// Functions in the table that this implementation does not run yet; the
/// compiler refuses them by name instead of failing at run time.
pub const NOT_IMPLEMENTED: &[&str] = &[
    "ConvertAttributesToElementsXML",
    "ConvertTextToElementsXML",
    "GetXML",
    "InsertXML",
    "ParseXML",
    "ParseSimplifiedXML",
    "RemoveXML",
    "ExtractGrokPatterns",
    "UserAgent",
    "XXH3",
    "XXH128",
    "Murmur3Hash128",
];

/// Functions of upstream's transform processor outside the common library
/// (metric conversions and aggregations, span name semantics): valid in a
/// config, not run here yet.
pub const PROCESSOR_FUNCTIONS: &[&str] = &[
    "aggregate_on_attribute_value",
    "aggregate_on_attributes",
    "convert_exponential_histogram_to_histogram",
    "convert_gauge_to_sum",
    "convert_sum_to_gauge",
    "convert_summary_count_val_to_sum",
    "convert_summary_quantile_val_to_gauge",
    "convert_summary_sum_val_to_sum",
    "copy_metric",
    "extract_count_metric",
    "extract_sum_metric",
    "merge_histogram_buckets",
    "scale_metric",
    "set_semconv_span_name",
];

pub fn is_implemented(f: &FuncSpec) -> bool {
    !NOT_IMPLEMENTED.contains(&f.name)
}

enum Ctx<'c, 'a> {
    Read(&'c TransformContext<'a>),
    Write(&'c mut TransformContext<'a>),
}

/// What an implementation sees: its compiled arguments and the item.
pub struct CallCtx<'c, 'a> {
    ctx: Ctx<'c, 'a>,
    args: &'c [ArgPlan],
}

fn expected(what: &str, v: &Value) -> String {
    format!("expected {what} but got {}", v.type_name())
}

impl<'c, 'a> CallCtx<'c, 'a> {
    pub(crate) fn read(ctx: &'c TransformContext<'a>, args: &'c [ArgPlan]) -> Self {
        CallCtx {
            ctx: Ctx::Read(ctx),
            args,
        }
    }
    pub(crate) fn write(ctx: &'c mut TransformContext<'a>, args: &'c [ArgPlan]) -> Self {
        CallCtx {
            ctx: Ctx::Write(ctx),
            args,
        }
    }

    fn tctx(&self) -> &TransformContext<'a> {
        match &self.ctx {
            Ctx::Read(c) => c,
            Ctx::Write(c) => c,
        }
    }

    pub fn transform_context(&self) -> &TransformContext<'a> {
        self.tctx()
    }

    pub fn has(&self, i: usize) -> bool {
        !matches!(self.args.get(i), None | Some(ArgPlan::Absent))
    }

    /// The raw value of argument `i` (nil when absent).
    pub fn get(&self, i: usize) -> ExecResult<Value> {
        match self.args.get(i) {
            None | Some(ArgPlan::Absent) => Ok(Value::Nil),
            Some(ArgPlan::Getter(g)) => g.eval(self.tctx()),
            Some(ArgPlan::Path(p)) => p.get(self.tctx()),
            Some(ArgPlan::List(gs)) => Ok(Value::List(
                gs.iter()
                    .map(|g| g.eval(self.tctx()))
                    .collect::<ExecResult<_>>()?,
            )),
            Some(ArgPlan::Func(f)) => Err(format!("{} is a function, not a value", f.name)),
        }
    }

    /// The elements of a `[]T` argument.
    pub fn list(&self, i: usize) -> ExecResult<Vec<Value>> {
        match self.get(i)? {
            Value::List(l) => Ok(l),
            Value::Nil => Ok(Vec::new()),
            other => Err(expected("a list", &other)),
        }
    }

    pub fn func(&self, i: usize) -> Option<&'static FuncSpec> {
        match self.args.get(i) {
            Some(ArgPlan::Func(f)) => Some(f),
            _ => None,
        }
    }

    /// Writes the setter argument `i`.
    pub fn set(&mut self, i: usize, v: Value) -> ExecResult<()> {
        let Some(ArgPlan::Path(p)) = self.args.get(i) else {
            return Err("target is not a path".into());
        };
        match &mut self.ctx {
            Ctx::Write(c) => p.set(c, v),
            Ctx::Read(_) => Err("editors cannot run inside a value".into()),
        }
    }

    pub fn string(&self, i: usize) -> ExecResult<String> {
        match self.get(i)? {
            Value::Str(s) => Ok(s),
            other => Err(expected("string", &other)),
        }
    }
    pub fn opt_string(&self, i: usize) -> ExecResult<Option<String>> {
        if self.has(i) {
            self.string(i).map(Some)
        } else {
            Ok(None)
        }
    }
    /// StringLikeGetter: nil stays none, other scalars render.
    pub fn string_like(&self, i: usize) -> ExecResult<Option<String>> {
        Ok(self.get(i)?.to_display_string())
    }
    pub fn int(&self, i: usize) -> ExecResult<i64> {
        match self.get(i)? {
            Value::Int(n) => Ok(n),
            other => Err(expected("int64", &other)),
        }
    }
    pub fn opt_int(&self, i: usize) -> ExecResult<Option<i64>> {
        if self.has(i) {
            self.int(i).map(Some)
        } else {
            Ok(None)
        }
    }
    pub fn int_like(&self, i: usize) -> ExecResult<Option<i64>> {
        Ok(match self.get(i)? {
            Value::Nil => None,
            Value::Int(n) => Some(n),
            Value::Float(f) => Some(f as i64),
            Value::Bool(b) => Some(b as i64),
            Value::Str(s) => Some(
                s.trim()
                    .parse::<i64>()
                    .map_err(|e| format!("invalid int {s:?}: {e}"))?,
            ),
            other => return Err(format!("unsupported type: {}", other.type_name())),
        })
    }
    pub fn float(&self, i: usize) -> ExecResult<f64> {
        match self.get(i)? {
            Value::Float(f) => Ok(f),
            other => Err(expected("float64", &other)),
        }
    }
    pub fn float_like(&self, i: usize) -> ExecResult<Option<f64>> {
        Ok(match self.get(i)? {
            Value::Nil => None,
            Value::Int(n) => Some(n as f64),
            Value::Float(f) => Some(f),
            Value::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
            Value::Str(s) => Some(
                s.trim()
                    .parse::<f64>()
                    .map_err(|e| format!("invalid float {s:?}: {e}"))?,
            ),
            other => return Err(format!("unsupported type: {}", other.type_name())),
        })
    }
    pub fn boolean(&self, i: usize) -> ExecResult<bool> {
        match self.get(i)? {
            Value::Bool(b) => Ok(b),
            other => Err(expected("bool", &other)),
        }
    }
    pub fn bool_like(&self, i: usize) -> ExecResult<Option<bool>> {
        Ok(match self.get(i)? {
            Value::Nil => None,
            Value::Bool(b) => Some(b),
            Value::Int(n) => Some(n != 0),
            Value::Float(f) => Some(f != 0.0),
            Value::Str(s) => Some(parse_go_bool(&s)?),
            other => return Err(format!("unsupported type: {}", other.type_name())),
        })
    }
    pub fn bytes_like(&self, i: usize) -> ExecResult<Option<Vec<u8>>> {
        Ok(match self.get(i)? {
            Value::Nil => None,
            Value::Bytes(b) | Value::Id(b) => Some(b),
            Value::Str(s) => Some(s.into_bytes()),
            Value::Int(n) => Some(n.to_be_bytes().to_vec()),
            Value::Float(f) => Some(f.to_bits().to_be_bytes().to_vec()),
            Value::Bool(b) => Some(vec![b as u8]),
            other => return Err(format!("unsupported type: {}", other.type_name())),
        })
    }
    pub fn time(&self, i: usize) -> ExecResult<i64> {
        match self.get(i)? {
            Value::Time(t) => Ok(t),
            other => Err(expected("time", &other)),
        }
    }
    pub fn duration(&self, i: usize) -> ExecResult<i64> {
        match self.get(i)? {
            Value::Duration(d) => Ok(d),
            other => Err(expected("duration", &other)),
        }
    }
    pub fn map(&self, i: usize) -> ExecResult<Vec<(String, Value)>> {
        match self.get(i)? {
            Value::Map(m) => Ok(m),
            other => Err(expected("pcommon.Map", &other)),
        }
    }
    pub fn slice(&self, i: usize) -> ExecResult<Vec<Value>> {
        match self.get(i)? {
            Value::List(l) => Ok(l),
            other => Err(expected("pcommon.Slice", &other)),
        }
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(s: &str) -> ExecResult<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!("strconv.ParseBool: parsing {s:?}: invalid syntax")),
    }
}

/// Calls a converter passed by name (`FunctionGetter`) on one string.
pub fn call_with_string(f: &FuncSpec, s: String) -> ExecResult<String> {
    let args = [ArgPlan::Getter(crate::plan::Getter::Lit(Value::Str(s)))];
    let mut none = None;
    let tctx = TransformContext::new(&mut none, crate::path::Item::None);
    let mut cc = CallCtx::read(&tctx, &args);
    match (f.imp)(&mut cc)? {
        Value::Str(s) => Ok(s),
        other => other
            .to_display_string()
            .ok_or_else(|| "function returned nil".to_owned()),
    }
}

pub mod imp {
    pub use super::converters::*;
    pub use super::editors::*;
    pub use super::encoding::*;
    pub use super::time::imps::*;
}

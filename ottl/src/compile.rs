//! From syntax tree to plan: paths resolved against the context's table,
//! enums to integers, functions looked up and every argument checked
//! against its parameter kind. All problems are collected (not just the
//! first), each with its span and, for names, a did-you-mean.

use crate::ast::{self, Arg, BoolExpr, Call, Expr, ExprKind, Key};
use crate::context::{self, Context, Field, PathSpec, PathType};
use crate::diag::{did_you_mean, Diagnostic};
use crate::funcs::{self, FuncSpec, Kind};
use crate::path::KeyVal;
use crate::plan::{ArgPlan, Cond, ConverterCall, Getter, KeyGetter, PathRef};
use crate::value::Value;

pub struct Compiler {
    pub context: Context,
    pub errors: Vec<Diagnostic>,
}

/// Functions whose `pattern` argument is a glob, not a regex.
const GLOB_FUNCS: &[&str] = &["replace_match", "replace_all_matches"];

/// `header_delimiter` and `headerDelimiter` both name `HeaderDelimiter`.
pub fn camel(name: &str) -> String {
    let mut out = String::new();
    for part in name.split('_') {
        let mut cs = part.chars();
        if let Some(f) = cs.next() {
            out.extend(f.to_uppercase());
            out.push_str(cs.as_str());
        }
    }
    out
}

/// Every path text valid in `ctx` (with prefixes for reachable contexts),
/// for did-you-mean and completion.
pub fn path_names(ctx: Context) -> Vec<String> {
    let mut out = vec!["cache".to_owned()];
    for c in ctx.reachable() {
        for p in context::paths_of(*c) {
            let body = p.segments.join(".");
            if *c == ctx {
                out.push(body.clone());
            }
            out.push(format!("{}.{}", c.name(), body));
        }
    }
    out
}

fn function_available(ctx: Context, f: &FuncSpec) -> bool {
    f.standard || matches!(ctx, Context::Span | Context::SpanEvent)
}

impl Compiler {
    pub fn new(context: Context) -> Self {
        Compiler {
            context,
            errors: Vec::new(),
        }
    }

    fn err(&mut self, span: ast::Span, msg: impl Into<String>) {
        self.errors.push(Diagnostic::new(span, msg));
    }
    fn err_help(&mut self, span: ast::Span, msg: impl Into<String>, help: Option<String>) {
        self.errors.push(Diagnostic::new(span, msg).with_help(help));
    }

    /// Resolves a path to its spec and compiled keys.
    pub fn path(&mut self, p: &ast::Path) -> Option<(PathRef, &'static PathSpec)> {
        let first = p.fields.first()?;
        if first.name == "cache" {
            if p.fields.len() > 1 {
                self.err(p.span.clone(), "cache paths take keys only: cache[\"key\"]");
                return None;
            }
            let keys = self.keys(&first.keys)?;
            return Some((PathRef::new(Field::Cache, keys), &CACHE_SPEC));
        }
        let (target, rest) = match Context::parse(&first.name) {
            Some(c) if p.fields.len() > 1 && first.keys.is_empty() => {
                if !self.context.reachable().contains(&c) {
                    self.err(
                        first.span.clone(),
                        format!(
                            "context \"{}\" is not valid for path {}: statements in the {} context can reach {}",
                            first.name,
                            path_text(p),
                            self.context,
                            self.context.reachable().iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
                        ),
                    );
                    return None;
                }
                (c, &p.fields[1..])
            }
            _ => (self.context, &p.fields[..]),
        };
        let names: Vec<&str> = rest.iter().map(|f| f.name.as_str()).collect();
        let Some(spec) = context::lookup(target, &names) else {
            let text = path_text(p);
            let candidates = path_names(self.context);
            let help = did_you_mean(&text, candidates.iter().map(String::as_str));
            self.err_help(
                p.span.clone(),
                format!("invalid path {text:?} for the {} context", target),
                help,
            );
            return None;
        };
        if rest.len() > spec.segments.len() {
            let extra = &rest[spec.segments.len()];
            self.err(
                extra.span.clone(),
                format!(
                    "path {} has no field {:?}",
                    spec.segments.join("."),
                    extra.name
                ),
            );
            return None;
        }
        for f in &rest[..rest.len() - 1] {
            if let Some(k) = f.keys.first() {
                self.err(k.span(), format!("{} cannot be indexed", f.name));
                return None;
            }
        }
        let last = &rest[rest.len() - 1];
        if !last.keys.is_empty() && !spec.keyed {
            self.err(
                last.keys[0].span(),
                format!(
                    "{} cannot be indexed: it holds a {}",
                    spec.segments.join("."),
                    spec.ty.name()
                ),
            );
            return None;
        }
        let keys = self.keys(&last.keys)?;
        Some((PathRef::new(spec.field, keys), spec))
    }

    fn keys(&mut self, keys: &[Key]) -> Option<Vec<KeyGetter>> {
        let mut out = Vec::with_capacity(keys.len());
        let mut ok = true;
        for k in keys {
            match k {
                Key::Str(s, _) => out.push(KeyGetter::Lit(KeyVal::Str(s.clone()))),
                Key::Int(i, _) => out.push(KeyGetter::Lit(KeyVal::Int(*i))),
                Key::Expr(e) => match self.getter(e) {
                    Some(g) => out.push(KeyGetter::Expr(g)),
                    None => ok = false,
                },
            }
        }
        ok.then_some(out)
    }

    fn lookup_func(&mut self, call: &Call, editor: bool) -> Option<&'static FuncSpec> {
        let f = funcs::lookup(&call.name)
            .filter(|f| f.editor == editor && function_available(self.context, f));
        let Some(f) = f else {
            let names = funcs::FUNCTIONS
                .iter()
                .filter(|f| f.editor == editor && function_available(self.context, f))
                .map(|f| f.name);
            let help = did_you_mean(&call.name, names);
            let what = if editor { "editor" } else { "converter" };
            let msg = match funcs::lookup(&call.name) {
                Some(f) if !function_available(self.context, f) => {
                    format!(
                        "{} is not available in the {} context",
                        call.name, self.context
                    )
                }
                Some(_) if editor => format!("{} is a converter, not an editor", call.name),
                Some(_) => format!("{} is an editor, not a converter", call.name),
                None if funcs::PROCESSOR_FUNCTIONS.contains(&call.name.as_str()) => {
                    self.errors.push(Diagnostic::unsupported(
                        call.name_span.clone(),
                        format!(
                            "{} (a function of upstream's transform processor) is not supported by this implementation yet",
                            call.name
                        ),
                    ));
                    return None;
                }
                None => format!("undefined {what} {:?}", call.name),
            };
            self.err_help(call.name_span.clone(), msg, help);
            return None;
        };
        if !funcs::is_implemented(f) {
            self.errors.push(Diagnostic::unsupported(
                call.name_span.clone(),
                format!("{} is not supported by this implementation yet", f.name),
            ));
            return None;
        }
        Some(f)
    }

    /// Places the arguments on the parameters and compiles each.
    fn args(&mut self, f: &'static FuncSpec, call: &Call) -> Option<Vec<ArgPlan>> {
        let mut slots: Vec<Option<&Arg>> = vec![None; f.params.len()];
        let mut ok = true;
        let mut seen_named = false;
        for (i, a) in call.args.iter().enumerate() {
            match &a.name {
                None => {
                    if seen_named {
                        self.err(a.span.clone(), "unnamed argument used after named argument");
                        ok = false;
                        continue;
                    }
                    if i >= f.params.len() {
                        self.err(
                            a.span.clone(),
                            format!(
                                "too many arguments: {} takes at most {} ({})",
                                f.name,
                                f.params.len(),
                                f.signature
                            ),
                        );
                        ok = false;
                        continue;
                    }
                    slots[i] = Some(a);
                }
                Some((name, span)) => {
                    seen_named = true;
                    let want = camel(name);
                    match f.params.iter().position(|p| p.go_field == want) {
                        Some(pi) if slots[pi].is_some() => {
                            self.err(span.clone(), format!("argument {name} given twice"));
                            ok = false;
                        }
                        Some(pi) => slots[pi] = Some(a),
                        None => {
                            let help = did_you_mean(name, f.params.iter().map(|p| p.name));
                            self.err_help(
                                span.clone(),
                                format!(
                                    "{} has no parameter named {name:?} ({})",
                                    f.name, f.signature
                                ),
                                help,
                            );
                            ok = false;
                        }
                    }
                }
            }
        }
        let mut out = Vec::with_capacity(f.params.len());
        for (p, slot) in f.params.iter().zip(slots) {
            match slot {
                None if !p.optional => {
                    self.err(
                        call.span.clone(),
                        format!(
                            "missing argument {} of {} ({})",
                            p.name, f.name, f.signature
                        ),
                    );
                    ok = false;
                    out.push(ArgPlan::Absent);
                }
                None => out.push(ArgPlan::Absent),
                Some(a) => match self.arg(f, p, &a.value) {
                    Some(plan) => out.push(plan),
                    None => {
                        ok = false;
                        out.push(ArgPlan::Absent);
                    }
                },
            }
        }
        ok.then_some(out)
    }

    fn arg(&mut self, f: &'static FuncSpec, p: &funcs::Param, e: &Expr) -> Option<ArgPlan> {
        let kind = p.kind;
        if kind.is_setter() {
            let ExprKind::Path(path) = &e.kind else {
                self.err(
                    e.span.clone(),
                    format!("argument {} of {} must be a path", p.name, f.name),
                );
                return None;
            };
            let (pref, spec) = self.path(path)?;
            if !spec.settable {
                self.err(e.span.clone(), format!("{} is read only", path_text(path)));
                return None;
            }
            let ty = if pref.keys.is_empty() {
                spec.ty
            } else {
                PathType::Any
            };
            let bad = match kind {
                Kind::PMapGetSetter => !matches!(ty, PathType::Map | PathType::Any),
                Kind::PSliceGetSetter => !matches!(ty, PathType::List | PathType::Any),
                _ => false,
            };
            if bad {
                self.err(
                    e.span.clone(),
                    format!(
                        "argument {} of {} must be {}, {} holds a {}",
                        p.name,
                        f.name,
                        kind.describe(),
                        path_text(path),
                        ty.name()
                    ),
                );
                return None;
            }
            return Some(ArgPlan::Path(pref));
        }
        match kind {
            Kind::FunctionGetter => {
                let ExprKind::Symbol(name) = &e.kind else {
                    self.err(
                        e.span.clone(),
                        format!(
                            "argument {} of {} must be a converter name such as SHA256",
                            p.name, f.name
                        ),
                    );
                    return None;
                };
                match funcs::lookup(name).filter(|g| !g.editor) {
                    Some(g) => Some(ArgPlan::Func(g)),
                    None => {
                        let help = did_you_mean(
                            name,
                            funcs::FUNCTIONS
                                .iter()
                                .filter(|g| !g.editor)
                                .map(|g| g.name),
                        );
                        self.err_help(e.span.clone(), format!("undefined function {name:?}"), help);
                        None
                    }
                }
            }
            Kind::StrLit | Kind::IntLit | Kind::BoolLit => {
                let v = match (&e.kind, kind) {
                    (ExprKind::Str(s), Kind::StrLit) => Value::Str(s.clone()),
                    (ExprKind::Int(i), Kind::IntLit) => Value::Int(*i),
                    (ExprKind::Bool(b), Kind::BoolLit) => Value::Bool(*b),
                    _ => {
                        self.err(
                            e.span.clone(),
                            format!(
                                "argument {} of {} must be {}",
                                p.name,
                                f.name,
                                kind.describe()
                            ),
                        );
                        return None;
                    }
                };
                self.check_literal_value(f, p, &v, e);
                Some(ArgPlan::Getter(Getter::Lit(v)))
            }
            Kind::Slice(inner) => {
                let ExprKind::List(items) = &e.kind else {
                    self.err(
                        e.span.clone(),
                        format!(
                            "argument {} of {} must be a list literal [...]",
                            p.name, f.name
                        ),
                    );
                    return None;
                };
                let mut gs = Vec::with_capacity(items.len());
                let mut ok = true;
                for it in items {
                    let elem = funcs::Param {
                        name: p.name,
                        go_field: p.go_field,
                        kind: *inner,
                        optional: false,
                    };
                    match self.arg(f, &elem, it) {
                        Some(ArgPlan::Getter(g)) => gs.push(g),
                        Some(_) => {}
                        None => ok = false,
                    }
                }
                ok.then_some(ArgPlan::List(gs))
            }
            _ => {
                let g = self.getter(e)?;
                if !f.name.starts_with("Is") {
                    self.check_static_type(f, p, &g, e)?;
                }
                if let Getter::Lit(v) = &g {
                    self.check_literal_value(f, p, v, e);
                }
                Some(ArgPlan::Getter(g))
            }
        }
    }

    /// Rejects a literal or a typed path that can never satisfy the kind.
    fn check_static_type(
        &mut self,
        f: &FuncSpec,
        p: &funcs::Param,
        g: &Getter,
        e: &Expr,
    ) -> Option<()> {
        let ty = match g {
            Getter::Lit(v) => Some(match v {
                Value::Nil => return Some(()),
                Value::Str(_) => PathType::Str,
                Value::Int(_) => PathType::Int,
                Value::Float(_) => PathType::Float,
                Value::Bool(_) => PathType::Bool,
                Value::Bytes(_) | Value::Id(_) => PathType::Bytes,
                Value::List(_) => PathType::List,
                Value::Map(_) => PathType::Map,
                Value::Time(_) => PathType::Time,
                Value::Duration(_) => return Some(()),
            }),
            Getter::List(_) => Some(PathType::List),
            Getter::Map(_) => Some(PathType::Map),
            Getter::Path(pr) if pr.keys.is_empty() => context::PATHS
                .iter()
                .find(|s| s.field == pr.field)
                .map(|s| s.ty),
            _ => None,
        };
        let Some(ty) = ty else { return Some(()) };
        if ty == PathType::Any {
            return Some(());
        }
        let want: &[PathType] = match p.kind {
            Kind::StringGetter => &[PathType::Str],
            Kind::IntGetter => &[PathType::Int],
            Kind::FloatGetter => &[PathType::Float],
            Kind::BoolGetter => &[PathType::Bool],
            Kind::PMapGetter => &[PathType::Map],
            Kind::PSliceGetter => &[PathType::List],
            Kind::TimeGetter => &[PathType::Time],
            Kind::DurationGetter => &[],
            _ => return Some(()),
        };
        if !want.contains(&ty) {
            self.err(
                e.span.clone(),
                format!(
                    "argument {} of {} must be {}, got {}",
                    p.name,
                    f.name,
                    p.kind.describe(),
                    ty.name()
                ),
            );
            return None;
        }
        Some(())
    }

    /// Checks literal values where the function would reject them anyway
    /// (regex syntax, enumerated string options).
    fn check_literal_value(&mut self, f: &FuncSpec, p: &funcs::Param, v: &Value, e: &Expr) {
        let Value::Str(s) = v else { return };
        if matches!(p.name, "pattern" | "regex_pattern") && !GLOB_FUNCS.contains(&f.name) {
            if let Err(err) = regex::Regex::new(s) {
                self.err(e.span.clone(), format!("invalid regular expression: {err}"));
            }
        }
        let options: &[&str] = match (f.name, p.name) {
            ("merge_maps", "strategy") => &["insert", "update", "upsert"],
            ("replace_all_patterns", "mode") => &["key", "value"],
            ("ConvertCase", "to_case") => &["lower", "upper", "snake", "camel"],
            ("Sort", "order") => &["asc", "desc"],
            ("ParseCSV", "mode") => &["strict", "lazyQuotes", "ignoreQuotes"],
            _ => return,
        };
        if !options.contains(&s.as_str()) {
            let help = did_you_mean(s, options.iter().copied());
            self.err_help(
                e.span.clone(),
                format!(
                    "invalid {} {s:?} for {}: expected one of {}",
                    p.name,
                    f.name,
                    options.join(", ")
                ),
                help,
            );
        }
    }

    pub fn converter(&mut self, call: &Call) -> Option<Getter> {
        let f = self.lookup_func(call, false)?;
        let args = self.args(f, call)?;
        let keys = self.keys(&call.keys)?;
        Some(Getter::Call(Box::new(ConverterCall {
            func: f,
            args,
            keys,
        })))
    }

    pub fn getter(&mut self, e: &Expr) -> Option<Getter> {
        Some(match &e.kind {
            ExprKind::Nil => Getter::Lit(Value::Nil),
            ExprKind::Bool(b) => Getter::Lit(Value::Bool(*b)),
            ExprKind::Int(i) => Getter::Lit(Value::Int(*i)),
            ExprKind::Float(f) => Getter::Lit(Value::Float(*f)),
            ExprKind::Str(s) => Getter::Lit(Value::Str(s.clone())),
            ExprKind::Bytes(b) => Getter::Lit(Value::Bytes(b.clone())),
            ExprKind::Symbol(name) => match self.context.resolve_enum(name) {
                Some(v) => Getter::Lit(Value::Int(v)),
                None => {
                    let help = did_you_mean(name, self.context.enum_symbols());
                    let msg = if funcs::lookup(name).is_some() {
                        format!("{name} is a function: call it as {name}(...)")
                    } else {
                        format!("enum symbol, {name}, not found")
                    };
                    self.err_help(e.span.clone(), msg, help);
                    return None;
                }
            },
            ExprKind::Path(p) => Getter::Path(self.path(p)?.0),
            ExprKind::Converter(c) => self.converter(c)?,
            ExprKind::Editor(c) => {
                self.err(
                    c.name_span.clone(),
                    format!(
                        "{} is an editor; converter names must start with an uppercase letter",
                        c.name
                    ),
                );
                return None;
            }
            ExprKind::List(items) => {
                let gs: Vec<Option<Getter>> = items.iter().map(|i| self.getter(i)).collect();
                Getter::List(gs.into_iter().collect::<Option<_>>()?)
            }
            ExprKind::Map(items) => {
                let gs: Vec<Option<(String, Getter)>> = items
                    .iter()
                    .map(|(k, _, v)| self.getter(v).map(|g| (k.clone(), g)))
                    .collect();
                Getter::Map(gs.into_iter().collect::<Option<_>>()?)
            }
            ExprKind::Math(l, op, r) => {
                let (l, r) = (self.getter(l), self.getter(r));
                Getter::Math(Box::new(l?), *op, Box::new(r?))
            }
            ExprKind::Neg(inner) => Getter::Neg(Box::new(self.getter(inner)?)),
            ExprKind::Error => {
                self.err(e.span.clone(), "invalid expression");
                return None;
            }
        })
    }

    pub fn condition(&mut self, b: &BoolExpr) -> Option<Cond> {
        Some(match b {
            BoolExpr::Const(v) => Cond::Const(*v),
            BoolExpr::Not(inner) => Cond::Not(Box::new(self.condition(inner)?)),
            BoolExpr::And(items) | BoolExpr::Or(items) => {
                let cs: Vec<Option<Cond>> = items.iter().map(|i| self.condition(i)).collect();
                let cs = cs.into_iter().collect::<Option<Vec<_>>>()?;
                if matches!(b, BoolExpr::And(_)) {
                    Cond::And(cs)
                } else {
                    Cond::Or(cs)
                }
            }
            BoolExpr::Cmp(l, op, r) => {
                let (l, r) = (self.getter(l), self.getter(r));
                Cond::Cmp(l?, *op, r?)
            }
            BoolExpr::Converter(c) => Cond::Call(self.converter(c)?),
        })
    }

    pub fn editor(&mut self, s: &ast::Statement) -> Option<(&'static FuncSpec, Vec<ArgPlan>)> {
        let f = self.lookup_func(&s.editor, true)?;
        let args = self.args(f, &s.editor)?;
        Some((f, args))
    }
}

pub fn path_text(p: &ast::Path) -> String {
    p.fields
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

static CACHE_SPEC: PathSpec = PathSpec {
    context: Context::Log,
    segments: &["cache"],
    field: Field::Cache,
    ty: PathType::Map,
    keyed: true,
    settable: true,
    doc: "Scratch map shared by the statements run on one item.",
};

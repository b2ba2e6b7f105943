//! Reads the catalogue JSON into a small typed model.
//!
//! Every object is checked against the list of keys this generator knows,
//! kept or deliberately dropped. A key that appears in a later catalogue
//! therefore stops the generator instead of being silently lost: someone has
//! to decide whether the checker or the LSP needs it.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::Error;

/// One attribute of a component, block or config block.
#[derive(Debug, Clone)]
pub struct Arg {
    pub name: String,
    pub ty: String,
    pub default: Option<String>,
    pub default_is_literal: bool,
    pub required: bool,
    pub documented: bool,
}

/// A nested block; `recursive` holds the `same_as_path` of the one recursive
/// placeholder (`loki.process` > `stage.match` > `stage.*`).
#[derive(Debug, Clone)]
pub struct Block {
    pub name: String,
    pub required: bool,
    pub repeatable: bool,
    pub labeled: bool,
    pub enum_group: Option<String>,
    pub documented: bool,
    pub module_body: bool,
    pub arguments: Vec<Arg>,
    pub blocks: Vec<Block>,
    pub recursive: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Export {
    pub name: String,
    pub ty: String,
}

/// Signal set in the order of the Rust `SignalSet` fields.
#[derive(Debug, Clone, Default)]
pub struct SignalSet {
    pub traces: bool,
    pub metrics: bool,
    pub logs: bool,
    pub prometheus_metrics: bool,
    pub loki_logs: bool,
    pub profiles: bool,
    pub targets: bool,
}

#[derive(Debug, Clone)]
pub struct Signals {
    pub accepts: SignalSet,
    pub emits: SignalSet,
    pub high_confidence: bool,
    pub config_dependent: bool,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Component {
    pub name: String,
    pub stability: Option<String>,
    pub community: bool,
    pub doc_url: String,
    pub arguments: Vec<Arg>,
    pub blocks: Vec<Block>,
    pub exports: Vec<Export>,
    pub signals: Signals,
    pub custom_unmarshal: bool,
    pub build_constraints: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ConfigBlock {
    pub name: String,
    pub stability: String,
    /// `None` for undocumented blocks (`labelstore`).
    pub doc_url: Option<String>,
    pub labeled: bool,
    pub arguments: Vec<Arg>,
    pub blocks: Vec<Block>,
    pub module_body: bool,
    pub documented: bool,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub ty: String,
    pub optional: bool,
    pub variadic: bool,
}

#[derive(Debug, Clone)]
pub struct Function {
    pub name: String,
    pub namespace: Option<String>,
    pub params: Vec<Param>,
    pub returns: String,
    pub signature: String,
    pub doc_signature: Option<String>,
    pub experimental: bool,
    pub deprecated_alias_of: Option<String>,
    pub doc_url: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Object {
    pub name: String,
    pub fields: Vec<(String, String)>,
    pub doc_url: String,
}

/// Everything the generator emits, plus the provenance read from the files.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub upstream_repo: String,
    pub upstream_commit: String,
    pub components: Vec<Component>,
    pub config_blocks: Vec<ConfigBlock>,
    pub functions: Vec<Function>,
    pub objects: Vec<Object>,
}

/// A JSON object with the path used in error messages.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    ctx: String,
}

impl<'a> Obj<'a> {
    fn new(value: &'a Value, ctx: String, known: &[&str]) -> Result<Self, Error> {
        let map = value
            .as_object()
            .ok_or_else(|| Error::new(format!("{ctx}: expected an object")))?;
        let unknown: Vec<&str> = map
            .keys()
            .map(String::as_str)
            .filter(|k| !known.contains(k))
            .collect();
        if !unknown.is_empty() {
            return Err(Error::new(format!(
                "{ctx}: unknown key(s) {unknown:?}; teach xtask/src/catalogue/model.rs \
                 whether to keep or drop them"
            )));
        }
        Ok(Self { map, ctx })
    }

    fn get(&self, key: &str) -> Result<&'a Value, Error> {
        self.map
            .get(key)
            .ok_or_else(|| Error::new(format!("{}: missing `{key}`", self.ctx)))
    }

    fn str(&self, key: &str) -> Result<String, Error> {
        self.get(key)?
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| Error::new(format!("{}: `{key}` is not a string", self.ctx)))
    }

    /// Absent and `null` both mean "no value".
    fn opt_str(&self, key: &str) -> Result<Option<String>, Error> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Error::new(format!(
                "{}: `{key}` is neither a string nor null",
                self.ctx
            ))),
        }
    }

    fn bool(&self, key: &str) -> Result<bool, Error> {
        self.get(key)?
            .as_bool()
            .ok_or_else(|| Error::new(format!("{}: `{key}` is not a bool", self.ctx)))
    }

    fn opt_bool(&self, key: &str, absent: bool) -> Result<bool, Error> {
        match self.map.get(key) {
            None => Ok(absent),
            Some(_) => self.bool(key),
        }
    }

    fn arr(&self, key: &str) -> Result<&'a [Value], Error> {
        self.get(key)?
            .as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| Error::new(format!("{}: `{key}` is not an array", self.ctx)))
    }

    fn opt_arr(&self, key: &str) -> Result<&'a [Value], Error> {
        match self.map.get(key) {
            None => Ok(&[]),
            Some(_) => self.arr(key),
        }
    }

    fn strings(&self, key: &str) -> Result<Vec<String>, Error> {
        self.opt_arr(key)?
            .iter()
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    Error::new(format!("{}: `{key}` has a non-string item", self.ctx))
                })
            })
            .collect()
    }
}

const ARG_KEYS: &[&str] = &[
    "name",
    "type_canonical",
    "default",
    "default_is_literal",
    "required",
    "documented",
    // Dropped: the docs spelling and the raw Go mapping are superseded by
    // `type_canonical`, which the catalogue README says to validate with.
    "type",
    "type_from_go",
    "type_source",
];

fn arg(value: &Value, ctx: &str) -> Result<Arg, Error> {
    let o = Obj::new(value, ctx.to_owned(), ARG_KEYS)?;
    let name = o.str("name")?;
    let o = Obj {
        ctx: format!("{ctx} > {name}"),
        ..o
    };
    Ok(Arg {
        ty: o.str("type_canonical")?,
        default: o.opt_str("default")?,
        default_is_literal: o.opt_bool("default_is_literal", true)?,
        required: o.bool("required")?,
        documented: o.opt_bool("documented", true)?,
        name,
    })
}

fn args(values: &[Value], ctx: &str) -> Result<Vec<Arg>, Error> {
    values.iter().map(|v| arg(v, ctx)).collect()
}

const BLOCK_KEYS: &[&str] = &[
    "name",
    "required",
    "repeatable",
    "labeled",
    "enum",
    "enum_group",
    "documented",
    "arguments",
    "blocks",
    "recursive_ref",
    "same_as_path",
    "body",
    // Dropped: Go source positions and docs-layout trivia; no diagnostic
    // or completion depends on them.
    "go_type",
    "go_pos",
    "documented_as_typed_row",
    "note",
];

fn block(value: &Value, ctx: &str) -> Result<Block, Error> {
    let o = Obj::new(value, ctx.to_owned(), BLOCK_KEYS)?;
    let name = o.str("name")?;
    let ctx = format!("{ctx} > {name}");
    let o = Obj {
        ctx: ctx.clone(),
        ..o
    };
    let enum_group = o.opt_str("enum_group")?;
    if o.opt_bool("enum", false)? != enum_group.is_some() {
        return Err(Error::new(format!(
            "{ctx}: `enum` and `enum_group` disagree"
        )));
    }
    let recursive = match o.map.get("same_as_path") {
        None => None,
        Some(_) => Some(o.strings("same_as_path")?),
    };
    if recursive.is_some() != o.map.contains_key("recursive_ref") {
        return Err(Error::new(format!(
            "{ctx}: `recursive_ref` without `same_as_path` (or the reverse)"
        )));
    }
    Ok(Block {
        required: o.bool("required")?,
        repeatable: o.bool("repeatable")?,
        labeled: o.opt_bool("labeled", false)?,
        documented: o.opt_bool("documented", true)?,
        module_body: body_is_module(&o)?,
        arguments: args(o.opt_arr("arguments")?, &ctx)?,
        blocks: blocks(o.opt_arr("blocks")?, &ctx)?,
        enum_group,
        recursive,
        name,
    })
}

fn blocks(values: &[Value], ctx: &str) -> Result<Vec<Block>, Error> {
    values.iter().map(|v| block(v, ctx)).collect()
}

/// `body: "module-statements"` is the only body kind the catalogue knows.
fn body_is_module(o: &Obj<'_>) -> Result<bool, Error> {
    match o.opt_str("body")?.as_deref() {
        None => Ok(false),
        Some("module-statements") => Ok(true),
        Some(other) => Err(Error::new(format!(
            "{}: unknown body kind {other:?}",
            o.ctx
        ))),
    }
}

fn signal_set(value: &Value, ctx: &str) -> Result<SignalSet, Error> {
    let o = Obj::new(
        value,
        ctx.to_owned(),
        &[
            "otelcol",
            "prometheus_metrics",
            "loki_logs",
            "profiles",
            "targets",
        ],
    )?;
    let mut set = SignalSet {
        prometheus_metrics: o.bool("prometheus_metrics")?,
        loki_logs: o.bool("loki_logs")?,
        profiles: o.bool("profiles")?,
        targets: o.bool("targets")?,
        ..SignalSet::default()
    };
    for signal in o.strings("otelcol")? {
        match signal.as_str() {
            "traces" => set.traces = true,
            "metrics" => set.metrics = true,
            "logs" => set.logs = true,
            other => {
                return Err(Error::new(format!(
                    "{ctx}: unknown otelcol signal {other:?}"
                )));
            }
        }
    }
    Ok(set)
}

fn signals(value: &Value, ctx: &str) -> Result<Signals, Error> {
    // `source` (Go file:line evidence) is dropped: it is provenance for the
    // catalogue's authors, not something a user acts on.
    let o = Obj::new(
        value,
        ctx.to_owned(),
        &[
            "accepts",
            "emits",
            "source",
            "confidence",
            "config_dependent",
            "notes",
        ],
    )?;
    let high_confidence = match o.str("confidence")?.as_str() {
        "high" => true,
        "medium" => false,
        other => return Err(Error::new(format!("{ctx}: unknown confidence {other:?}"))),
    };
    Ok(Signals {
        accepts: signal_set(o.get("accepts")?, &format!("{ctx} > accepts"))?,
        emits: signal_set(o.get("emits")?, &format!("{ctx} > emits"))?,
        high_confidence,
        config_dependent: o.bool("config_dependent")?,
        notes: o.strings("notes")?,
    })
}

const COMPONENT_KEYS: &[&str] = &[
    "name",
    "stability",
    "community",
    "doc_url",
    "arguments",
    "blocks",
    "exports",
    "signals",
    "custom_unmarshal",
    "go_build_constraints",
    // Dropped: source paths and statistics are recomputable or only useful to
    // the catalogue's authors; `doc_canonical` is an alias of `doc_url`.
    "go_source",
    "doc_source",
    "doc_shared_includes",
    "doc_canonical",
    "stats",
];

fn component(value: &Value) -> Result<Component, Error> {
    let o = Obj::new(value, "components.json".to_owned(), COMPONENT_KEYS)?;
    let name = o.str("name")?;
    let ctx = format!("components.json: {name}");
    let o = Obj {
        ctx: ctx.clone(),
        ..o
    };
    let exports = o
        .arr("exports")?
        .iter()
        .map(|v| {
            let e = Obj::new(v, format!("{ctx} exports"), ARG_KEYS)?;
            Ok(Export {
                name: e.str("name")?,
                ty: e.str("type_canonical")?,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(Component {
        stability: o.opt_str("stability")?,
        community: o.bool("community")?,
        doc_url: o.str("doc_url")?,
        arguments: args(o.arr("arguments")?, &ctx)?,
        blocks: blocks(o.arr("blocks")?, &ctx)?,
        exports,
        signals: signals(o.get("signals")?, &format!("{ctx} signals"))?,
        custom_unmarshal: o.opt_bool("custom_unmarshal", false)?,
        build_constraints: o.strings("go_build_constraints")?,
        name,
    })
}

fn config_block(value: &Value) -> Result<ConfigBlock, Error> {
    let known = [
        "name",
        "kind",
        "stability",
        "doc_url",
        "labeled",
        "arguments",
        "blocks",
        "body",
        "documented",
        "note",
        "go_source",
        "doc_source",
        "stats",
    ];
    let o = Obj::new(value, "config_blocks.json".to_owned(), &known)?;
    let name = o.str("name")?;
    let ctx = format!("config_blocks.json: {name}");
    let o = Obj {
        ctx: ctx.clone(),
        ..o
    };
    if o.str("kind")? != "config_block" {
        return Err(Error::new(format!("{ctx}: unexpected `kind`")));
    }
    Ok(ConfigBlock {
        stability: o.str("stability")?,
        doc_url: o.opt_str("doc_url")?,
        labeled: o.bool("labeled")?,
        arguments: args(o.arr("arguments")?, &ctx)?,
        blocks: blocks(o.arr("blocks")?, &ctx)?,
        module_body: body_is_module(&o)?,
        documented: o.opt_bool("documented", true)?,
        note: o.opt_str("note")?,
        name,
    })
}

fn function(value: &Value) -> Result<Function, Error> {
    let known = [
        "name",
        "namespace",
        "kind",
        "params",
        "returns",
        "signature",
        "doc_signature",
        "experimental",
        "deprecated",
        "replacement",
        "doc_url",
        "note",
        // Dropped: the Go implementation's identifier.
        "go_impl",
    ];
    let o = Obj::new(value, "stdlib.json functions".to_owned(), &known)?;
    let name = o.str("name")?;
    let ctx = format!("stdlib.json: {name}");
    let o = Obj {
        ctx: ctx.clone(),
        ..o
    };
    if o.str("kind")? != "function" {
        return Err(Error::new(format!("{ctx}: unexpected `kind`")));
    }
    let replacement = o.opt_str("replacement")?;
    if o.bool("deprecated")? != replacement.is_some() {
        return Err(Error::new(format!(
            "{ctx}: a deprecated function needs a `replacement` and vice versa"
        )));
    }
    let params = o
        .arr("params")?
        .iter()
        .map(|v| {
            let p = Obj::new(
                v,
                format!("{ctx} params"),
                &["name", "type", "optional", "variadic"],
            )?;
            Ok(Param {
                name: p.str("name")?,
                ty: p.str("type")?,
                optional: p.opt_bool("optional", false)?,
                variadic: p.opt_bool("variadic", false)?,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(Function {
        namespace: o.opt_str("namespace")?,
        params,
        returns: o.str("returns")?,
        signature: o.str("signature")?,
        doc_signature: o.opt_str("doc_signature")?,
        experimental: o.bool("experimental")?,
        deprecated_alias_of: replacement,
        doc_url: o.str("doc_url")?,
        note: o.opt_str("note")?,
        name,
    })
}

fn object(value: &Value) -> Result<Object, Error> {
    let o = Obj::new(
        value,
        "stdlib.json objects".to_owned(),
        &["name", "kind", "fields", "doc_url"],
    )?;
    let name = o.str("name")?;
    let ctx = format!("stdlib.json: {name}");
    let fields = o
        .arr("fields")?
        .iter()
        .map(|v| {
            let f = Obj::new(v, format!("{ctx} fields"), &["name", "type"])?;
            Ok((f.str("name")?, f.str("type")?))
        })
        .collect::<Result<_, Error>>()?;
    Ok(Object {
        doc_url: o.str("doc_url")?,
        fields,
        name,
    })
}

fn parse_file(dir: &std::path::Path, file: &str) -> Result<Value, Error> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::new(format!("{} is not valid JSON: {e}", path.display())))
}

/// Fails on duplicates so that binary search in the generated tables is exact.
fn sort_unique<T>(items: &mut [T], name: impl Fn(&T) -> &str, what: &str) -> Result<(), Error> {
    items.sort_by(|a, b| name(a).cmp(name(b)));
    let mut dups = String::new();
    for pair in items.windows(2) {
        if name(&pair[0]) == name(&pair[1]) {
            let _ = write!(dups, " {}", name(&pair[0]));
        }
    }
    if dups.is_empty() {
        Ok(())
    } else {
        Err(Error::new(format!("duplicate {what} names:{dups}")))
    }
}

/// Loads `components.json`, `config_blocks.json` and `stdlib.json` from `dir`.
pub fn load(dir: &std::path::Path) -> Result<Catalogue, Error> {
    let components_json = parse_file(dir, "components.json")?;
    let mut components = components_json
        .as_array()
        .ok_or_else(|| Error::new("components.json: expected an array"))?
        .iter()
        .map(component)
        .collect::<Result<Vec<_>, _>>()?;
    sort_unique(&mut components, |c| &c.name, "component")?;

    let config_json = parse_file(dir, "config_blocks.json")?;
    let mut config_blocks = config_json
        .as_array()
        .ok_or_else(|| Error::new("config_blocks.json: expected an array"))?
        .iter()
        .map(config_block)
        .collect::<Result<Vec<_>, _>>()?;
    sort_unique(&mut config_blocks, |c| &c.name, "config block")?;

    let stdlib_json = parse_file(dir, "stdlib.json")?;
    let stdlib = Obj::new(
        &stdlib_json,
        "stdlib.json".to_owned(),
        &[
            "upstream",
            "commit",
            "functions",
            "objects",
            // Dropped: summaries of the other keys.
            "sources",
            "counts",
            "documented_without_go",
        ],
    )?;
    let mut functions = stdlib
        .arr("functions")?
        .iter()
        .map(function)
        .collect::<Result<Vec<_>, _>>()?;
    sort_unique(&mut functions, |f| &f.name, "stdlib function")?;
    let mut objects = stdlib
        .arr("objects")?
        .iter()
        .map(object)
        .collect::<Result<Vec<_>, _>>()?;
    sort_unique(&mut objects, |o| &o.name, "stdlib object")?;

    Ok(Catalogue {
        upstream_repo: stdlib.str("upstream")?,
        upstream_commit: stdlib.str("commit")?,
        components,
        config_blocks,
        functions,
        objects,
    })
}

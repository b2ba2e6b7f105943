//! Renders the catalogue model as Rust statics.
//!
//! The expanded catalogue repeats shared Go structs (TLS, HTTP client,
//! `debug_metrics`, ...) wherever they are embedded: 6,624 arguments and
//! 1,448 blocks. Argument, block, export and parameter lists are emitted once
//! per distinct content and referenced by name, which roughly halves the
//! generated source and keeps `rustc` fast. Output order is the input order,
//! so the file is byte-for-byte reproducible.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use super::model::{Arg, Block, Catalogue, Param, SignalSet};
use super::Error;

/// A Rust string literal for `s`; `Debug` for `str` escapes exactly what a
/// literal needs.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn opt_lit(s: Option<&str>) -> String {
    s.map_or_else(|| "None".to_owned(), |s| format!("Some({})", lit(s)))
}

fn stability(s: &str, ctx: &str) -> Result<&'static str, Error> {
    match s {
        "experimental" => Ok("Stability::Experimental"),
        "public-preview" => Ok("Stability::PublicPreview"),
        "generally-available" => Ok("Stability::GenerallyAvailable"),
        other => Err(Error::new(format!("{ctx}: unknown stability {other:?}"))),
    }
}

fn signal_set(set: &SignalSet) -> String {
    let names = [
        (set.traces, "Traces"),
        (set.metrics, "Metrics"),
        (set.logs, "Logs"),
        (set.prometheus_metrics, "PrometheusMetrics"),
        (set.loki_logs, "LokiLogs"),
        (set.profiles, "Profiles"),
        (set.targets, "Targets"),
    ];
    let items: Vec<String> = names
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| format!("Signal::{n}"))
        .collect();
    format!("SignalSet::of(&[{}])", items.join(", "))
}

fn string_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| lit(s)).collect();
    format!("&[{}]", items.join(", "))
}

/// One kind of deduplicated list (`A` arguments, `B` blocks, ...).
struct Pool {
    prefix: &'static str,
    elem: &'static str,
    by_body: HashMap<String, String>,
    next: usize,
    items: usize,
}

impl Pool {
    fn new(prefix: &'static str, elem: &'static str) -> Self {
        Self {
            prefix,
            elem,
            by_body: HashMap::new(),
            next: 0,
            items: 0,
        }
    }

    fn reserve(&mut self) -> String {
        let name = format!("{}{}", self.prefix, self.next);
        self.next += 1;
        name
    }
}

struct Emitter {
    statics: String,
    args: Pool,
    blocks: Pool,
    exports: Pool,
    params: Pool,
    types: BTreeSet<String>,
}

/// Recursive block sets of the component being emitted: target path ->
/// the static reserved for the block list at that path.
type Targets = HashMap<Vec<String>, Option<String>>;

/// Emits `lines` as a list static in `pool`, or reuses an identical one.
fn intern(statics: &mut String, pool: &mut Pool, lines: &[String]) -> String {
    if lines.is_empty() {
        return "&[]".to_owned();
    }
    let body = lines.concat();
    if let Some(name) = pool.by_body.get(&body) {
        return format!("&{name}");
    }
    let name = pool.reserve();
    write_static(statics, &name, pool.elem, lines.len(), &body);
    pool.items += lines.len();
    let expr = format!("&{name}");
    pool.by_body.insert(body, name);
    expr
}

fn write_static(statics: &mut String, name: &str, elem: &str, len: usize, body: &str) {
    let _ = write!(statics, "static {name}: [{elem}; {len}] = [\n{body}];\n\n");
}

impl Emitter {
    fn arg_list(&mut self, args: &[Arg]) -> String {
        let lines: Vec<String> = args
            .iter()
            .map(|a| {
                self.types.insert(a.ty.clone());
                format!(
                    "    Argument {{ name: {}, ty: {}, default: {}, default_is_literal: {}, \
                     required: {}, documented: {} }},\n",
                    lit(&a.name),
                    lit(&a.ty),
                    opt_lit(a.default.as_deref()),
                    a.default_is_literal,
                    a.required,
                    a.documented,
                )
            })
            .collect();
        intern(&mut self.statics, &mut self.args, &lines)
    }

    fn block_list(
        &mut self,
        blocks: &[Block],
        path: &mut Vec<String>,
        targets: &mut Targets,
        ctx: &str,
    ) -> Result<String, Error> {
        // The list a recursive placeholder points back to gets its name
        // before its children are emitted, so the cycle can be closed.
        let reserved = match targets.get_mut(path.as_slice()) {
            Some(slot) => {
                let name = self.blocks.reserve();
                *slot = Some(name.clone());
                Some(name)
            }
            None => None,
        };
        let mut lines = Vec::with_capacity(blocks.len());
        for b in blocks {
            path.push(b.name.clone());
            let children = self.block_children(b, path, targets, ctx)?;
            path.pop();
            lines.push(format!(
                "    BlockSchema {{ name: {}, required: {}, repeatable: {}, labeled: {}, \
                 enum_group: {}, documented: {}, module_body: {}, arguments: {}, blocks: {} }},\n",
                lit(&b.name),
                b.required,
                b.repeatable,
                b.labeled,
                opt_lit(b.enum_group.as_deref()),
                b.documented,
                b.module_body,
                self.arg_list(&b.arguments),
                children,
            ));
        }
        match reserved {
            Some(name) => {
                write_static(
                    &mut self.statics,
                    &name,
                    "BlockSchema",
                    lines.len(),
                    &lines.concat(),
                );
                self.blocks.items += lines.len();
                Ok(format!("&{name}"))
            }
            None => Ok(intern(&mut self.statics, &mut self.blocks, &lines)),
        }
    }

    /// The child list of `b`, resolving the recursive `<group>.*` placeholder
    /// to the list it stands for.
    fn block_children(
        &mut self,
        b: &Block,
        path: &mut Vec<String>,
        targets: &mut Targets,
        ctx: &str,
    ) -> Result<String, Error> {
        let placeholder = b.blocks.iter().find(|c| c.recursive.is_some());
        let Some(placeholder) = placeholder else {
            return self.block_list(&b.blocks, path, targets, ctx);
        };
        let here = format!("{ctx} > {}", path.join(" > "));
        if b.blocks.len() != 1 {
            return Err(Error::new(format!(
                "{here}: a recursive placeholder must be the only child block"
            )));
        }
        let target = placeholder.recursive.clone().unwrap_or_default();
        match targets.get(&target) {
            Some(Some(name)) => Ok(format!("&{name}")),
            _ => Err(Error::new(format!(
                "{here}: recursive placeholder points at {target:?}, which is not an \
                 enclosing block list"
            ))),
        }
    }

    fn export_list(&mut self, exports: &[super::model::Export]) -> String {
        let lines: Vec<String> = exports
            .iter()
            .map(|e| {
                self.types.insert(e.ty.clone());
                format!(
                    "    Export {{ name: {}, ty: {} }},\n",
                    lit(&e.name),
                    lit(&e.ty)
                )
            })
            .collect();
        intern(&mut self.statics, &mut self.exports, &lines)
    }

    fn param_list(&mut self, params: &[Param]) -> String {
        let lines: Vec<String> = params
            .iter()
            .map(|p| {
                self.types.insert(p.ty.clone());
                format!(
                    "    Param {{ name: {}, ty: {}, optional: {}, variadic: {} }},\n",
                    lit(&p.name),
                    lit(&p.ty),
                    p.optional,
                    p.variadic
                )
            })
            .collect();
        intern(&mut self.statics, &mut self.params, &lines)
    }

    /// Emits a component's or config block's top-level block list.
    fn root_blocks(&mut self, blocks: &[Block], ctx: &str) -> Result<String, Error> {
        let mut targets = Targets::new();
        collect_targets(blocks, &mut targets, ctx)?;
        let expr = self.block_list(blocks, &mut Vec::new(), &mut targets, ctx)?;
        check_targets(blocks, &targets, ctx)?;
        Ok(expr)
    }
}

fn collect_targets(blocks: &[Block], targets: &mut Targets, ctx: &str) -> Result<(), Error> {
    for b in blocks {
        if let Some(path) = &b.recursive {
            if b.enum_group.as_ref().map(|g| format!("{g}.*")) != Some(b.name.clone()) {
                return Err(Error::new(format!(
                    "{ctx}: recursive placeholder `{}` is not named `<enum group>.*`",
                    b.name
                )));
            }
            targets.insert(path.clone(), None);
        }
        collect_targets(&b.blocks, targets, ctx)?;
    }
    Ok(())
}

/// A placeholder `<group>.*` only stands for its target list if every block
/// there is a member of that enum group; anything else would make the cycle
/// admit blocks upstream does not accept.
fn check_targets(root: &[Block], targets: &Targets, ctx: &str) -> Result<(), Error> {
    for path in targets.keys() {
        let mut list = root;
        for name in path {
            list = match list.iter().find(|b| &b.name == name) {
                Some(b) => &b.blocks,
                None => {
                    return Err(Error::new(format!("{ctx}: no block list at {path:?}")));
                }
            };
        }
        let groups: BTreeSet<Option<&str>> = list.iter().map(|b| b.enum_group.as_deref()).collect();
        if groups.len() != 1 || groups.contains(&None) {
            return Err(Error::new(format!(
                "{ctx}: recursive target {path:?} mixes enum groups {groups:?}"
            )));
        }
    }
    Ok(())
}

/// Renders the whole generated module.
pub fn render(cat: &Catalogue, version: &str) -> Result<String, Error> {
    let mut e = Emitter {
        statics: String::new(),
        args: Pool::new("A", "Argument"),
        blocks: Pool::new("B", "BlockSchema"),
        exports: Pool::new("E", "Export"),
        params: Pool::new("P", "Param"),
        types: BTreeSet::new(),
    };

    let mut components = String::new();
    for c in &cat.components {
        let ctx = format!("component {}", c.name);
        let stab = match (&c.stability, c.community) {
            (Some(s), _) => format!("Some({})", stability(s, &ctx)?),
            (None, true) => "None".to_owned(),
            (None, false) => {
                return Err(Error::new(format!(
                    "{ctx}: only community components may lack a stability"
                )));
            }
        };
        let arguments = e.arg_list(&c.arguments);
        let blocks = e.root_blocks(&c.blocks, &ctx)?;
        let exports = e.export_list(&c.exports);
        let s = &c.signals;
        let _ = write!(
            components,
            "    Component {{\n        name: {},\n        stability: {stab},\n        \
             community: {},\n        doc_url: {},\n        arguments: {arguments},\n        \
             blocks: {blocks},\n        exports: {exports},\n        signals: Signals {{\n            \
             accepts: {},\n            emits: {},\n            confidence: Confidence::{},\n            \
             config_dependent: {},\n            notes: {},\n        }},\n        \
             custom_unmarshal: {},\n        build_constraints: {},\n    }},\n",
            lit(&c.name),
            c.community,
            lit(&c.doc_url),
            signal_set(&s.accepts),
            signal_set(&s.emits),
            if s.high_confidence { "High" } else { "Medium" },
            s.config_dependent,
            string_list(&s.notes),
            c.custom_unmarshal,
            string_list(&c.build_constraints),
        );
    }

    let mut config_blocks = String::new();
    for c in &cat.config_blocks {
        let ctx = format!("config block {}", c.name);
        let stab = stability(&c.stability, &ctx)?;
        let arguments = e.arg_list(&c.arguments);
        let blocks = e.root_blocks(&c.blocks, &ctx)?;
        let _ = writeln!(
            config_blocks,
            "    ConfigBlock {{ name: {}, stability: {stab}, doc_url: {}, labeled: {}, \
             arguments: {arguments}, blocks: {blocks}, module_body: {}, documented: {}, \
             note: {} }},",
            lit(&c.name),
            opt_lit(c.doc_url.as_deref()),
            c.labeled,
            c.module_body,
            c.documented,
            opt_lit(c.note.as_deref()),
        );
    }

    let mut functions = String::new();
    for f in &cat.functions {
        if let Some(target) = &f.deprecated_alias_of {
            if !cat.functions.iter().any(|g| &g.name == target) {
                return Err(Error::new(format!(
                    "stdlib {}: replacement {target} is not a function",
                    f.name
                )));
            }
        }
        e.types.insert(f.returns.clone());
        let params = e.param_list(&f.params);
        let stab = if f.experimental {
            "Stability::Experimental"
        } else {
            "Stability::GenerallyAvailable"
        };
        let _ = writeln!(
            functions,
            "    StdlibFunction {{ name: {}, namespace: {}, params: {params}, returns: {}, \
             signature: {}, doc_signature: {}, stability: {stab}, deprecated_alias_of: {}, \
             doc_url: {}, note: {} }},",
            lit(&f.name),
            opt_lit(f.namespace.as_deref()),
            lit(&f.returns),
            lit(&f.signature),
            opt_lit(f.doc_signature.as_deref()),
            opt_lit(f.deprecated_alias_of.as_deref()),
            lit(&f.doc_url),
            opt_lit(f.note.as_deref()),
        );
    }

    let mut objects = String::new();
    for o in &cat.objects {
        let fields: Vec<String> = o
            .fields
            .iter()
            .map(|(name, ty)| {
                e.types.insert(ty.clone());
                format!("ObjectField {{ name: {}, ty: {} }}", lit(name), lit(ty))
            })
            .collect();
        let _ = writeln!(
            objects,
            "    StdlibObject {{ name: {}, fields: &[{}], doc_url: {} }},",
            lit(&o.name),
            fields.join(", "),
            lit(&o.doc_url),
        );
    }

    let mut out = String::new();
    let _ = write!(
        out,
        "// @generated by `cargo run -p xtask -- codegen-catalogue`; do not edit.\n\
         //\n\
         // Upstream facts about Grafana Alloy components, config blocks and the\n\
         // standard library, from {repo} v{version} at commit\n\
         // {commit}, via the catalogue in ../shared/catalogue.\n\
         // Provenance, regeneration and what was kept or dropped: analysis/CATALOGUE.md.\n\
         //\n\
         // Components: {nc}; config blocks: {ncb}; stdlib functions: {nf}; stdlib objects: {no}.\n\
         // Deduplicated: {al} argument lists ({ai} arguments), {bl} block lists ({bi} blocks),\n\
         // {el} export lists, {pl} parameter lists.\n\n\
         use super::{{\n    Argument, BlockSchema, Component, ConfigBlock, Confidence, Export, ObjectField, \
         Param, Signal,\n    SignalSet, Signals, Stability, StdlibFunction, StdlibObject,\n}};\n\n\
         pub(super) const UPSTREAM_REPO: &str = {repo_lit};\n\
         pub(super) const UPSTREAM_VERSION: &str = {version_lit};\n\
         pub(super) const UPSTREAM_COMMIT: &str = {commit_lit};\n\n",
        repo = cat.upstream_repo,
        commit = cat.upstream_commit,
        nc = cat.components.len(),
        ncb = cat.config_blocks.len(),
        nf = cat.functions.len(),
        no = cat.objects.len(),
        al = e.args.next,
        ai = e.args.items,
        bl = e.blocks.next,
        bi = e.blocks.items,
        el = e.exports.next,
        pl = e.params.next,
        repo_lit = lit(&cat.upstream_repo),
        version_lit = lit(version),
        commit_lit = lit(&cat.upstream_commit),
    );
    let _ = write!(
        out,
        "pub(super) static COMPONENTS: [Component; {}] = [\n{components}];\n\n\
         pub(super) static CONFIG_BLOCKS: [ConfigBlock; {}] = [\n{config_blocks}];\n\n\
         pub(super) static STDLIB_FUNCTIONS: [StdlibFunction; {}] = [\n{functions}];\n\n\
         pub(super) static STDLIB_OBJECTS: [StdlibObject; {}] = [\n{objects}];\n\n",
        cat.components.len(),
        cat.config_blocks.len(),
        cat.functions.len(),
        cat.objects.len(),
    );
    let types: Vec<String> = e
        .types
        .iter()
        .map(|t| format!("    {},\n", lit(t)))
        .collect();
    let _ = write!(
        out,
        "/// Every distinct type string above, sorted; indexes the parsed-type cache.\n\
         pub(super) static TYPE_STRINGS: [&str; {}] = [\n{}];\n\n",
        types.len(),
        types.concat()
    );
    out.push_str(&e.statics);
    // One trailing newline, as editors and `git diff` expect.
    while out.ends_with("\n\n") {
        out.pop();
    }
    Ok(out)
}

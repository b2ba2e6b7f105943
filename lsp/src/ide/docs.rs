//! Markdown shown in hover and completion documentation, from the
//! catalogue. One place, so hover and completion say the same thing.

use std::fmt::Write;

use alloy_analysis::catalogue::{
    Argument, BlockSchema, Component, ConfigBlock, Export, SignalSet, Stability, StdlibFunction,
};

use super::imports::ImportedDeclare;
use super::module::{DeclArg, ItemFact};

fn stability(level: Option<Stability>, community: bool) -> String {
    match (level, community) {
        (_, true) => "community".to_owned(),
        (Some(level), false) => level.as_str().to_owned(),
        (None, false) => "unknown stability".to_owned(),
    }
}

fn signals(set: SignalSet) -> String {
    let names: Vec<&str> = set.iter().map(|s| s.describe()).collect();
    names.join(", ")
}

fn arg_line(out: &mut String, arg: &Argument) {
    let _ = write!(out, "- `{}`: `{}`", arg.name, arg.ty);
    if arg.required {
        out.push_str(" (required)");
    } else if let Some(default) = arg.literal_default() {
        let _ = write!(out, ", default `{default}`");
    }
    out.push('\n');
}

pub fn component(c: &Component) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "**{}** (component, {})\n",
        c.name,
        stability(c.stability, c.community)
    );
    if !c.signals.accepts.is_empty() {
        let _ = writeln!(out, "Accepts: {}  ", signals(c.signals.accepts));
    }
    if !c.signals.emits.is_empty() {
        let _ = writeln!(out, "Emits: {}  ", signals(c.signals.emits));
    }
    let required: Vec<&Argument> = c.body().required_arguments().collect();
    if !required.is_empty() {
        out.push_str("\nRequired arguments:\n");
        for arg in required {
            arg_line(&mut out, arg);
        }
    }
    let blocks: Vec<&str> = c.body().required_blocks().map(|b| b.name).collect();
    if !blocks.is_empty() {
        let _ = writeln!(out, "\nRequired blocks: `{}`", blocks.join("`, `"));
    }
    if !c.exports.is_empty() {
        out.push_str("\nExports:\n");
        for export in c.exports {
            let _ = writeln!(out, "- `{}`: `{}`", export.name, export.ty);
        }
    }
    for note in c.signals.notes {
        let _ = writeln!(out, "\n_{note}_");
    }
    let _ = write!(out, "\n[Documentation]({})", c.doc_url);
    out
}

pub fn config_block(b: &ConfigBlock) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "**{}** (configuration block, {})\n",
        b.name,
        b.stability.as_str()
    );
    if b.labeled {
        out.push_str("Takes a label.\n");
    }
    let required: Vec<&Argument> = b.body().required_arguments().collect();
    if !required.is_empty() {
        out.push_str("\nRequired arguments:\n");
        for arg in required {
            arg_line(&mut out, arg);
        }
    }
    if let Some(note) = b.note {
        let _ = writeln!(out, "\n_{note}_");
    }
    if let Some(url) = b.doc_url {
        let _ = write!(out, "\n[Documentation]({url})");
    }
    out
}

/// A nested block, `path` being the owner and the blocks leading to it.
pub fn block(spec: &BlockSchema, owner: &str, path: &[&str], doc_url: Option<&str>) -> String {
    let mut out = String::new();
    let mut place = owner.to_owned();
    for p in path {
        place.push_str(" > ");
        place.push_str(p);
    }
    let _ = writeln!(out, "**{}** (block in `{place}`)\n", spec.name);
    let mut facts = Vec::new();
    facts.push(if spec.required {
        "required"
    } else {
        "optional"
    });
    if spec.repeatable || spec.enum_group.is_some() {
        facts.push("may be repeated");
    }
    if spec.labeled {
        facts.push("takes a label");
    }
    let _ = writeln!(out, "{}.", facts.join(", "));
    if !spec.arguments.is_empty() {
        out.push_str("\nArguments:\n");
        for arg in spec.arguments {
            arg_line(&mut out, arg);
        }
    }
    if !spec.blocks.is_empty() {
        let names: Vec<&str> = spec.blocks.iter().map(|b| b.name).collect();
        let _ = writeln!(out, "\nBlocks: `{}`", names.join("`, `"));
    }
    if let Some(url) = doc_url {
        let _ = write!(out, "\n[Documentation]({url})");
    }
    out
}

/// An argument of a component, config block or nested block.
pub fn argument(
    arg: &Argument,
    owner: &str,
    path: &[&str],
    owner_stability: Option<String>,
    doc_url: Option<&str>,
) -> String {
    let mut out = String::new();
    let mut place = owner.to_owned();
    for p in path {
        place.push_str(" > ");
        place.push_str(p);
    }
    let _ = writeln!(out, "**{}** (argument of `{place}`)\n", arg.name);
    let _ = writeln!(out, "Type: `{}`  ", arg.ty);
    if arg.required {
        out.push_str("Required  \n");
    } else {
        match arg.default {
            Some(default) if arg.default_is_literal => {
                let _ = writeln!(out, "Default: `{default}`  ");
            }
            Some(default) => {
                let _ = writeln!(out, "Default: {default}  ");
            }
            None => out.push_str("Optional  \n"),
        }
    }
    if let Some(level) = owner_stability {
        let _ = writeln!(out, "Stability: {level}  ");
    }
    if let Some(url) = doc_url {
        let _ = write!(out, "\n[Documentation]({url}#arguments)");
    }
    out
}

pub fn component_stability(c: &Component) -> String {
    stability(c.stability, c.community)
}

pub fn export(c: &Component, e: &Export, id: &str) -> String {
    format!(
        "**{id}.{}**: `{}`\n\nExport `{}` of `{}` ({}).\n\n[Documentation]({}#exported-fields)",
        e.name,
        e.ty,
        e.name,
        c.name,
        component_stability(c),
        c.doc_url
    )
}

pub fn function(f: &StdlibFunction) -> String {
    let mut out = format!("```alloy\n{}\n```\n", f.signature);
    if let Some(doc) = f.doc_signature {
        let _ = writeln!(out, "Documented as `{doc}`.\n");
    }
    if let Some(replacement) = f.deprecated_alias_of {
        let _ = writeln!(out, "**Deprecated**: use `{replacement}` instead.\n");
    }
    if let Some(note) = f.note {
        let _ = writeln!(out, "{note}\n");
    }
    let _ = writeln!(out, "Stability: {}  ", f.stability.as_str());
    let _ = write!(out, "\n[Documentation]({})", f.doc_url);
    out
}

/// A custom component (`declare`).
pub fn declare(item: &ItemFact) -> String {
    declare_signature(
        item.label.as_deref().unwrap_or(""),
        None,
        &item.arguments,
        &item.exports,
    )
}

/// A custom component imported as `qualified` (`lib.name`).
pub fn imported_declare(d: &ImportedDeclare) -> String {
    declare_signature(&d.name, Some(&d.qualified), &d.arguments, &d.exports)
}

fn declare_signature(
    name: &str,
    qualified: Option<&str>,
    arguments: &[DeclArg],
    exports: &[String],
) -> String {
    let mut out = match qualified {
        Some(q) => format!("**{q}** (imported custom component, `declare \"{name}\"`)\n"),
        None => format!("**{name}** (custom component, `declare \"{name}\"`)\n"),
    };
    if !arguments.is_empty() {
        out.push_str("\nArguments:\n");
        for arg in arguments {
            decl_arg_line(&mut out, arg);
        }
    }
    if !exports.is_empty() {
        let _ = writeln!(out, "\nExports: `{}`", exports.join("`, `"));
    }
    out
}

fn decl_arg_line(out: &mut String, arg: &DeclArg) {
    let _ = write!(out, "- `{}`", arg.name);
    if !arg.optional {
        out.push_str(" (required)");
    }
    if let Some(default) = &arg.default {
        let _ = write!(out, ", default `{default}`");
    }
    if let Some(comment) = &arg.comment {
        let _ = write!(out, ": {comment}");
    }
    out.push('\n');
}

pub fn declare_argument(arg: &DeclArg, declare: &str) -> String {
    let mut out = format!(
        "**{}** (argument of custom component `{declare}`)\n\n",
        arg.name
    );
    out.push_str(if arg.optional {
        "Optional  \n"
    } else {
        "Required  \n"
    });
    if let Some(default) = &arg.default {
        let _ = writeln!(out, "Default: `{default}`  ");
    }
    if let Some(comment) = &arg.comment {
        let _ = writeln!(out, "\n{comment}");
    }
    out
}

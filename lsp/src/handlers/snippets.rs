//! Snippet text of completion items: block bodies with their required
//! arguments (aligned as `alloy fmt` aligns them), values to start an
//! argument with, instances of custom components.

use alloy_analysis::catalogue::{Argument, BlockSchema, Type};

/// Escapes `$`, `}` and `\` for snippet syntax.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '$' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A value to start an argument with, as snippet text (`n` is the tab stop).
pub(crate) fn value_snippet(ty: &Type, n: usize) -> (String, String) {
    match ty {
        Type::String | Type::Duration | Type::Secret | Type::OptionalSecret => {
            (format!("\"${n}\""), "\"\"".into())
        }
        Type::List(_) => (format!("[${n}]"), "[]".into()),
        Type::Map(_) | Type::Object => (format!("{{${n}}}"), "{}".into()),
        Type::Bool => (format!("${{{n}:false}}"), "false".into()),
        Type::Number => (format!("${{{n}:0}}"), "0".into()),
        _ => (format!("${n}"), String::new()),
    }
}

/// `name = value` lines for required arguments, aligned as `alloy fmt` does.
fn argument_lines(args: &[&Argument], indent: &str, first_stop: &mut usize) -> (String, String) {
    let width = args
        .iter()
        .map(|a| a.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut snippet = String::new();
    let mut plain = String::new();
    for arg in args {
        let (s, p) = value_snippet(arg.parsed_type(), *first_stop);
        *first_stop += 1;
        snippet.push_str(&format!("{indent}{:width$} = {s}\n", arg.name));
        plain.push_str(&format!("{indent}{:width$} = {p}\n", arg.name));
    }
    (snippet, plain)
}

/// The body of a block snippet: required arguments, then required blocks
/// with their own required arguments.
pub(crate) fn body_snippet(
    args: &'static [Argument],
    blocks: &'static [BlockSchema],
    depth: usize,
    stop: &mut usize,
) -> (String, String) {
    let indent = "\t".repeat(depth);
    let required: Vec<&Argument> = args.iter().filter(|a| a.required).collect();
    let (mut snippet, mut plain) = argument_lines(&required, &indent, stop);
    for block in blocks.iter().filter(|b| b.required) {
        let (inner_s, inner_p) = if depth < 3 {
            body_snippet(block.arguments, block.blocks, depth + 1, stop)
        } else {
            (String::new(), String::new())
        };
        if !snippet.is_empty() {
            snippet.push('\n');
            plain.push('\n');
        }
        let label = if block.labeled { " \"\"" } else { "" };
        snippet.push_str(&format!(
            "{indent}{}{label} {{\n{inner_s}{indent}}}\n",
            block.name
        ));
        plain.push_str(&format!(
            "{indent}{}{label} {{\n{inner_p}{indent}}}\n",
            block.name
        ));
    }
    (snippet, plain)
}

/// `name "default" { required = ... }` for an instance of a custom
/// component.
pub(crate) fn instance_snippet(name: &str, required: &[&str]) -> (String, String) {
    let width = required
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0);
    let mut snippet = format!("{name} \"${{1:default}}\" {{\n");
    let mut plain = format!("{name} \"default\" {{\n");
    for (i, arg) in required.iter().enumerate() {
        snippet.push_str(&format!("\t{arg:width$} = ${}\n", i + 2));
        plain.push_str(&format!("\t{arg:width$} = \n"));
    }
    snippet.push_str("}$0");
    plain.push('}');
    (snippet, plain)
}

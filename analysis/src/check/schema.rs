//! Checking a block body against its schema, as upstream's `typecheck`
//! does: unknown and repeated attributes and blocks, missing required ones,
//! enum blocks, and the value of each known attribute.

use rustc_hash::FxHashMap;

use super::sem::{Anchor, SemDiag, SemFix, Span};
use super::values;
use super::Cx;
use crate::catalogue::{did_you_mean, enum_rule, Argument, BlockSchema, Body as SchemaBody, Type};
use crate::codes::Code;
use crate::hir::{Attr, Block, Body, NodeId, Stmt};

/// The schema a body is checked against.
#[derive(Clone, Copy)]
pub enum Schema<'s> {
    Catalogue(SchemaBody),
    /// A custom component: attributes are the module's arguments (any
    /// type), no blocks.
    Custom(&'s [(String, bool)]),
}

impl Schema<'_> {
    fn argument(&self, name: &str) -> Option<ArgRef> {
        match self {
            Schema::Catalogue(body) => body.argument(name).map(ArgRef::Catalogue),
            Schema::Custom(args) => args.iter().any(|(n, _)| n == name).then_some(ArgRef::Any),
        }
    }

    fn block(&self, name: &str) -> Option<&'static BlockSchema> {
        match self {
            Schema::Catalogue(body) => body.block(name),
            Schema::Custom(_) => None,
        }
    }

    fn argument_names(&self) -> Vec<&str> {
        match self {
            Schema::Catalogue(body) => body.argument_names().collect(),
            Schema::Custom(args) => args.iter().map(|(n, _)| n.as_str()).collect(),
        }
    }

    fn block_names(&self) -> Vec<&'static str> {
        match self {
            Schema::Catalogue(body) => body.block_names().collect(),
            Schema::Custom(_) => Vec::new(),
        }
    }

    /// Required arguments, with their type when the schema knows it
    /// (custom components' arguments have none).
    fn required_arguments(&self) -> Vec<(&str, Option<&'static Type>)> {
        match self {
            Schema::Catalogue(body) => body
                .required_arguments()
                .map(|a| (a.name, Some(a.parsed_type())))
                .collect(),
            Schema::Custom(args) => args
                .iter()
                .filter(|(_, required)| *required)
                .map(|(n, _)| (n.as_str(), None))
                .collect(),
        }
    }

    fn required_blocks(&self) -> Vec<&'static str> {
        match self {
            Schema::Catalogue(body) => body.required_blocks().map(|b| b.name).collect(),
            Schema::Custom(_) => Vec::new(),
        }
    }
}

#[derive(Clone, Copy)]
enum ArgRef {
    Catalogue(&'static Argument),
    Any,
}

/// Checks `body` (of the block at `node`) against `schema`. `path` is the
/// chain of nested block names, for value rules that depend on where an
/// attribute sits.
pub fn check_body(
    cx: &mut Cx<'_, '_>,
    node: NodeId,
    body: &Body,
    schema: Schema<'_>,
    path: &mut Vec<String>,
) {
    let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
    for block in body.blocks() {
        *counts.entry(block.name.as_str()).or_default() += 1;
    }
    let mut seen: Vec<&str> = Vec::new();
    for stmt in &body.stmts {
        match stmt {
            Stmt::Attr(attr) => check_attr(cx, attr, schema, &mut seen, path),
            Stmt::Block(block) => check_block(cx, block, schema, &counts, path),
            Stmt::Item => {}
        }
    }
    super::ottl::check_body(cx, body, path);
    let missing_attrs: Vec<(&str, Option<&Type>)> = schema
        .required_arguments()
        .into_iter()
        .filter(|(name, _)| !seen.contains(name))
        .collect();
    for (name, ty) in missing_attrs {
        let at = Anchor::item(cx.item, node, Span::Node);
        let value = match enum_rule(cx.owner, path, name) {
            Some(rule) => rule
                .values
                .iter()
                .find(|v| !v.is_empty())
                .map(|v| format!("{v:?}")),
            None => None,
        }
        .unwrap_or_else(|| placeholder(ty).to_owned());
        cx.out.push(
            SemDiag::new(
                Code::MissingAttribute,
                at,
                format!("missing required attribute {name:?}"),
            )
            .with_fix(SemFix::AddAttributes {
                at,
                attributes: vec![(name.to_owned(), value)],
            }),
        );
    }
    for name in schema.required_blocks() {
        if !counts.contains_key(name) {
            let at = Anchor::item(cx.item, node, Span::Node);
            cx.out.push(SemDiag::new(
                Code::MissingBlock,
                at,
                format!("missing required block {name:?}"),
            ));
        }
    }
}

fn check_attr<'b>(
    cx: &mut Cx<'_, '_>,
    attr: &'b Attr,
    schema: Schema<'_>,
    seen: &mut Vec<&'b str>,
    path: &[String],
) {
    let at = Anchor::item(cx.item, attr.node, Span::Node);
    let Some(arg) = schema.argument(&attr.name) else {
        if schema.block(&attr.name).is_some() {
            cx.out.push(SemDiag::new(
                Code::AttributeBlockMixup,
                at,
                format!(
                    "{:?} must be a block, but is used as an attribute",
                    attr.name
                ),
            ));
            return;
        }
        let mut diag = SemDiag::new(
            Code::UnknownAttribute,
            at,
            format!("unrecognized attribute name {:?}", attr.name),
        );
        let names = schema.argument_names();
        if let Some(suggestion) = did_you_mean(&attr.name, names.iter().copied()) {
            diag = diag
                .with_note(format!("did you mean `{suggestion}`?"))
                .with_fix(SemFix::Replace {
                    at: Anchor::item(cx.item, attr.node, Span::Name),
                    text: suggestion.to_owned(),
                });
        }
        cx.out.push(diag);
        return;
    };
    if seen.contains(&attr.name.as_str()) {
        cx.out.push(SemDiag::new(
            Code::RepeatedAttribute,
            at,
            format!("attribute {:?} may only be provided once", attr.name),
        ));
        return;
    }
    seen.push(&attr.name);
    if let (ArgRef::Catalogue(arg), Some(value)) = (arg, attr.value) {
        values::check_attribute(cx, attr, arg, value, path);
    }
}

fn check_block(
    cx: &mut Cx<'_, '_>,
    block: &Block,
    schema: Schema<'_>,
    counts: &FxHashMap<&str, usize>,
    path: &mut Vec<String>,
) {
    let at = Anchor::item(cx.item, block.node, Span::Node);
    let Some(spec) = schema.block(&block.name) else {
        if schema.argument(&block.name).is_some() {
            cx.out.push(SemDiag::new(
                Code::AttributeBlockMixup,
                at,
                format!(
                    "{:?} must be an attribute, but is used as a block",
                    block.name
                ),
            ));
            return;
        }
        let mut diag = SemDiag::new(
            Code::UnknownBlock,
            at,
            format!("unrecognized block name {:?}", block.name),
        );
        let names = schema.block_names();
        if let Some(suggestion) = did_you_mean(&block.name, names.iter().copied()) {
            diag = diag
                .with_note(format!("did you mean `{suggestion}`?"))
                .with_fix(SemFix::Replace {
                    at: Anchor::item(cx.item, block.node, Span::Name),
                    text: suggestion.to_owned(),
                });
        }
        cx.out.push(diag);
        return;
    };
    let repeatable = spec.repeatable || spec.enum_group.is_some();
    if !repeatable && counts.get(block.name.as_str()).copied().unwrap_or(0) > 1 {
        cx.out.push(SemDiag::new(
            Code::RepeatedBlock,
            at,
            format!("block {:?} may only be specified once", block.name),
        ));
        return;
    }
    // Labels on nested blocks: upstream's validator does not look, but
    // `alloy run` rejects them, so report them here too.
    match (&block.label, spec.labeled) {
        (Some(_), false) => cx.out.push(SemDiag::extended(
            Code::BlockLabel,
            Anchor::item(cx.item, block.node, Span::Header),
            format!("block {:?} does not support specifying labels", block.name),
        )),
        (None, true) => cx.out.push(SemDiag::extended(
            Code::BlockLabel,
            Anchor::item(cx.item, block.node, Span::Header),
            format!("block {:?} requires non-empty label", block.name),
        )),
        _ => {}
    }
    path.push(block.name.clone());
    check_body(
        cx,
        block.node,
        &block.body,
        Schema::Catalogue(spec.body()),
        path,
    );
    path.pop();
}

/// A value of type `ty` for an attribute the user must still fill in: valid
/// syntax of the right kind, and for durations a valid duration, so that
/// the fixed block checks clean until the real value goes in. `null` when
/// nothing better is known (custom components' arguments, `any`, capsules
/// such as a single receiver, which have no literal form).
pub(crate) fn placeholder(ty: Option<&Type>) -> &'static str {
    match ty {
        Some(Type::String | Type::Secret | Type::OptionalSecret) => "\"\"",
        Some(Type::Duration) => "\"1m\"",
        Some(Type::Number) => "0",
        Some(Type::Bool) => "false",
        Some(Type::List(_)) => "[]",
        Some(Type::Map(_) | Type::Object) => "{}",
        Some(Type::Any | Type::Capsule(_)) | None => "null",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_have_the_kind_of_their_type() {
        let list = Type::List(Box::new(Type::Map(Box::new(Type::String))));
        assert_eq!(placeholder(Some(&Type::String)), "\"\"");
        assert_eq!(placeholder(Some(&Type::Duration)), "\"1m\"");
        assert_eq!(super::super::runtime_values::duration_error("1m"), None);
        assert_eq!(placeholder(Some(&Type::Number)), "0");
        assert_eq!(placeholder(Some(&Type::Bool)), "false");
        assert_eq!(placeholder(Some(&list)), "[]");
        assert_eq!(placeholder(Some(&Type::Object)), "{}");
        assert_eq!(placeholder(None), "null");
    }
}

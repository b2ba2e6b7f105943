//! Reference checks: names that do not resolve, standard-library warnings
//! and gates (upstream), and, beyond upstream, exports a component does not
//! have and standard-library functions that do not exist.

use super::sem::{stability_message, Anchor, SemDiag, SemFix, Span};
use super::Cx;
use crate::catalogue::{self, did_you_mean, Stability};
use crate::codes::Code;
use crate::resolve::{is_stdlib_deprecated, is_stdlib_identifier, Target};
use crate::scope::{Custom, ModuleTree, ScopeId};

pub(super) fn check_references<'db>(
    cx: &mut Cx<'_, 'db>,
    references: &[crate::resolve::Reference<'db>],
    tree: &ModuleTree<'db>,
    scope: ScopeId,
    minimum: Stability,
) {
    for reference in references {
        let t = &reference.traversal;
        let whole = Anchor::item(cx.item, t.node, Span::Node);
        let first = Anchor::item(cx.item, t.first, Span::Node);
        let head = t.names.first().map_or("", |n| &**n);
        match &reference.target {
            Target::Unresolved => {
                let mut diag = SemDiag::new(
                    Code::UnknownReference,
                    whole,
                    format!(
                        "component {:?} does not exist or is out of scope",
                        t.joined()
                    ),
                );
                if let Some(suggestion) = suggest_node(tree, scope, t) {
                    diag = diag.with_note(format!("did you mean `{suggestion}`?"));
                }
                cx.out.push(diag);
            }
            Target::Item { item, len } => {
                if is_stdlib_identifier(head) {
                    cx.out.push(SemDiag::new(
                        Code::ShadowsStdlib,
                        first,
                        "a component is shadowing an existing stdlib name",
                    ));
                }
                check_export(cx, tree, scope, *item, *len, reference);
            }
            Target::Stdlib => {
                if is_stdlib_deprecated(head) {
                    let mut diag = SemDiag::new(
                        Code::DeprecatedStdlib,
                        first,
                        "this stdlib function is deprecated; please refer to the documentation \
                         for updated usage and alternatives",
                    );
                    if let Some(replacement) =
                        catalogue::stdlib_function(head).and_then(|f| f.deprecated_alias_of)
                    {
                        diag = diag
                            .with_note(format!("use `{replacement}` instead"))
                            .with_fix(SemFix::Replace {
                                at: first,
                                text: replacement.to_owned(),
                            });
                    }
                    cx.out.push(diag);
                    continue;
                }
                let full = t.joined();
                if let Some(function) = catalogue::stdlib_function(&full) {
                    if function.stability < minimum {
                        cx.out.push(SemDiag::new(
                            Code::ExperimentalStdlib,
                            whole,
                            stability_message(&full, function.stability, minimum),
                        ));
                    }
                    continue;
                }
                check_stdlib_member(cx, reference);
            }
            Target::ScopeVar { .. } => {}
        }
    }
}

/// `string.fromat`: the namespace exists but the function does not.
fn check_stdlib_member(cx: &mut Cx<'_, '_>, reference: &crate::resolve::Reference<'_>) {
    let t = &reference.traversal;
    if t.names.len() < 2 {
        return;
    }
    let head = &*t.names[0];
    let member = &*t.names[1];
    let whole = Anchor::item(cx.item, t.node, Span::Node);
    if let Some(object) = catalogue::stdlib_object(head) {
        if object.field(member).is_none() {
            let names: Vec<&str> = object.fields.iter().map(|f| f.name).collect();
            let mut diag = SemDiag::extended(
                Code::UnknownStdlib,
                whole,
                format!("{head} has no field {member:?}"),
            );
            if let Some(s) = did_you_mean(member, names.iter().copied()) {
                diag = diag.with_note(format!("did you mean `{head}.{s}`?"));
            }
            cx.out.push(diag);
        }
        return;
    }
    let name = format!("{head}.{member}");
    if catalogue::stdlib_function(&name).is_some() {
        return;
    }
    let candidates: Vec<&str> = catalogue::stdlib_functions()
        .iter()
        .filter(|f| f.namespace == Some(head))
        .map(|f| f.name)
        .collect();
    if candidates.is_empty() {
        return;
    }
    let mut diag = SemDiag::extended(
        Code::UnknownStdlib,
        whole,
        format!("unknown standard-library function {name:?}"),
    );
    if let Some(s) = did_you_mean(&name, candidates.iter().copied()) {
        diag = diag.with_note(format!("did you mean `{s}`?"));
    }
    cx.out.push(diag);
}

/// `loki.write.default.reciever`: the component exists but has no such
/// export.
fn check_export<'db>(
    cx: &mut Cx<'_, 'db>,
    tree: &ModuleTree<'db>,
    scope: ScopeId,
    item: crate::hir::Item<'db>,
    len: usize,
    reference: &crate::resolve::Reference<'db>,
) {
    let t = &reference.traversal;
    let Some(field) = t.names.get(len) else {
        return;
    };
    let name = item.name(cx.db).clone();
    let exports: Vec<String> = if let Some(Custom::Declare(declare)) = tree.custom(scope, &name) {
        super::declare_signature(cx.db, declare).exports.clone()
    } else if tree.custom(scope, &name).is_some() {
        return;
    } else if let Some(component) = catalogue::component(&name) {
        component
            .exports
            .iter()
            .map(|e| e.name.to_owned())
            .collect()
    } else {
        return;
    };
    if exports.iter().any(|e| **e == **field) {
        return;
    }
    let id = t.names[..len].join(".");
    let mut diag = SemDiag::extended(
        Code::UnknownExport,
        Anchor::item(cx.item, t.node, Span::Node),
        if exports.is_empty() {
            format!("{id} has no exports, so {field:?} cannot be read")
        } else {
            format!("{id} has no export named {field:?}")
        },
    );
    if let Some(s) = did_you_mean(field, exports.iter().map(String::as_str)) {
        diag = diag.with_note(format!("did you mean `{id}.{s}`?"));
    } else if !exports.is_empty() {
        diag = diag.with_note(format!("exports: {}", exports.join(", ")));
    }
    cx.out.push(diag);
}

fn suggest_node(
    tree: &ModuleTree<'_>,
    scope: ScopeId,
    t: &crate::hir::Traversal,
) -> Option<String> {
    let full = t.joined();
    let mut ids: Vec<&str> = Vec::new();
    for s in tree.visible(scope) {
        ids.extend(tree.scope(s).nodes.keys().map(String::as_str));
    }
    ids.sort_unstable();
    // Compare the component part only: the id with as many names as the
    // candidate has.
    let mut best = None;
    for id in ids {
        let parts = id.split('.').count();
        if t.names.len() <= parts {
            continue;
        }
        let prefix = t.names[..parts].join(".");
        if did_you_mean(&prefix, [id]).is_some() {
            let rest = &t.names[parts..];
            best = Some(format!("{id}.{}", rest.join(".")));
            break;
        }
    }
    let _ = full;
    best
}

/// Calls of standard-library functions with a number of arguments the
/// function does not take (the catalogue's parameter lists; variadic
/// functions have a minimum). `alloy run` fails on these when it evaluates
/// the expression; the messages are its own.
pub(super) fn check_arity(cx: &mut Cx<'_, '_>) {
    let data = cx.data;
    for expr in &data.exprs {
        let crate::hir::ExprKind::Call(callee, args) = &expr.kind else {
            continue;
        };
        let Some(reference) = cx.refs.get(&data.expr(*callee).node) else {
            continue;
        };
        if reference.target != Target::Stdlib {
            continue;
        }
        let name = reference.traversal.joined();
        let Some(function) = catalogue::stdlib_function(&name) else {
            continue;
        };
        let got = args.len();
        let (min, max) = function.arity();
        if got >= min && max.is_none_or(|max| got <= max) {
            continue;
        }
        let short = name.rsplit('.').next().unwrap_or(&name);
        let message = match max {
            None => format!("{name}: expected at least {min} args, got {got}"),
            Some(max) if max != min => {
                format!("{short}: expected {min} or {max} arguments, got {got}")
            }
            // Raw functions that count their arguments themselves.
            Some(_) if name == "array.group_by" => {
                format!("{short}: expected {min} arguments, got {got}")
            }
            Some(_) => format!("{name}: expected {min} args, got {got}"),
        };
        cx.out.push(
            SemDiag::extended(
                Code::StdlibArity,
                Anchor::item(cx.item, expr.node, Span::Node),
                message,
            )
            .with_note(format!("signature: {}", function.signature)),
        );
    }
}

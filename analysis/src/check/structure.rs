//! Rules about where blocks may appear and what they are called: labels,
//! duplicates, module-only and root-only blocks, unknown components and
//! feature gates. Message texts are upstream's.

use super::sem::{stability_message, Anchor, SemDiag, SemFix, Span};
use super::Cx;
use crate::catalogue::{self, did_you_mean, Stability, RESERVED_BLOCK_NAMES};
use crate::codes::Code;
use crate::hir::{NodeId, Stmt};
use crate::scope::{Custom, Scope};

const BLOCK: NodeId = NodeId(0);

pub(super) fn anchor_name_plus<'db>(cx: &Cx<'_, 'db>, len: usize) -> Anchor<'db> {
    Anchor::item(cx.item, BLOCK, Span::NamePlus(len as u32))
}

pub(super) fn anchor_block<'db>(cx: &Cx<'_, 'db>) -> Anchor<'db> {
    Anchor::item(cx.item, BLOCK, Span::Node)
}

/// `block <id> already declared at <pos>`, if this item is a duplicate.
pub(super) fn duplicate<'db>(cx: &mut Cx<'_, 'db>, scope: &Scope<'db>) {
    let Some(original) = scope.duplicate_of.get(&cx.item).copied() else {
        return;
    };
    let id = cx.item.id(cx.db);
    let at = anchor_name_plus(cx, id.len());
    cx.out.push(SemDiag::new(
        Code::DuplicateBlock,
        at,
        super::sem::Message::AlreadyDeclared { id, original },
    ));
}

/// Attributes directly in a module body (`declare`, `foreach` template).
pub(super) fn unsupported_attributes(cx: &mut Cx<'_, '_>, in_template: bool) {
    let data = cx.data;
    let stmts: Vec<NodeId> = if in_template {
        data.body
            .blocks()
            .filter(|b| b.name == "template")
            .flat_map(|b| b.body.attrs().map(|a| a.node))
            .collect()
    } else {
        data.body.attrs().map(|a| a.node).collect()
    };
    for node in stmts {
        cx.out.push(SemDiag::new(
            Code::UnsupportedStatement,
            Anchor::item(cx.item, node, Span::Node),
            "unsupported statement type *ast.AttributeStmt",
        ));
    }
}

/// `logging`, `tracing` and services outside the root module.
pub(super) fn disallowed(cx: &mut Cx<'_, '_>, scope: &Scope<'_>) {
    let id = cx.item.id(cx.db);
    let message = if !scope.root {
        format!("{id} not allowed in module")
    } else if scope.foreach {
        format!("{id} not allowed in foreach")
    } else {
        return;
    };
    let at = anchor_name_plus(cx, id.len());
    cx.out.push(SemDiag::new(Code::NotAllowedHere, at, message));
}

pub(super) fn missing_label(cx: &mut Cx<'_, '_>, message: String) {
    let len = cx.item.name(cx.db).len();
    let at = anchor_name_plus(cx, len);
    cx.out.push(SemDiag::new(Code::MissingLabel, at, message));
}

/// The component definition a component item uses, or the diagnostic
/// explaining why there is none.
pub(super) enum Definition<'db> {
    Builtin(&'static catalogue::Component),
    Custom(Custom<'db>),
    None,
}

pub(super) fn component_definition<'db>(
    cx: &mut Cx<'_, 'db>,
    custom: Option<Custom<'db>>,
    stability: Stability,
    community: bool,
) -> Definition<'db> {
    let name = cx.item.name(cx.db).clone();
    if let Some(custom) = custom {
        return Definition::Custom(custom);
    }
    let at = Anchor::item(cx.item, BLOCK, Span::Name);
    let Some(component) = catalogue::component(&name) else {
        let mut diag = SemDiag::new(
            Code::UnknownComponent,
            at,
            format!("cannot find the definition of component name {name:?}"),
        );
        if catalogue::REMOVED_COMPONENTS.contains(&name.as_str()) {
            diag = diag.with_note(format!(
                "{name} was removed from Alloy (this catalogue describes Alloy {})",
                catalogue::UPSTREAM_VERSION
            ));
        } else if let Some(suggestion) =
            did_you_mean(&name, catalogue::components().iter().map(|c| c.name))
        {
            diag = diag
                .with_note(format!("did you mean `{suggestion}`?"))
                .with_fix(SemFix::Replace {
                    at,
                    text: suggestion.to_owned(),
                });
        }
        cx.out.push(diag);
        return Definition::None;
    };
    if component.community {
        if !community {
            cx.out.push(SemDiag::new(
                Code::CommunityDisabled,
                at,
                format!(
                    "the component {name:?} is a community component. Use the \
                     --feature.community-components.enabled command-line flag to enable \
                     community components"
                ),
            ));
            return Definition::None;
        }
    } else if let Some(level) = component.stability {
        if level < stability {
            cx.out.push(SemDiag::new(
                Code::BelowStability,
                at,
                stability_message(&format!("component {name:?}"), level, stability),
            ));
            return Definition::None;
        }
    }
    Definition::Builtin(component)
}

/// Services that have no configuration at all.
pub(super) fn not_configurable(cx: &mut Cx<'_, '_>) -> bool {
    let name = cx.item.name(cx.db).clone();
    if RESERVED_BLOCK_NAMES.contains(&name.as_str()) {
        let at = anchor_block(cx);
        cx.out.push(SemDiag::new(
            Code::NotConfigurable,
            at,
            format!("service {name:?} does not support being configured"),
        ));
        return true;
    }
    false
}

/// Whether the body has a `template` block (foreach).
pub(super) fn has_template(cx: &Cx<'_, '_>) -> bool {
    cx.data
        .body
        .stmts
        .iter()
        .any(|s| matches!(s, Stmt::Block(b) if b.name == "template"))
}

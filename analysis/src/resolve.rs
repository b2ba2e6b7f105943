//! Resolving references (`a.b.c` traversals) to what they name, as
//! upstream's `ResolveTraversal`: the shortest prefix that is a graph node
//! id of a visible scope wins; otherwise the first identifier may be a
//! scope variable or a standard-library name.

use std::sync::Arc;

use crate::catalogue;
use crate::hir::{lower, ExprKind, Item, Literal, NodeId, Stmt, Traversal};
use crate::scope::{module_tree, ScopeKind};

/// What a reference resolved to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub enum Target<'db> {
    /// A graph node; `len` names of the traversal make its id, the rest
    /// are fields of its exports.
    Item {
        item: Item<'db>,
        len: usize,
    },
    /// `module_path` or a `foreach` variable (the `foreach` item).
    ScopeVar {
        foreach: Option<Item<'db>>,
    },
    /// A standard-library name (namespace, function or object).
    Stdlib,
    Unresolved,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub struct Reference<'db> {
    pub traversal: Traversal,
    pub target: Target<'db>,
}

/// Resolved references of one item, in upstream's traversal order (the
/// order in which reference diagnostics are reported).
#[salsa::tracked(returns(ref))]
pub fn item_references<'db>(
    db: &'db dyn salsa::Database,
    item: Item<'db>,
) -> Arc<[Reference<'db>]> {
    let Some(config) = item.file(db).config(db) else {
        return Arc::from([]);
    };
    let tree = module_tree(db, config);
    let Some(&scope) = tree.scope_of.get(&item) else {
        return Arc::from([]);
    };
    let data = crate::hir::item_data(db, item);
    let mut traversals = Vec::new();
    if item.name(db) == "foreach" {
        // The template belongs to the nested scope; only the foreach's own
        // arguments are resolved here.
        for stmt in &data.body.stmts {
            match stmt {
                Stmt::Attr(attr) => {
                    if let Some(v) = attr.value {
                        lower::expr_traversals(data, v, &mut traversals);
                    }
                }
                Stmt::Block(block) if block.name != "template" => {
                    lower::body_traversals(data, &block.body, &mut traversals);
                }
                _ => {}
            }
        }
    } else if item.name(db) != "declare" {
        traversals = lower::traversals(data);
    }
    let visible = tree.visible(scope);
    let mut foreach_owners = Vec::new();
    for &s in &visible {
        let sc = tree.scope(s);
        if sc.kind == ScopeKind::Foreach {
            if let Some(owner) = sc.owner {
                foreach_owners.push(owner);
            }
        }
    }
    traversals
        .into_iter()
        .map(|traversal| {
            let target = resolve(db, tree, &visible, &foreach_owners, &traversal);
            Reference { traversal, target }
        })
        .collect()
}

fn resolve<'db>(
    db: &'db dyn salsa::Database,
    tree: &crate::scope::ModuleTree<'db>,
    visible: &[crate::scope::ScopeId],
    foreach_owners: &[Item<'db>],
    traversal: &Traversal,
) -> Target<'db> {
    let mut id = String::new();
    for (i, name) in traversal.names.iter().enumerate() {
        if i > 0 {
            id.push('.');
        }
        id.push_str(name);
        for &scope in visible {
            if let Some(&item) = tree.scope(scope).nodes.get(&id) {
                return Target::Item { item, len: i + 1 };
            }
        }
    }
    let first = traversal.names.first().map_or("", |n| &**n);
    if first == "module_path" {
        return Target::ScopeVar { foreach: None };
    }
    for &owner in foreach_owners {
        if foreach_var(db, owner).as_deref() == Some(first) {
            return Target::ScopeVar {
                foreach: Some(owner),
            };
        }
    }
    if is_stdlib_identifier(first) {
        return Target::Stdlib;
    }
    Target::Unresolved
}

/// The `var` of a `foreach`, the name its template binds.
#[salsa::tracked]
pub fn foreach_var<'db>(db: &'db dyn salsa::Database, item: Item<'db>) -> Option<String> {
    let data = crate::hir::item_data(db, item);
    let attr = data.body.attr("var")?;
    match &data.expr(attr.value?).kind {
        ExprKind::Literal(Literal::String(s)) => Some(s.to_string()),
        _ => None,
    }
}

/// A name the standard library defines at the top level: a namespace
/// (`string`), a top-level function (`coalesce`, `env`) or an object
/// (`constants`).
pub fn is_stdlib_identifier(name: &str) -> bool {
    static NAMES: std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>> =
        std::sync::OnceLock::new();
    NAMES
        .get_or_init(|| {
            let functions = catalogue::stdlib_functions()
                .iter()
                .map(|f| f.namespace.unwrap_or(f.name));
            let objects = catalogue::stdlib_objects().iter().map(|o| o.name);
            functions.chain(objects).collect()
        })
        .contains(name)
}

/// A deprecated top-level alias such as `env`.
pub fn is_stdlib_deprecated(name: &str) -> bool {
    catalogue::stdlib_function(name).is_some_and(|f| f.is_deprecated())
}

/// The node of a traversal that a diagnostic about its first name covers.
pub fn first_node(t: &Traversal) -> NodeId {
    t.first
}

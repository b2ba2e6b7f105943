//! Scopes: how a config's items group into graphs.
//!
//! A config (one directory, as upstream) is the root scope; each `declare`
//! body is a scope of its own (it sees only its own items plus the custom
//! components of enclosing scopes), and each `foreach` template is a scope
//! nested in the enclosing one (it also sees the enclosing items). Items
//! are classified as upstream's validator does: declares, config blocks,
//! components and services, and that order is the order of its report.
//!
//! The tree is built from item names only, never from bodies, so editing
//! inside a body does not rebuild it.

use rustc_hash::FxHashMap;

use crate::db::{Config, SourceFile};
use crate::hir::{item_index, Item};

/// Top-level config blocks (`configBlockNames` upstream).
pub const CONFIG_BLOCK_NAMES: [&str; 9] = [
    "foreach",
    "argument",
    "export",
    "logging",
    "tracing",
    "import.file",
    "import.string",
    "import.http",
    "import.git",
];

/// Service blocks: a block whose whole id is one of these names.
pub const SERVICE_NAMES: [&str; 7] = [
    "cluster",
    "http",
    "labelstore",
    "livedebugging",
    "otel",
    "remotecfg",
    "ui",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, salsa::SalsaValue)]
pub struct ScopeId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, salsa::SalsaValue)]
pub enum ScopeKind {
    Root,
    Declare,
    Foreach,
}

/// What kind of graph node an item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    Declare,
    Config,
    Component,
    Service,
}

/// [`classify`] from a block's name and label: a service's id has no dot,
/// so it is a service exactly when it has no label and its name is one.
pub(crate) fn classify_parts(name: &str, label: Option<&str>) -> ItemKind {
    if name == "declare" {
        ItemKind::Declare
    } else if CONFIG_BLOCK_NAMES.contains(&name) {
        ItemKind::Config
    } else if label.is_none() && SERVICE_NAMES.contains(&name) {
        ItemKind::Service
    } else {
        ItemKind::Component
    }
}

pub fn classify(name: &str, id: &str) -> ItemKind {
    if name == "declare" {
        ItemKind::Declare
    } else if CONFIG_BLOCK_NAMES.contains(&name) {
        ItemKind::Config
    } else if SERVICE_NAMES.contains(&id) {
        ItemKind::Service
    } else {
        ItemKind::Component
    }
}

/// A definition of custom components visible in a scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, salsa::SalsaValue)]
pub enum Custom<'db> {
    /// `declare "name"`: used as `name "label" { }`.
    Declare(Item<'db>),
    /// `import.* "ns"`: used as `ns.<anything> "label" { }`.
    Import(Item<'db>),
}

#[derive(Clone, Debug, PartialEq, Eq, salsa::SalsaValue)]
pub struct Scope<'db> {
    pub kind: ScopeKind,
    /// The `declare` or `foreach` that owns the scope.
    pub owner: Option<Item<'db>>,
    pub parent: Option<ScopeId>,
    /// Inside the root module (not in any `declare`).
    pub root: bool,
    /// Inside a `foreach` template (at any depth within the module).
    pub foreach: bool,
    pub declares: Vec<Item<'db>>,
    pub configs: Vec<Item<'db>>,
    pub components: Vec<Item<'db>>,
    pub services: Vec<Item<'db>>,
    /// Graph node ids: the first item with each id (later ones are
    /// duplicates, which upstream renames).
    pub nodes: FxHashMap<String, Item<'db>>,
    /// Duplicates and the item they duplicate, per kind as upstream.
    pub duplicate_of: FxHashMap<Item<'db>, Item<'db>>,
    /// Custom component names defined in this scope.
    pub custom: FxHashMap<String, Custom<'db>>,
}

impl<'db> Scope<'db> {
    /// Items in upstream's report order.
    pub fn ordered(&self) -> impl Iterator<Item = Item<'db>> + '_ {
        self.declares
            .iter()
            .chain(&self.configs)
            .chain(&self.components)
            .chain(&self.services)
            .copied()
    }

    /// Number of items, all kinds.
    pub fn len(&self) -> usize {
        self.declares.len() + self.configs.len() + self.components.len() + self.services.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Clone, Debug, PartialEq, Eq, salsa::SalsaValue)]
pub struct ModuleTree<'db> {
    pub scopes: Vec<Scope<'db>>,
    pub scope_of: FxHashMap<Item<'db>, ScopeId>,
    /// The scope a container item owns.
    pub owned: FxHashMap<Item<'db>, ScopeId>,
    /// Top-level attributes of each file, in file order.
    pub top_level_attrs: Vec<(SourceFile, String, u32)>,
}

impl<'db> ModuleTree<'db> {
    pub fn scope(&self, id: ScopeId) -> &Scope<'db> {
        &self.scopes[id.0 as usize]
    }

    pub fn root(&self) -> &Scope<'db> {
        &self.scopes[0]
    }

    /// The custom component definition `name` refers to from `scope`.
    pub fn custom(&self, scope: ScopeId, name: &str) -> Option<Custom<'db>> {
        let mut current = Some(scope);
        while let Some(id) = current {
            let s = self.scope(id);
            // Asked for every component; most scopes define nothing, and
            // hashing the name would cost more than the rest of the walk.
            if s.custom.is_empty() {
                current = s.parent;
                continue;
            }
            if let Some(c) = s.custom.get(name) {
                if matches!(c, Custom::Declare(_)) {
                    return Some(*c);
                }
            }
            if let Some((first, _)) = name.split_once('.') {
                if let Some(c @ Custom::Import(_)) = s.custom.get(first) {
                    return Some(*c);
                }
            }
            current = s.parent;
        }
        None
    }

    /// Scopes whose nodes a reference in `scope` can see: the scope itself,
    /// then enclosing foreach templates up to the module's own scope.
    pub fn visible(&self, scope: ScopeId) -> Vec<ScopeId> {
        let mut out = vec![scope];
        let mut current = scope;
        while self.scope(current).kind == ScopeKind::Foreach {
            match self.scope(current).parent {
                Some(parent) => {
                    out.push(parent);
                    current = parent;
                }
                None => break,
            }
        }
        out
    }
}

#[salsa::tracked(returns(ref))]
pub fn module_tree(db: &dyn salsa::Database, config: Config) -> ModuleTree<'_> {
    let mut tree = ModuleTree {
        scopes: Vec::new(),
        scope_of: FxHashMap::default(),
        owned: FxHashMap::default(),
        top_level_attrs: Vec::new(),
    };
    let mut roots = Vec::new();
    let mut nested: FxHashMap<Item<'_>, Vec<Item<'_>>> = FxHashMap::default();
    for &file in config.files(db) {
        let index = item_index(db, file);
        for &i in &index.top_level {
            roots.push(index.items[i as usize]);
        }
        for (i, kids) in index.children.iter().enumerate() {
            if !kids.is_empty() {
                nested.insert(
                    index.items[i],
                    kids.iter().map(|k| index.items[*k as usize]).collect(),
                );
            }
        }
        for (name, ordinal) in &index.top_level_attrs {
            tree.top_level_attrs.push((file, name.clone(), *ordinal));
        }
    }
    build_scope(
        db,
        &mut tree,
        &nested,
        ScopeKind::Root,
        None,
        None,
        true,
        false,
        &roots,
    );
    tree
}

#[allow(clippy::too_many_arguments)]
fn build_scope<'db>(
    db: &'db dyn salsa::Database,
    tree: &mut ModuleTree<'db>,
    nested: &FxHashMap<Item<'db>, Vec<Item<'db>>>,
    kind: ScopeKind,
    owner: Option<Item<'db>>,
    parent: Option<ScopeId>,
    root: bool,
    foreach: bool,
    items: &[Item<'db>],
) -> ScopeId {
    let id = ScopeId(tree.scopes.len() as u32);
    tree.scope_of.reserve(items.len());
    let mut scope = Scope {
        kind,
        owner,
        parent,
        root,
        foreach,
        declares: Vec::new(),
        configs: Vec::new(),
        components: Vec::new(),
        services: Vec::new(),
        // Sized up front: growing these maps item by item rehashed them a
        // dozen times on large configs.
        nodes: FxHashMap::with_capacity_and_hasher(items.len(), Default::default()),
        duplicate_of: FxHashMap::default(),
        custom: FxHashMap::default(),
    };
    // Duplicates are tracked per kind, as upstream keeps one map per kind.
    // `nodes` holds the first item of any kind for each id; only when an id
    // comes again (rare) are the first items per kind looked up, so the
    // common case stores each id once.
    let mut first_of_kind: FxHashMap<(String, usize), Item<'db>> = FxHashMap::default();
    for &item in items {
        let name = item.name(db);
        let item_id = item.id(db);
        let kind = classify(name, &item_id);
        let slot = kind as usize;
        let duplicate = match scope.nodes.entry(item_id) {
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(item);
                false
            }
            std::collections::hash_map::Entry::Occupied(entry) => {
                let first = *entry.get();
                let original = if classify(first.name(db), entry.key()) == kind {
                    Some(first)
                } else {
                    match first_of_kind.entry((entry.key().clone(), slot)) {
                        std::collections::hash_map::Entry::Occupied(o) => Some(*o.get()),
                        std::collections::hash_map::Entry::Vacant(v) => {
                            v.insert(item);
                            None
                        }
                    }
                };
                if let Some(original) = original {
                    scope.duplicate_of.insert(item, original);
                }
                original.is_some()
            }
        };
        match kind {
            ItemKind::Declare => {
                if let Some(label) = item.label(db) {
                    scope.custom.insert(label.clone(), Custom::Declare(item));
                }
                scope.declares.push(item);
            }
            ItemKind::Config => {
                if name.starts_with("import.") && !duplicate {
                    if let Some(label) = item.label(db) {
                        scope.custom.insert(label.clone(), Custom::Import(item));
                    }
                }
                scope.configs.push(item);
            }
            ItemKind::Component => scope.components.push(item),
            ItemKind::Service => scope.services.push(item),
        }
        tree.scope_of.insert(item, id);
    }
    tree.scopes.push(scope);
    let containers: Vec<Item<'db>> = items
        .iter()
        .copied()
        .filter(|i| matches!(i.name(db).as_str(), "declare" | "foreach"))
        .collect();
    for item in containers {
        let kids = nested.get(&item).cloned().unwrap_or_default();
        let child = if item.name(db) == "declare" {
            build_scope(
                db,
                tree,
                nested,
                ScopeKind::Declare,
                Some(item),
                Some(id),
                false,
                false,
                &kids,
            )
        } else {
            build_scope(
                db,
                tree,
                nested,
                ScopeKind::Foreach,
                Some(item),
                Some(id),
                root,
                true,
                &kids,
            )
        };
        tree.owned.insert(item, child);
    }
    id
}

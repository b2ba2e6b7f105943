//! Custom component definitions: `declare` blocks and what imports bring.
//!
//! Each module has a [`CustomRegistry`] holding the templates declared in
//! it and the registries of its imports (one per import label), and a link
//! to the registry of the module it was instantiated from. A name is looked
//! up locally, then in the parents. An imported module's registry has no
//! parent: an imported `declare` cannot see the declares of the importing
//! config, as upstream.
//!
//! Registries live on the controller's thread only (they hold syntax
//! trees), hence `Rc` and `RefCell`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use alloy_syntax::ast::Stmt;

use super::diag::FileCtx;
use crate::eval::Scope;

/// The body of a `declare`, with the file it is written in.
#[derive(Clone)]
pub(crate) struct Template {
    pub file: Arc<FileCtx>,
    pub stmts: Rc<Vec<Stmt>>,
}

#[derive(Default)]
pub(crate) struct CustomRegistry {
    parent: Option<Rc<CustomRegistry>>,
    /// Variables instances of these definitions see (`module_path`, a
    /// `foreach` variable); `None` for none.
    scope: Option<Arc<Scope>>,
    declares: RefCell<HashMap<String, Template>>,
    /// Import labels; `None` until the import has loaded its content.
    imports: RefCell<HashMap<String, Option<Rc<CustomRegistry>>>>,
}

impl CustomRegistry {
    pub fn new(
        parent: Option<Rc<CustomRegistry>>,
        scope: Option<Arc<Scope>>,
    ) -> Rc<CustomRegistry> {
        Rc::new(CustomRegistry {
            parent,
            scope,
            ..CustomRegistry::default()
        })
    }

    /// The registry of an import's content.
    pub fn imported(
        scope: Arc<Scope>,
        declares: HashMap<String, Template>,
        imports: HashMap<String, Rc<CustomRegistry>>,
    ) -> Rc<CustomRegistry> {
        Rc::new(CustomRegistry {
            parent: None,
            scope: Some(scope),
            declares: RefCell::new(declares),
            imports: RefCell::new(imports.into_iter().map(|(k, v)| (k, Some(v))).collect()),
        })
    }

    pub fn scope(&self) -> Option<Arc<Scope>> {
        self.scope.clone()
    }

    pub fn register_declare(&self, label: &str, template: Template) {
        self.declares
            .borrow_mut()
            .insert(label.to_owned(), template);
    }

    pub fn register_import(&self, label: &str) {
        self.imports.borrow_mut().insert(label.to_owned(), None);
    }

    pub fn set_import_content(&self, label: &str, content: Option<Rc<CustomRegistry>>) {
        self.imports.borrow_mut().insert(label.to_owned(), content);
    }

    /// Whether `first` (the first segment of a block name) names a declare
    /// or an import here or in a parent.
    pub fn is_custom(&self, first: &str) -> bool {
        self.declares.borrow().contains_key(first)
            || self.imports.borrow().contains_key(first)
            || self.parent.as_ref().is_some_and(|p| p.is_custom(first))
    }

    /// The template of `name` (`namespace.name` for an imported one) and
    /// the registry its instances resolve names in.
    pub fn find(
        self: &Rc<Self>,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<(Template, Rc<CustomRegistry>)> {
        match namespace {
            None => {
                if let Some(template) = self.declares.borrow().get(name) {
                    return Some((template.clone(), self.clone()));
                }
            }
            Some(namespace) => {
                let imported = self.imports.borrow().get(namespace).cloned().flatten();
                if let Some(imported) = imported {
                    if let Some(template) = imported.declares.borrow().get(name) {
                        return Some((template.clone(), imported.clone()));
                    }
                }
            }
        }
        self.parent.as_ref()?.find(namespace, name)
    }
}

/// Splits a custom component name: `name`, or `namespace.name` for an
/// imported declare (upstream assumes neither part contains a dot).
pub(crate) fn split_custom_name(name: &str) -> (Option<&str>, &str) {
    match name.split_once('.') {
        Some((namespace, rest)) => (Some(namespace), rest),
        None => (None, name),
    }
}

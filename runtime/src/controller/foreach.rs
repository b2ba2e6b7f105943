//! `foreach`: one child module per item of `collection`, each loading the
//! `template` body with the item bound to `var`.
//!
//! Children are named after a fingerprint of their item (or of the item's
//! `id` field), so a collection that changes keeps the children whose item
//! stayed and only creates or stops the others: `foreach_<fingerprint>_<n>`
//! where `n` counts duplicates, as upstream. A child sees the scope the
//! `foreach` block was evaluated in (so the template can reference
//! components outside it) plus its variable.

use std::collections::HashMap;
use std::sync::Arc;

use alloy_syntax::ast::{Block, Stmt};
use indexmap::IndexMap;
use sha2::{Digest, Sha256};

use super::diag::{Diagnostic, FileCtx};
use super::module::Module;
use super::nodes::{config_schema, Env, Outcome};
use super::shared::{ArgumentsView, NodeShared};
use crate::component::{Health, HealthType};
use crate::eval::{decode_body, Scope};
use crate::value::{Number, Object, Value};

pub(crate) struct ForeachNode {
    pub shared: Arc<NodeShared>,
    route: Vec<String>,
    children: IndexMap<String, Box<Module>>,
    started: bool,
}

impl ForeachNode {
    pub fn new(shared: Arc<NodeShared>, route: Vec<String>) -> ForeachNode {
        ForeachNode {
            shared,
            route,
            children: IndexMap::new(),
            started: false,
        }
    }

    pub fn evaluate(
        &mut self,
        env: &Env<'_>,
        block: &Block,
        file: &Arc<FileCtx>,
        id: &str,
    ) -> Result<Outcome, Vec<Diagnostic>> {
        let result = self.evaluate_inner(env, block, file, id);
        match &result {
            Ok(()) => self
                .shared
                .set_eval_health(Health::healthy("foreach evaluated")),
            Err((message, _)) => self.shared.set_eval_health(Health::unhealthy(format!(
                "foreach evaluation failed: {message}"
            ))),
        }
        result.map_err(|(_, diags)| diags)?;
        Ok(Outcome::default())
    }

    fn evaluate_inner(
        &mut self,
        env: &Env<'_>,
        block: &Block,
        file: &Arc<FileCtx>,
        id: &str,
    ) -> Result<(), (String, Vec<Diagnostic>)> {
        let failed = |message: String| {
            let diag =
                Diagnostic::at_block(file, block, format!("Failed to build component: {message}"));
            (message, vec![diag])
        };
        let template = block.statements().find_map(|s| match s {
            Stmt::Block(b) if b.name() == "template" => Some(b),
            _ => None,
        });
        let Some(template) = template else {
            return Err(failed(
                "the block template is missing in the foreach block".to_owned(),
            ));
        };
        let decode_error = |e: crate::eval::EvalError| {
            (
                format!("decoding configuration: {e}"),
                vec![Diagnostic::eval(file, block, &e)],
            )
        };
        let args = decode_body(block.statements(), env.scope, &config_schema("foreach"))
            .map_err(decode_error)?;
        let collection: Vec<Value> = args.require("collection").map_err(decode_error)?;
        let var: String = args.require("var").map_err(decode_error)?;
        let id_field: String = args.get_or("id", String::new()).map_err(decode_error)?;
        let hash_strings: bool = args.get_or("hash_string_id", false).map_err(decode_error)?;
        self.shared.set_arguments(ArgumentsView::Body(args));

        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut wanted: Vec<(String, Value)> = Vec::with_capacity(collection.len());
        for item in collection {
            let key = match (id_field.is_empty(), item.as_object()) {
                (false, Some(object)) => match object.get(&id_field) {
                    Some(value) => value.clone(),
                    None => {
                        tracing::warn!(id = %id_field, "specified id not found in collection item");
                        item.clone()
                    }
                },
                _ => item.clone(),
            };
            let base = format!("foreach_{}", fingerprint(&key, hash_strings));
            let count = counts.entry(base.clone()).or_default();
            *count += 1;
            wanted.push((format!("{base}_{count}"), item));
        }

        let parent = Arc::new(env.scope.clone());
        let stmts: Vec<(Arc<FileCtx>, Stmt)> =
            template.statements().map(|s| (file.clone(), s)).collect();
        let global_id = self.shared.global_id.clone();
        let mut diags = Vec::new();
        for (child_id, item) in &wanted {
            let child = self.children.entry(child_id.clone()).or_insert_with(|| {
                let mut route = self.route.clone();
                route.push(child_id.clone());
                Box::new(Module::new(
                    env.globals.clone(),
                    format!("{global_id}/{child_id}"),
                    route,
                ))
            });
            let scope =
                Arc::new(Scope::with_parent(parent.clone()).with(var.clone(), item.clone()));
            if let Err(errors) = child.apply(
                &stmts,
                Object::new(),
                Some(env.registry.clone()),
                Some(scope),
            ) {
                diags.extend(errors.0);
            }
        }
        let keep: std::collections::HashSet<&str> =
            wanted.iter().map(|(id, _)| id.as_str()).collect();
        let gone: Vec<String> = self
            .children
            .keys()
            .filter(|k| !keep.contains(k.as_str()))
            .cloned()
            .collect();
        for key in gone {
            if let Some(mut child) = self.children.shift_remove(&key) {
                tracing::info!(foreach = %id, child = %key, "stopping removed foreach child");
                child.stop_all();
                child.forget();
            }
        }
        self.shared
            .set_module_ids(self.children.values().map(|c| c.id.clone()).collect());
        if diags.is_empty() {
            Ok(())
        } else {
            let message = format!(
                "updating custom component in foreach: {}",
                super::diag::Diagnostics(diags.clone())
            );
            Err((message, diags))
        }
    }

    pub fn child_changed(&mut self, route: &[String]) {
        if let Some((first, rest)) = route.split_first() {
            if let Some(child) = self.children.get_mut(first) {
                child.changed(rest);
            }
        }
    }

    pub fn start(&mut self, restart: bool) {
        for child in self.children.values_mut() {
            child.synchronize(restart);
        }
        if !self.started {
            self.started = true;
            self.shared
                .set_run_health(Health::healthy("started foreach"));
        }
    }

    pub fn stop(&mut self) {
        for child in self.children.values_mut().rev() {
            child.stop_all();
        }
        if self.started {
            self.started = false;
            self.shared.set_run_health(Health::new(
                HealthType::Exited,
                "foreach node shut down cleanly",
            ));
        }
    }

    pub fn forget(&self) {
        for child in self.children.values() {
            child.forget();
        }
    }
}

/// Upstream's `objectFingerprint`: strings as they are with anything but
/// letters and digits replaced by `_` (or their SHA-256 with
/// `hash_string_id`), integers and booleans as text, floats with six
/// decimals and `_` for the dot, anything else hashed.
fn fingerprint(value: &Value, hash_strings: bool) -> String {
    match value {
        Value::String(s) if hash_strings => sha256_hex(s),
        Value::String(s) => s
            .chars()
            .map(|c| {
                if c.is_alphabetic() || c.is_numeric() {
                    c
                } else {
                    '_'
                }
            })
            .collect(),
        Value::Number(Number::Int(i)) => i.to_string(),
        Value::Number(Number::Uint(u)) => u.to_string(),
        Value::Number(Number::Float(f)) => format!("{f:.6}").replace('.', "_"),
        Value::Bool(b) => b.to_string(),
        other => sha256_hex(&other.to_string()),
    }
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_follow_upstream() {
        assert_eq!(fingerprint(&Value::int(10), false), "10");
        assert_eq!(fingerprint(&Value::float(2.5), false), "2_500000");
        assert_eq!(fingerprint(&Value::from("a-b.c"), false), "a_b_c");
        assert_eq!(fingerprint(&Value::Bool(true), false), "true");
        assert_eq!(fingerprint(&Value::from("x"), true).len(), 64);
    }
}

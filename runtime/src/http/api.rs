//! `/api/v0/web/components[/{id}]` and
//! `/api/v0/web/modules/{module}/components`, in upstream's JSON shape
//! (`component.Info.MarshalJSON`):
//!
//! ```json
//! {"name":"local.file","type":"block","localID":"local.file.a","moduleID":"",
//!  "label":"a","referencesTo":[],"referencedBy":[],"dataFlowEdgesTo":[],
//!  "health":{"state":"healthy","message":"started component","updatedTime":"..."},
//!  "original":"","arguments":[...],"exports":[...],"debugInfo":[...],
//!  "liveDebuggingEnabled":false}
//! ```
//!
//! Lists only show the health; the single-component endpoint adds
//! `arguments`, `exports` and `debugInfo` (each omitted when empty).

use std::fmt::Write;

use super::alloyjson;
use crate::controller::{NodeType, Shared, ViewEntry};
use crate::timefmt::rfc3339_nanos;

fn strings(list: &[String]) -> String {
    let items: Vec<String> = list.iter().map(|s| alloyjson::string(s)).collect();
    format!("[{}]", items.join(","))
}

/// One component as JSON.
pub(crate) fn info(entry: &ViewEntry, details: bool) -> String {
    let node = &entry.node;
    let health = node.health();
    let s = alloyjson::string;
    let mut out = String::from("{");
    let _ = write!(
        out,
        "\"name\":{},\"type\":\"block\",\"localID\":{},\"moduleID\":{}",
        s(&node.name),
        s(&node.local_id),
        s(&node.module_id)
    );
    if let Some(label) = &node.label {
        let _ = write!(out, ",\"label\":{}", s(label));
    }
    let _ = write!(
        out,
        ",\"referencesTo\":{},\"referencedBy\":{},\"dataFlowEdgesTo\":[]",
        strings(&entry.references),
        strings(&entry.referenced_by)
    );
    let _ = write!(
        out,
        ",\"health\":{{\"state\":{},\"message\":{},\"updatedTime\":{}}},\"original\":\"\"",
        s(health.state.as_str()),
        s(&health.message),
        s(&rfc3339_nanos(health.updated))
    );
    if details {
        let arguments = alloyjson::arguments(&node.arguments());
        let exports = alloyjson::object_body(&node.exports(), node.node_type == NodeType::Custom);
        let debug = node
            .debug_info()
            .and_then(|d| alloyjson::object_body(&d, true));
        for (key, value) in [
            ("arguments", arguments),
            ("exports", exports),
            ("debugInfo", debug),
        ] {
            if let Some(value) = value.filter(|v| v != "[]") {
                let _ = write!(out, ",\"{key}\":{value}");
            }
        }
    }
    let modules = node.module_ids();
    if !modules.is_empty() {
        let _ = write!(out, ",\"createdModuleIDs\":{}", strings(&modules));
    }
    out.push_str(",\"liveDebuggingEnabled\":false}");
    out
}

fn listed(entry: &ViewEntry) -> bool {
    entry.node.node_type != NodeType::Import
}

/// The components of a module; `None` when there is no such module.
pub(crate) fn list(shared: &Shared, module_id: &str) -> Option<String> {
    let view = shared.module(module_id)?;
    let items: Vec<String> = view
        .entries
        .iter()
        .filter(|e| listed(e))
        .map(|e| info(e, false))
        .collect();
    Some(format!("[{}]", items.join(",")))
}

/// One component by id (`local.file.a`, or `module/id/local.file.a`: the
/// last `/` separates the module).
pub(crate) fn get(shared: &Shared, id: &str) -> Option<String> {
    let (module_id, local_id) = id.rsplit_once('/').unwrap_or(("", id));
    let view = shared.module(module_id)?;
    let entry = view
        .entries
        .iter()
        .find(|e| listed(e) && e.node.local_id == local_id)?;
    Some(info(entry, true))
}

/// The names of the unhealthy top-level components, for `/-/healthy`.
pub(crate) fn unhealthy(shared: &Shared) -> Vec<String> {
    shared.module("").map_or_else(Vec::new, |view| {
        view.entries
            .iter()
            .filter(|e| listed(e))
            // A component whose task ended with an error is not healthy
            // either (upstream lists only `unhealthy`).
            .filter(|e| {
                matches!(
                    e.node.health().state,
                    crate::component::HealthType::Unhealthy | crate::component::HealthType::Exited
                )
            })
            .map(|e| e.node.name.clone())
            .collect()
    })
}

/// Waits (at most `limit`) until no top-level component is still starting
/// what the last load gave it, then names those that became unhealthy or
/// exited since `since`, with their messages: `/-/reload` answers with them.
pub(crate) async fn start_failures(
    shared: &Shared,
    since: std::time::SystemTime,
    limit: std::time::Duration,
) -> Vec<String> {
    let until = tokio::time::Instant::now() + limit;
    loop {
        let Some(view) = shared.module("") else {
            return Vec::new();
        };
        let starting = view.entries.iter().any(|e| listed(e) && e.node.starting());
        if !starting || tokio::time::Instant::now() >= until {
            return view
                .entries
                .iter()
                .filter(|e| listed(e))
                .filter_map(|e| {
                    let health = e.node.health();
                    let failed = matches!(
                        health.state,
                        crate::component::HealthType::Unhealthy
                            | crate::component::HealthType::Exited
                    );
                    (failed && health.updated >= since)
                        .then(|| format!("{}: {}", e.node.local_id, health.message))
                })
                .collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

//! In-process scrape targets: Alloy's `alloy.internal:12345` address, which
//! upstream serves from an in-memory listener. A scrape of a URL on that
//! address calls the registered handler instead of opening a connection
//! (`prometheus.exporter.self` answers from the process's registry).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// The address in-process targets carry in `__address__`.
pub const MEMORY_ADDRESS: &str = "alloy.internal:12345";

/// Produces `(content type, body)` for one scrape.
pub type Handler = Arc<dyn Fn() -> (String, Vec<u8>) + Send + Sync>;

static HANDLERS: RwLock<BTreeMap<String, Handler>> = RwLock::new(BTreeMap::new());

/// Serves `path` on [`MEMORY_ADDRESS`] with `handler` (replacing any).
pub fn register(path: &str, handler: Handler) {
    HANDLERS
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(path.to_owned(), handler);
}

pub fn unregister(path: &str) {
    HANDLERS
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .remove(path);
}

/// The handler for `path`, if one is registered.
pub fn lookup(path: &str) -> Option<Handler> {
    HANDLERS
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(path)
        .cloned()
}

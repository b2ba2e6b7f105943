//! One module per LSP feature. Each function answers on a snapshot
//! ([`crate::world::World`] and the request's document) and returns
//! `Cancellable`, so a concurrent edit makes the server retry it.

pub mod code_actions;
pub mod completion;
pub mod completion_docs;
pub mod diagnostics;
pub mod folding;
pub mod formatting;
pub mod graph;
pub mod hover;
pub mod inlay;
pub mod links;
pub mod navigation;
pub mod rename;
pub mod selection;
pub mod semantic_tokens;
pub mod signature;
mod snippets;
pub mod symbols;

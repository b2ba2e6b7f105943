//! Static analysis for the Alloy configuration language: the incremental
//! database behind `alloy check`, the language server and the runtime.
//!
//! # Using it
//!
//! ```
//! use alloy_analysis::{AnalysisHost, catalogue::Stability};
//!
//! let mut host = AnalysisHost::new();
//! host.set_settings(Stability::GenerallyAvailable, false);
//! let file = host.set_file("main.alloy", &b"local.file \"a\" { filename = \"/etc/hosts\" }\n"[..]);
//! let config = host.new_config(vec![file]);
//! let analysis = host.analysis();
//! let diagnostics = analysis.diagnostics(config).expect("not cancelled");
//! assert!(diagnostics.iter().all(|d| d.code.as_str() != "AL0101"));
//! ```
//!
//! - [`AnalysisHost`] owns the database and is the only thing that writes:
//!   [`AnalysisHost::set_file`] (path + bytes), [`AnalysisHost::new_config`]
//!   and [`AnalysisHost::set_config_files`] (a config is the set of files
//!   Alloy loads together: one directory, non-recursive, as upstream), and
//!   [`AnalysisHost::set_settings`] (stability level, community components).
//! - [`Analysis`] is a snapshot (a clone of the database). Snapshots can be
//!   sent to other threads; every method returns [`Cancellable`], `Err` when
//!   a write on the host cancelled it (retry on a new snapshot). Writes wait
//!   for snapshots to be dropped.
//! - Results are plain data: [`Diagnostic`] (file, byte range, [`Code`],
//!   [`Severity`], message, notes, [`Fix`]es with text edits for code
//!   actions), [`ItemInfo`] for outlines, [`NavTarget`] for
//!   go-to-definition and find-references, and [`Graph`] (nodes, edges with
//!   the [`catalogue::SignalSet`] flowing along them) for `alloy/graph`.
//!
//! # Queries and incrementality
//!
//! Inputs: [`SourceFile`] (path, bytes), [`Config`] (files), [`Settings`].
//! Derived, in layers:
//!
//! 1. `parse` (the green tree; LRU-bounded; after an edit reparsed from the
//!    file's previous tree, so untouched top-level blocks are shared, and a
//!    large file without one is parsed on several threads), `item_index`
//!    and `item_data`:
//!    each module-level block becomes an [`hir::Item`], a salsa tracked
//!    struct whose identity is its file, name, label and parent and whose
//!    subtree is a separately tracked field ([`hir::items::ItemSyntax`],
//!    compared by the block's source text, a `memcmp`, rather than by
//!    walking two trees); `item_data` lowers that subtree into a
//!    position-free body. `parse` and `item_index` re-run on every edit of
//!    a file (the index reads green nodes only, no red-tree cursors);
//!    `item_data` re-runs for the items whose text changed. This is the
//!    syntactic layer.
//! 2. Semantic queries read only the index and item bodies: `module_tree`
//!    (scopes: a config is one scope, each `declare` body its own, each
//!    `foreach` template nested), `item_references` (resolution),
//!    `declare_signature`, `item_diagnostics` (one item's checks),
//!    `run_diagnostics` (the findings of a run of 64 items of a scope,
//!    gathered where they are checked), `component_graph` (edges and
//!    strongly connected components), `graph_diagnostics` and
//!    `config_diagnostics`.
//!
//! An edit inside one component's body changes only that item's body, so
//! only that item's semantic queries re-run (and whatever depends on a
//! result that really changed). An edit to whitespace or comments leaves
//! every body equal: no semantic query re-runs. Positions are attached only
//! at the edge (`diag`), outside salsa. `tests/incremental.rs` asserts both
//! with salsa's event log. The other items' memos are still re-validated
//! (salsa walks their dependencies, about three memos per item); that and
//! the parse are what a re-check costs (`docs/benchmarks.md`, "check").
//!
//! `config_diagnostics` runs every item's checks before it builds the
//! component graph: salsa keeps one dependency set per query depth and
//! clears it after each query in time proportional to the largest set that
//! depth ever held, so thousands of small queries must not follow one that
//! depends on every item at the same depth.
//!
//! The checks and their codes are documented in `docs/checks.md`.

#[doc(hidden)]
pub mod bench_support;
pub mod catalogue;
mod check;
pub mod codes;
mod db;
mod diag;
pub mod encoding;
mod graph;
pub mod hir;
mod host;
mod pipeline;
pub mod resolve;
pub mod scope;
mod syntax_help;

pub use alloy_syntax::{LineCol, LineIndex, TextRange, TextSize};
pub use check::ottl::ottl_site;
pub use codes::{Code, Severity};
pub use db::{parse, Config, Database, EventCallback, Settings, SourceFile};
pub use diag::{Diagnostic, Fix, Related, TextEdit};
pub use graph::strongly_connected;
pub use host::{
    Analysis, AnalysisHost, Cancellable, Graph, GraphEdge, GraphNode, ItemInfo, NavTarget,
};
pub use pipeline::{Flow, Health, NodeKind, Pipeline, PipelineEdge, PipelineNode};
pub use scope::ItemKind;

/// Threads for the work a large file or config splits: the cores there
/// are, at most four (beyond that the serial parts dominate).
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// Queries by name, for tests that assert which ones ran.
pub mod queries {
    pub use crate::check::{
        config_diagnostics, declare_signature, item_diagnostics, run_diagnostics,
    };
    pub use crate::graph::{component_graph, graph_diagnostics};
    pub use crate::hir::item_index;
    pub use crate::resolve::{foreach_var, item_references};
    pub use crate::scope::module_tree;
}

/// Phase timings on standard error when `ALLOY_TIMINGS` is set: how
/// `docs/benchmarks.md` splits a large check into parsing, the index, the
/// scopes, the item checks and the graph. Not a supported API.
#[doc(hidden)]
pub mod timings {
    use std::sync::LazyLock;
    use std::time::Instant;

    static START: LazyLock<Instant> = LazyLock::new(Instant::now);
    static ON: LazyLock<bool> = LazyLock::new(|| std::env::var_os("ALLOY_TIMINGS").is_some());

    /// Starts the clock (the first mark starts it otherwise).
    pub fn start() {
        LazyLock::force(&START);
    }

    /// Prints `what` and the time since the start.
    pub fn mark(what: std::fmt::Arguments<'_>) {
        if *ON {
            eprintln!("{what} {:?}", START.elapsed());
        }
    }
}

//! The database API the CLI and the language server use: one
//! [`AnalysisHost`] owns the database and applies changes; any number of
//! [`Analysis`] snapshots answer queries concurrently.
//!
//! A write (`set_file`, `set_config`, ...) cancels running queries on
//! snapshots: they unwind with [`salsa::Cancelled`], which every
//! [`Analysis`] method turns into `Err` so the caller can retry on a fresh
//! snapshot. Writes block until all snapshots are dropped, so never hold a
//! snapshot on the thread that writes.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use alloy_syntax::{LineIndex, Parse, TextRange, TextSize};
use rustc_hash::FxHashMap;
use salsa::Setter;

use crate::catalogue::{SignalSet, Stability};
use crate::check::{Anchor, Span};
use crate::db::{parse, parse_ref, Config, Database, EventCallback, Settings, SourceFile};
use crate::diag::{self, Diagnostic, Mapper};
use crate::graph::component_graph;
use crate::hir::{item_index, NodeId};
use crate::resolve::{item_references, Target};
use crate::scope::{classify, module_tree, ItemKind, ScopeId};

/// Configs smaller than this are checked on one thread: below it, starting
/// threads costs more than it saves.
const PARALLEL_THRESHOLD: usize = 1024 * 1024;

/// The result of a query on a snapshot that a write may have cancelled.
pub type Cancellable<T> = Result<T, salsa::Cancelled>;

/// Owns the database; the only place changes are made.
pub struct AnalysisHost {
    db: Database,
    files: FxHashMap<String, SourceFile>,
}

impl Default for AnalysisHost {
    fn default() -> Self {
        AnalysisHost::new()
    }
}

impl AnalysisHost {
    pub fn new() -> AnalysisHost {
        AnalysisHost::with_event_callback(None)
    }

    /// A host whose salsa events go to `callback` (for tests and tracing).
    pub fn with_event_callback(callback: Option<EventCallback>) -> AnalysisHost {
        AnalysisHost {
            db: Database::with_event_callback(callback),
            files: FxHashMap::default(),
        }
    }

    /// Sets `--stability.level` and `--feature.community-components.enabled`.
    pub fn set_settings(&mut self, stability: Stability, community_components: bool) {
        let settings = Settings::get(&self.db);
        if settings.stability(&self.db) != stability {
            settings.set_stability(&mut self.db).to(stability);
        }
        if settings.community_components(&self.db) != community_components {
            settings
                .set_community_components(&mut self.db)
                .to(community_components);
        }
    }

    /// Adds a file or replaces its contents. Returns its handle, stable for
    /// the path's lifetime in the host.
    pub fn set_file(&mut self, path: &str, bytes: impl Into<Arc<[u8]>>) -> SourceFile {
        let bytes = bytes.into();
        match self.files.get(path) {
            Some(&file) => {
                if **file.bytes(&self.db) != *bytes {
                    file.set_bytes(&mut self.db).to(bytes);
                }
                file
            }
            None => {
                let file = SourceFile::new(&self.db, path.to_owned(), bytes);
                self.files.insert(path.to_owned(), file);
                file
            }
        }
    }

    pub fn file(&self, path: &str) -> Option<SourceFile> {
        self.files.get(path).copied()
    }

    /// A new config made of `files` (sorted by path, as upstream loads
    /// them).
    ///
    /// A file belongs to one config at a time: listing it in a new config
    /// moves it there (check configs that share files one after another).
    pub fn new_config(&mut self, files: Vec<SourceFile>) -> Config {
        let files = self.sorted(files);
        let config = Config::new(&self.db, files.clone());
        self.claim(config, &files);
        config
    }

    /// Records `config` as the config of `files`.
    fn claim(&mut self, config: Config, files: &[SourceFile]) {
        for &file in files {
            if file.config(&self.db) != Some(config) {
                file.set_config(&mut self.db).to(Some(config));
            }
        }
    }

    /// Replaces the files of a config (a file was added to or removed from
    /// its directory).
    pub fn set_config_files(&mut self, config: Config, files: Vec<SourceFile>) {
        let files = self.sorted(files);
        if *config.files(&self.db) != files {
            let removed: Vec<SourceFile> = config
                .files(&self.db)
                .iter()
                .copied()
                .filter(|f| !files.contains(f))
                .collect();
            for file in removed {
                if file.config(&self.db) == Some(config) {
                    file.set_config(&mut self.db).to(None);
                }
            }
            config.set_files(&mut self.db).to(files.clone());
        }
        self.claim(config, &files);
    }

    fn sorted(&self, mut files: Vec<SourceFile>) -> Vec<SourceFile> {
        files.sort_by(|a, b| a.path(&self.db).cmp(b.path(&self.db)));
        files.dedup();
        files
    }

    /// A snapshot for queries; cheap (it shares all memoised results).
    pub fn analysis(&self) -> Analysis {
        Analysis {
            db: self.db.clone(),
        }
    }

    /// Cancels queries running on snapshots without changing anything.
    pub fn request_cancellation(&mut self) {
        salsa::Database::trigger_cancellation(&mut self.db);
    }

    /// The database, for embedding in other salsa-based code.
    pub fn db(&self) -> &Database {
        &self.db
    }
}

/// A read-only snapshot. Every method returns [`Cancellable`].
#[derive(Clone)]
pub struct Analysis {
    db: Database,
}

/// An item as the outline and graph show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemInfo {
    pub name: String,
    pub label: Option<String>,
    pub kind: ItemKind,
    /// The whole block.
    pub range: TextRange,
    /// The block name (for selection).
    pub name_range: TextRange,
    /// Index into the same list of the enclosing `declare` or `foreach`.
    pub parent: Option<usize>,
}

/// A place in a file, for go-to-definition and references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NavTarget {
    pub file: SourceFile,
    pub path: String,
    pub range: TextRange,
    /// The range to select (a block's name).
    pub focus: TextRange,
}

/// The graph for an `alloy/graph` request.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Graph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphNode {
    /// Upstream's node id (`prometheus.scrape.default`).
    pub id: String,
    pub name: String,
    pub label: Option<String>,
    pub kind: ItemKind,
    pub file: SourceFile,
    pub path: String,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphEdge {
    /// Indices into `nodes`: `from` references `to`.
    pub from: usize,
    pub to: usize,
    /// What flows along the edge (empty for plain value references).
    pub signals: SignalSet,
    pub export: Option<String>,
}

impl Analysis {
    fn with<T>(&self, f: impl FnOnce(&Database) -> T) -> Cancellable<T> {
        salsa::Cancelled::catch(AssertUnwindSafe(|| f(&self.db)))
    }

    /// All diagnostics of a config: syntax errors if there are any (upstream
    /// stops there), otherwise every semantic check, in upstream's order.
    pub fn diagnostics(&self, config: Config) -> Cancellable<Vec<Diagnostic>> {
        self.warm(config)?;
        crate::timings::mark(format_args!("checked"));
        let diagnostics = self.with(|db| diag::diagnostics(db, config));
        crate::timings::mark(format_args!("assembled"));
        diagnostics
    }

    /// Computes the per-file and per-item queries of a large config on
    /// several threads, so the sequential assembly afterwards finds them
    /// memoised. Each thread works on its own snapshot; salsa makes a
    /// thread wait when another is computing the same query.
    ///
    /// Item checks are handed out in small runs from a shared counter, so
    /// the threads finish together whatever the items cost. The component
    /// graph (which needs every item's references, not its checks) is built
    /// at the same time on a thread of its own: built after the checks, it
    /// was a serial tail. It runs alone on its thread because salsa clears
    /// a thread's dependency set per query depth in time proportional to
    /// the largest set that depth held: thousands of item checks after the
    /// graph on one thread would each pay for the graph's set. While the
    /// scopes are being built, the other threads lower items.
    fn warm(&self, config: Config) -> Cancellable<()> {
        let threads = crate::threads();
        let size: usize =
            self.with(|db| config.files(db).iter().map(|f| f.bytes(db).len()).sum())?;
        if threads < 2 || size < PARALLEL_THRESHOLD {
            return Ok(());
        }
        // A file upstream refuses to decode stops the check before parsing
        // (`diag::syntax_diagnostics`): nothing to warm.
        let refused = self.with(|db| {
            config
                .files(db)
                .iter()
                .any(|f| crate::encoding::ensure_utf8(f.bytes(db)).is_err())
        })?;
        if refused {
            return Ok(());
        }
        let cancelled = std::sync::atomic::AtomicBool::new(false);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let tree_ready = std::sync::atomic::AtomicBool::new(false);
        // Runs `work`, noting a cancellation instead of unwinding the scope.
        let guarded = |work: &dyn Fn()| {
            if salsa::Cancelled::catch(AssertUnwindSafe(work)).is_err() {
                cancelled.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        };
        std::thread::scope(|scope| {
            let db = self.db.clone();
            let guarded = &guarded;
            scope.spawn(move || {
                guarded(&|| {
                    component_graph(&db, config);
                    crate::graph::graph_diagnostics(&db, config);
                    crate::timings::mark(format_args!("graph done"));
                })
            });
            // One worker more than there are cores: a worker that waits for
            // a query another thread is computing (salsa makes it wait)
            // leaves its core to the spare instead of idle. Measured on 2
            // cores: min of 15 about 90 ms against 98-107 ms with 2.
            let workers = threads + 1;
            for k in 0..workers {
                let db = self.db.clone();
                let (next, tree_ready) = (&next, &tree_ready);
                scope.spawn(move || {
                    guarded(&|| {
                        let files = config.files(&db);
                        for file in files.iter().skip(k).step_by(workers) {
                            item_index(&db, *file);
                        }
                        crate::timings::mark(format_args!("index done (thread {k})"));
                        if k == 0 {
                            module_tree(&db, config);
                            tree_ready.store(true, std::sync::atomic::Ordering::Release);
                        } else {
                            // While one thread builds the scopes (which
                            // the checks need), the others lower items
                            // (which need only the index), from the end.
                            'lower: for file in files.iter().rev() {
                                for &item in item_index(&db, *file).items.iter().rev() {
                                    if tree_ready.load(std::sync::atomic::Ordering::Acquire) {
                                        break 'lower;
                                    }
                                    crate::hir::item_data(&db, item);
                                }
                            }
                        }
                        let tree = module_tree(&db, config);
                        crate::timings::mark(format_args!("scopes done (thread {k})"));
                        // Runs of every scope, in scope order: neighbouring
                        // items' data sit together in memory. Every worker
                        // lists them (cheap) and takes them by position.
                        let runs: Vec<(ScopeId, u32)> = tree
                            .scopes
                            .iter()
                            .enumerate()
                            .flat_map(|(i, s)| {
                                (0..crate::check::run_count(s)).map(move |r| (ScopeId(i as u32), r))
                            })
                            .collect();
                        loop {
                            let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(&(scope, run)) = runs.get(at) else {
                                break;
                            };
                            crate::check::run_diagnostics(&db, config, scope, run);
                        }
                    });
                    crate::timings::mark(format_args!("item checks done (thread {k})"));
                });
            }
        });
        if cancelled.load(std::sync::atomic::Ordering::Relaxed) {
            // Let the caller see the cancellation the usual way.
            self.with(salsa::Database::unwind_if_revision_cancelled)?;
        }
        Ok(())
    }

    /// The diagnostics of one file of a config.
    pub fn file_diagnostics(
        &self,
        config: Config,
        file: SourceFile,
    ) -> Cancellable<Vec<Diagnostic>> {
        Ok(self
            .diagnostics(config)?
            .into_iter()
            .filter(|d| d.file == file)
            .collect())
    }

    pub fn parse(&self, file: SourceFile) -> Cancellable<Parse> {
        self.with(|db| parse(db, file))
    }

    pub fn line_index(&self, file: SourceFile) -> Cancellable<LineIndex> {
        self.with(|db| parse_ref(db, file).line_index())
    }

    pub fn path(&self, file: SourceFile) -> Cancellable<String> {
        self.with(|db| file.path(db).clone())
    }

    /// The items of a file, in source order, for outlines.
    pub fn items(&self, file: SourceFile) -> Cancellable<Vec<ItemInfo>> {
        self.with(|db| {
            let index = item_index(db, file);
            let mut mapper = Mapper::new(db);
            let mut parent = vec![None; index.items.len()];
            for (i, kids) in index.children.iter().enumerate() {
                for k in kids {
                    parent[*k as usize] = Some(i);
                }
            }
            index
                .items
                .iter()
                .enumerate()
                .filter_map(|(i, &item)| {
                    let (_, range) = mapper.range(&Anchor::item(item, NodeId(0), Span::Node))?;
                    let (_, name_range) =
                        mapper.range(&Anchor::item(item, NodeId(0), Span::Name))?;
                    Some(ItemInfo {
                        name: item.name(db).clone(),
                        label: item.label(db).clone(),
                        kind: classify(item.name(db), &item.id(db)),
                        range,
                        name_range,
                        parent: parent[i],
                    })
                })
                .collect()
        })
    }

    /// The definition of the reference at `offset`: the referenced block.
    /// References resolve in the config that lists `file` (the one the
    /// caller names; kept in the signature for symmetry with `references`).
    pub fn definition(
        &self,
        _config: Config,
        file: SourceFile,
        offset: TextSize,
    ) -> Cancellable<Option<NavTarget>> {
        self.with(|db| {
            let (_, target) = reference_at(db, file, offset)?;
            nav(db, target)
        })
    }

    /// Every reference, in the config, to the block at `offset` (or to the
    /// block a reference at `offset` names).
    pub fn references(
        &self,
        config: Config,
        file: SourceFile,
        offset: TextSize,
    ) -> Cancellable<Vec<NavTarget>> {
        self.with(|db| {
            let Some(target) = reference_at(db, file, offset)
                .map(|(_, t)| t)
                .or_else(|| block_at(db, file, offset))
            else {
                return Vec::new();
            };
            let tree = module_tree(db, config);
            let mut mapper = Mapper::new(db);
            let mut out = Vec::new();
            for &item in tree.scope_of.keys() {
                for reference in item_references(db, item).iter() {
                    if matches!(reference.target, Target::Item { item: t, .. } if t == target) {
                        let anchor = Anchor::item(item, reference.traversal.node, Span::Node);
                        if let Some((file, range)) = mapper.range(&anchor) {
                            out.push(NavTarget {
                                file,
                                path: file.path(db).clone(),
                                range,
                                focus: range,
                            });
                        }
                    }
                }
            }
            out.sort_by(|a, b| (&a.path, a.range.start()).cmp(&(&b.path, b.range.start())));
            out
        })
    }

    /// The component graph of a config.
    pub fn graph(&self, config: Config) -> Cancellable<Graph> {
        self.with(|db| {
            let graph = component_graph(db, config);
            let mut mapper = Mapper::new(db);
            let mut out = Graph::default();
            let mut index = FxHashMap::default();
            for &item in &graph.nodes {
                let Some((file, range)) = mapper.range(&Anchor::item(item, NodeId(0), Span::Node))
                else {
                    continue;
                };
                index.insert(item, out.nodes.len());
                out.nodes.push(GraphNode {
                    id: item.id(db),
                    name: item.name(db).clone(),
                    label: item.label(db).clone(),
                    kind: classify(item.name(db), &item.id(db)),
                    file,
                    path: file.path(db).clone(),
                    range,
                });
            }
            for edge in &graph.edges {
                if let (Some(&from), Some(&to)) = (index.get(&edge.from), index.get(&edge.to)) {
                    out.edges.push(GraphEdge {
                        from,
                        to,
                        signals: edge.signals,
                        export: edge.export.as_deref().map(str::to_owned),
                    });
                }
            }
            out
        })
    }
}

fn reference_at<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
    offset: TextSize,
) -> Option<(crate::resolve::Reference<'db>, crate::hir::Item<'db>)> {
    let index = item_index(db, file);
    let mut mapper = Mapper::new(db);
    for &item in &index.items {
        for reference in item_references(db, item).iter() {
            let Target::Item { item: target, .. } = reference.target else {
                continue;
            };
            let anchor = Anchor::item(item, reference.traversal.node, Span::Node);
            if let Some((_, range)) = mapper.range(&anchor) {
                if range.contains_inclusive(offset) {
                    return Some((reference.clone(), target));
                }
            }
        }
    }
    None
}

fn block_at<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
    offset: TextSize,
) -> Option<crate::hir::Item<'db>> {
    let index = item_index(db, file);
    let mut mapper = Mapper::new(db);
    index.items.iter().rev().copied().find(|&item| {
        mapper
            .range(&Anchor::item(item, NodeId(0), Span::Header))
            .is_some_and(|(_, r)| r.contains_inclusive(offset))
    })
}

fn nav(db: &dyn salsa::Database, item: crate::hir::Item<'_>) -> Option<NavTarget> {
    let mut mapper = Mapper::new(db);
    let (file, range) = mapper.range(&Anchor::item(item, NodeId(0), Span::Node))?;
    let (_, focus) = mapper.range(&Anchor::item(item, NodeId(0), Span::Name))?;
    Some(NavTarget {
        file,
        path: file.path(db).clone(),
        range,
        focus,
    })
}

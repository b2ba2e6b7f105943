//! What every handler shares: the state behind an async mutex, the write
//! queue and its single writer thread, and the read path (snapshot, blocking
//! thread, retry on cancellation).
//!
//! tower-lsp-server runs up to four messages concurrently, notifications
//! included, so edits and requests may interleave. Two rules keep answers
//! consistent:
//!
//! - Writes go, in the order their handlers first run (the order the
//!   messages arrived), onto one queue drained by one thread. Each write
//!   gets a sequence number; document versions make a reordered edit
//!   harmless on top of that (full synchronisation, stale versions dropped).
//! - A request first waits until every write submitted before it has been
//!   applied, so it never answers on text older than the edits the client
//!   sent before asking.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use alloy_analysis::Cancellable;
use tokio::sync::{watch, Notify};
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{FileEvent, TextDocumentContentChangeEvent, Uri};

use crate::convert::Encoding;

use crate::session::Session;
use crate::state::{Changed, State};
use crate::world::{DocCtx, DocTarget, World};

/// How many times a read is retried on a fresh snapshot after a write
/// cancelled it, before answering `ContentModified`.
const RETRIES: usize = 4;

/// A request never waits longer than this for earlier writes (they only
/// take this long if the writer thread is gone, which is a bug, but the
/// server must keep answering).
const WRITE_WAIT: Duration = Duration::from_secs(5);

/// A change to the state, applied by the writer thread.
#[derive(Debug)]
pub enum Write {
    Open {
        uri: Uri,
        version: i32,
        text: String,
    },
    Change {
        uri: Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    },
    Close {
        uri: Uri,
    },
    Watched(Vec<FileEvent>),
    Settings(serde_json::Value),
}

pub struct Shared {
    pub state: tokio::sync::Mutex<State>,
    queue: Mutex<Queue>,
    applied: watch::Sender<u64>,
    /// What changed since diagnostics were last computed.
    pub dirty: Mutex<Changed>,
    pub dirty_notify: Notify,
    /// Negotiated at `initialize`.
    pub session: OnceLock<Arc<Session>>,
    pub shutdown_requested: AtomicBool,
    pub publisher_started: AtomicBool,
    /// Requests being answered; the diagnostics task lets them go first.
    in_flight: AtomicUsize,
}

/// Counts a request as in flight for its lifetime.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn new(counter: &'a AtomicUsize) -> InFlight<'a> {
        counter.fetch_add(1, Ordering::SeqCst);
        InFlight(counter)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Queue {
    submitted: u64,
    tx: Sender<(u64, Write)>,
}

impl Shared {
    /// Creates the state and starts the writer thread (which ends when the
    /// last `Arc<Shared>` is dropped).
    pub fn new() -> Arc<Shared> {
        let (tx, rx) = channel();
        let (applied, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            state: tokio::sync::Mutex::new(State::new()),
            queue: Mutex::new(Queue { submitted: 0, tx }),
            applied,
            dirty: Mutex::new(Changed::default()),
            dirty_notify: Notify::new(),
            session: OnceLock::new(),
            shutdown_requested: AtomicBool::new(false),
            publisher_started: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
        });
        let weak = Arc::downgrade(&shared);
        let spawned = std::thread::Builder::new()
            .name("alloy-lsp-writer".into())
            .spawn(move || writer_loop(weak, rx));
        if let Err(err) = spawned {
            eprintln!("alloy lsp: cannot start the writer thread: {err}");
        }
        shared
    }

    pub fn session(&self) -> Arc<Session> {
        self.session.get().cloned().unwrap_or_default()
    }

    /// Queues a write. Synchronous, so that writes keep the order in which
    /// their handlers start.
    pub fn submit(&self, write: Write) {
        let Ok(mut queue) = self.queue.lock() else {
            return;
        };
        queue.submitted += 1;
        let seq = queue.submitted;
        if queue.tx.send((seq, write)).is_err() {
            // The writer is gone; let readers stop waiting for it.
            self.applied.send_replace(seq);
        }
    }

    /// Waits until every write submitted so far has been applied.
    pub async fn wait_for_writes(&self) {
        let target = match self.queue.lock() {
            Ok(queue) => queue.submitted,
            Err(_) => return,
        };
        let mut rx = self.applied.subscribe();
        let _ = tokio::time::timeout(WRITE_WAIT, rx.wait_for(|applied| *applied >= target)).await;
    }

    /// Runs `f` on a snapshot of the document's module, on a blocking
    /// thread. `Ok(None)` when the server knows no such document.
    pub async fn read<T, F>(&self, uri: &Uri, f: F) -> jsonrpc::Result<Option<T>>
    where
        T: Send + 'static,
        F: Fn(&World, &DocCtx) -> Cancellable<T> + Send + Sync + 'static,
    {
        let _in_flight = InFlight::new(&self.in_flight);
        self.wait_for_writes().await;
        let f = Arc::new(f);
        for _ in 0..RETRIES {
            let (world, target) = {
                let state = self.state.lock().await;
                let Some(target) = DocTarget::find(&state, uri) else {
                    return Ok(None);
                };
                (World::new(&state, self.session()), target)
            };
            let f = f.clone();
            let run = tokio::task::spawn_blocking(move || {
                std::panic::catch_unwind(AssertUnwindSafe(|| {
                    let doc = target.resolve(&world)?;
                    f(&world, &doc)
                }))
            })
            .await;
            match run {
                Ok(Ok(Ok(value))) => return Ok(Some(value)),
                Ok(Ok(Err(_cancelled))) => continue,
                Ok(Err(_)) | Err(_) => return Err(internal_error()),
            }
        }
        Err(content_modified())
    }

    /// Like [`Shared::read`] for work that needs no document (workspace
    /// symbols, diagnostics of a module).
    pub async fn read_world<T, F>(&self, f: F) -> jsonrpc::Result<T>
    where
        T: Send + 'static,
        F: Fn(&World) -> Cancellable<T> + Send + Sync + 'static,
    {
        let _in_flight = InFlight::new(&self.in_flight);
        self.wait_for_writes().await;
        let f = Arc::new(f);
        for _ in 0..RETRIES {
            let world = {
                let state = self.state.lock().await;
                World::new(&state, self.session())
            };
            let f = f.clone();
            let run = tokio::task::spawn_blocking(move || {
                std::panic::catch_unwind(AssertUnwindSafe(|| f(&world)))
            })
            .await;
            match run {
                Ok(Ok(Ok(value))) => return Ok(value),
                Ok(Ok(Err(_cancelled))) => continue,
                Ok(Err(_)) | Err(_) => return Err(internal_error()),
            }
        }
        Err(content_modified())
    }

    /// Waits (at most `limit`) until no request is being answered, so that
    /// a completion typed right after an edit does not share the CPU with
    /// the diagnostics of that edit. (Such a request is already counted:
    /// it was dispatched with the edit and has been waiting for the write.)
    pub async fn let_requests_go_first(&self, limit: Duration) {
        let start = tokio::time::Instant::now();
        tokio::task::yield_now().await;
        while self.in_flight.load(Ordering::SeqCst) > 0 && start.elapsed() < limit {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

pub fn content_modified() -> jsonrpc::Error {
    jsonrpc::Error {
        code: jsonrpc::ErrorCode::ContentModified,
        message: "the document changed while the request was being answered".into(),
        data: None,
    }
}

pub fn internal_error() -> jsonrpc::Error {
    jsonrpc::Error {
        code: jsonrpc::ErrorCode::InternalError,
        message: "the language server failed on this request (see its log)".into(),
        data: None,
    }
}

/// Applies writes in order, in batches: everything queued while one batch
/// was applied forms the next, so a burst of keystrokes costs one wake-up
/// of the diagnostics task.
fn writer_loop(shared: Weak<Shared>, rx: Receiver<(u64, Write)>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while let Ok(next) = rx.try_recv() {
            batch.push(next);
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let last = batch.last().map_or(0, |(seq, _)| *seq);
        let mut changed = Changed::default();
        {
            let mut state = shared.state.blocking_lock();
            for (_, write) in batch {
                let applied =
                    std::panic::catch_unwind(AssertUnwindSafe(|| apply(&mut state, write)));
                match applied {
                    Ok(c) => changed.merge(c),
                    Err(_) => eprintln!("alloy lsp: a document update failed and was skipped"),
                }
            }
        }
        shared.applied.send_replace(last);
        if !changed.is_empty() {
            if let Ok(mut dirty) = shared.dirty.lock() {
                dirty.merge(changed);
            }
            shared.dirty_notify.notify_one();
        }
    }
}

fn apply(state: &mut State, write: Write) -> Changed {
    match write {
        Write::Open { uri, version, text } => state.open(uri, version, text),
        Write::Change {
            uri,
            version,
            changes,
            encoding,
        } => state.change(uri, version, changes, encoding),
        Write::Close { uri } => state.close(&uri),
        Write::Watched(events) => state.watched(events),
        Write::Settings(value) => {
            let settings = state.settings.merged(&value);
            state.set_settings(settings)
        }
    }
}

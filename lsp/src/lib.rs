//! `alloy lsp`: the language server for the Grafana Alloy configuration
//! language, on the analysis database of `alloy check`.
//!
//! - [`serve`] runs the server over any byte streams (stdio in the binary,
//!   a duplex pipe in tests); [`service`] gives the bare `tower` service.
//! - One `AnalysisHost` sits behind an async mutex. Requests take a
//!   snapshot, release the lock and run on a blocking thread, retrying when
//!   an edit cancels them (then `ContentModified`). Edits are applied in
//!   arrival order by one writer thread (see `shared`).
//! - A module is a directory: opening a document loads every `*.alloy`
//!   file beside it, so definitions, references, renames and diagnostics
//!   work across the files of the directory.
//! - Trees come from the database's `parse` query, which re-parses only the
//!   top-level statements an edit touched (`alloy_syntax::reparse` from the
//!   file's previous tree), so completion and other tree-only requests
//!   right after a keystroke do not wait for a full parse of the file.
//! - Handlers (`handlers/`) turn snapshots into protocol answers; the IDE
//!   logic they share (cursor context, schemas, visible references) is in
//!   `ide/`; positions are converted in `convert`.

pub mod convert;
pub mod handlers;
pub mod ide;
mod server;
pub mod session;
pub mod shared;
pub mod state;
pub mod transport;
pub mod world;

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{ClientSocket, LspService};

pub use server::Server;

/// The service with every method registered, including `alloy/graph`.
pub fn service() -> (LspService<Server>, ClientSocket) {
    LspService::build(Server::new)
        .custom_method("alloy/graph", Server::graph)
        .custom_method(transport::INVALID_MESSAGE, Server::invalid_message)
        .finish()
}

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `shutdown` then `exit`: exit status 0.
    Clean,
    /// `exit` without `shutdown`, or the input closed: exit status 1.
    Abrupt,
}

/// Serves one client over `input`/`output` until `exit` or end of input.
pub async fn serve<I, O>(input: I, output: O) -> Outcome
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite,
{
    let (service, socket) = service();
    let shared = service.inner().shared();
    // Malformed messages are answered here instead of ending the session
    // (see `transport`).
    let (guarded, pipe) = tokio::io::duplex(1 << 16);
    let guard = tokio::spawn(transport::guard(input, pipe));
    tower_lsp_server::Server::new(guarded, output, socket)
        .serve(service)
        .await;
    guard.abort();
    if shared
        .shutdown_requested
        .load(std::sync::atomic::Ordering::SeqCst)
    {
        Outcome::Clean
    } else {
        Outcome::Abrupt
    }
}

/// Runs the server on standard input and output (the `alloy lsp` command).
pub fn run_stdio() -> std::io::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("alloy-lsp")
        .build()?;
    let outcome = runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    // Reading stdin blocks a thread that never returns once the client has
    // stopped writing; do not wait for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    Ok(outcome)
}

//! A Loki-compatible push sink: an HTTP server that decodes pushes exactly
//! as Loki's distributor does (protobuf + snappy block, or JSON with
//! optional gzip), answers 204, and records the entries and headers.
//!
//! No Loki server installs here, so tests of `loki.write` (in this crate,
//! the runtime and the binary) push to this. It can be told to answer with
//! another status (429, 500, 400) or to stop accepting, to test retries
//! and dropping.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;

use crate::entry::Entry;

/// One push the sink received.
#[derive(Clone, Debug)]
pub struct Push {
    pub path: String,
    pub headers: http::HeaderMap,
    /// The status it was answered with.
    pub status: u16,
    /// Decoded entries (empty when the answer was not 2xx or decoding
    /// failed).
    pub entries: Vec<Entry>,
    pub error: Option<String>,
}

struct State {
    pushes: Mutex<Vec<Push>>,
    status: AtomicU16,
    notify: tokio::sync::Notify,
}

/// A running sink; stops when dropped.
pub struct Sink {
    addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Sink {
    /// Listens on 127.0.0.1 on a free port.
    pub async fn start() -> std::io::Result<Sink> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            pushes: Mutex::new(Vec::new()),
            status: AtomicU16::new(204),
            notify: tokio::sync::Notify::new(),
        });
        let st = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let st = st.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(st.clone(), req));
                    let _ = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    )
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
                });
            }
        });
        Ok(Sink { addr, state, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>/loki/api/v1/push`.
    pub fn push_url(&self) -> String {
        format!("http://{}/loki/api/v1/push", self.addr)
    }

    /// Answers every later push with `status` (204 accepts).
    pub fn set_status(&self, status: u16) {
        self.state.status.store(status, Ordering::SeqCst);
    }

    pub fn pushes(&self) -> Vec<Push> {
        self.state
            .pushes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Entries of accepted pushes, in arrival order.
    pub fn entries(&self) -> Vec<Entry> {
        self.pushes()
            .into_iter()
            .filter(|p| p.status / 100 == 2)
            .flat_map(|p| p.entries)
            .collect()
    }

    /// Waits until `n` entries were accepted or `timeout` passed.
    pub async fn wait_for_entries(&self, n: usize, timeout: Duration) -> Vec<Entry> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.state.notify.notified();
            let entries = self.entries();
            if entries.len() >= n {
                return entries;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.entries();
            }
        }
    }

    /// Waits until `n` pushes (accepted or not) arrived.
    pub async fn wait_for_pushes(&self, n: usize, timeout: Duration) -> Vec<Push> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.state.notify.notified();
            let pushes = self.pushes();
            if pushes.len() >= n {
                return pushes;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.pushes();
            }
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let (parts, body) = req.into_parts();
    let header = |name: http::header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let body = match Limited::new(body, 64 << 20).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let status = state.status.load(Ordering::SeqCst);
    let (entries, error, status) = if status / 100 == 2 {
        match crate::push::decode(
            &body,
            header(http::header::CONTENT_TYPE).as_deref(),
            header(http::header::CONTENT_ENCODING).as_deref(),
            64 << 20,
        ) {
            Ok(entries) => (entries, None, status),
            Err(e) => (Vec::new(), Some(e.to_string()), 400),
        }
    } else {
        (Vec::new(), Some("refused by test".to_owned()), status)
    };
    let message = error.clone().unwrap_or_default();
    state
        .pushes
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Push {
            path: parts.uri.path().to_owned(),
            headers: parts.headers,
            status,
            entries,
            error,
        });
    state.notify.notify_waiters();
    let mut response = Response::new(Full::new(Bytes::from(message)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    Ok(response)
}

//! Loki's push API as a source: `POST /loki/api/v1/push` (protobuf +
//! snappy, or JSON with optional gzip) answered 204 as Loki answers,
//! `POST /loki/api/v1/raw` (one entry per line of the body), `GET /ready`.
//!
//! A push is answered only after its entries were handed to the receivers
//! (back-pressure reaches the client); a body that is not what its headers
//! say is refused with 400 (415 for an unknown content type, 413 past
//! `max_message_size`) and counted, never half-accepted.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;

use crate::entry::{Entry, Labels, Timestamp};
use crate::metrics::{Metric, Registry};
use crate::push::{decode, DecodeError};
use crate::receiver::Fanout;

/// Relabels a label set; `None` drops the entry.
pub type Relabel = Arc<dyn Fn(&Labels) -> Option<Labels> + Send + Sync>;

/// `loki.source.api` settings.
#[derive(Clone)]
pub struct ApiConfig {
    pub listen: SocketAddr,
    /// Added to every entry, replacing pushed labels of the same name.
    pub labels: Labels,
    pub use_incoming_timestamp: bool,
    /// Largest accepted body, compressed or not.
    pub max_message_size: usize,
    pub relabel: Option<Relabel>,
    pub graceful_shutdown: Duration,
}

struct Shared {
    cfg: ApiConfig,
    forward: Fanout,
    received: Metric,
    refused: Metric,
}

/// A running push API server; [`ApiServer::stop`] ends it.
pub struct ApiServer {
    addr: SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl ApiServer {
    pub async fn start(
        cfg: ApiConfig,
        forward: Fanout,
        registry: &Registry,
    ) -> std::io::Result<ApiServer> {
        let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            received: registry.counter(
                "loki_source_api_entries_total",
                "Entries received through the push API.",
                &["route"],
            ),
            refused: registry.counter(
                "loki_source_api_refused_requests_total",
                "Push requests refused, by reason.",
                &["reason"],
            ),
            cfg,
            forward,
        });
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let shared = shared.clone();
                        let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
                        let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
                        let conn = builder.serve_connection_with_upgrades(hyper_util::rt::TokioIo::new(stream), service).into_owned();
                        let conn = graceful.watch(conn);
                        tokio::spawn(async move { let _ = conn.await; });
                    }
                    _ = stopped.changed() => break,
                }
            }
            let grace = shared.cfg.graceful_shutdown;
            let _ = tokio::time::timeout(grace, graceful.shutdown()).await;
        });
        Ok(ApiServer { addr, stop, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets requests in flight finish (bounded by
    /// `graceful_shutdown`).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

fn answer(status: StatusCode, text: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(text.into()));
    *r.status_mut() = status;
    r
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    Ok(match (method, path.as_str()) {
        (Method::GET, "/ready") => answer(StatusCode::OK, "ready"),
        (Method::POST, "/loki/api/v1/push" | "/api/v1/push") => push(&shared, req, false).await,
        (Method::POST, "/loki/api/v1/raw") => push(&shared, req, true).await,
        (_, "/loki/api/v1/push" | "/loki/api/v1/raw") => {
            answer(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        }
        _ => answer(StatusCode::NOT_FOUND, "404 page not found"),
    })
}

async fn push(shared: &Shared, req: Request<Incoming>, raw: bool) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let header = |name: http::header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let limit = shared.cfg.max_message_size;
    let body = match Limited::new(body, limit).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            let too_large = e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            shared
                .refused
                .inc(&[if too_large { "too_large" } else { "read_error" }]);
            return if too_large {
                answer(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("body exceeds {limit} bytes"),
                )
            } else {
                answer(StatusCode::BAD_REQUEST, format!("reading body: {e}"))
            };
        }
    };
    let entries = if raw {
        let now = Timestamp::now();
        String::from_utf8_lossy(&body)
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| Entry::new(Labels::new(), now, l))
            .collect()
    } else {
        match decode(
            &body,
            header(http::header::CONTENT_TYPE).as_deref(),
            header(http::header::CONTENT_ENCODING).as_deref(),
            limit,
        ) {
            Ok(e) => e,
            Err(e) => {
                let (status, reason) = match &e {
                    DecodeError::UnsupportedContentType(_) => {
                        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "content_type")
                    }
                    DecodeError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
                    _ => (StatusCode::BAD_REQUEST, "invalid_body"),
                };
                shared.refused.inc(&[reason]);
                return answer(status, e.to_string());
            }
        }
    };
    let now = Timestamp::now();
    let mut out = Vec::with_capacity(entries.len());
    for mut e in entries {
        for (k, v) in shared.cfg.labels.iter() {
            e.labels.insert(k, v);
        }
        if let Some(relabel) = &shared.cfg.relabel {
            match relabel(&e.labels) {
                Some(l) if !l.is_empty() => e.labels = l,
                _ => continue,
            }
        }
        if !shared.cfg.use_incoming_timestamp {
            e.timestamp = now;
        }
        out.push(e);
    }
    shared
        .received
        .add(&[if raw { "raw" } else { "push" }], out.len() as f64);
    shared.forward.send(out).await;
    answer(StatusCode::NO_CONTENT, Bytes::new())
}

//! The HTTP server `alloy run` starts (upstream's `http` service):
//!
//! | path | what |
//! |---|---|
//! | `GET /metrics` | Prometheus text: controller, config, process and every component's metrics |
//! | `/-/ready` | 200 `Alloy is ready.` after the first successful load, else 503 `Alloy is not ready.` |
//! | `/-/healthy` | 200 `All Alloy components are healthy.`, or 500 `unhealthy components: a, b` |
//! | `GET`/`POST /-/reload` | reloads the config: 200 `config reloaded`, or 400 with the error (also a component that failed to start); other methods, `HEAD` included, 405 |
//! | `/api/v0/web/components` | the top-level components (JSON) |
//! | `/api/v0/web/components/{id}` | one component with arguments, exports, debug info |
//! | `/api/v0/web/modules/{id}/components` | the components of a module |
//! | `/graph` (and `/`) | a page drawing the live graph and each component's health |
//!
//! Connections are served with a header-read timeout (a client that does
//! not finish its request headers in time is disconnected: slowloris) and
//! an idle timeout (a connection with no request in flight and no traffic
//! is closed), as the OTLP receiver's HTTP server does.

mod alloyjson;
mod api;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;

use crate::controller::Shared;
use crate::metrics;
pub(crate) use api::start_failures;

/// Reloads the config; the error is the text `/-/reload` answers with.
pub type ReloadFn =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// What the handlers read.
#[derive(Clone)]
pub struct ServerState {
    pub shared: Arc<Shared>,
    pub metrics: metrics::Registry,
    pub reload: ReloadFn,
}

/// The page served at `/graph`.
const GRAPH_PAGE: &str = include_str!("graph.html");

/// The routes.
pub fn router(state: ServerState) -> Router {
    Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/-/ready", get(ready))
        .route("/-/healthy", get(healthy))
        // axum answers HEAD with the GET handler; a HEAD must not reload.
        .route(
            "/-/reload",
            get(reload).post(reload).head(method_not_allowed),
        )
        .route("/api/v0/web/components", get(list_components))
        .route("/api/v0/web/components/{*id}", get(get_component))
        .route("/api/v0/web/modules/{*rest}", get(module_components))
        .route("/graph", get(graph_page))
        .route("/", get(graph_page))
        .fallback(not_found)
        .with_state(state)
}

/// Connection timeouts of the admin server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// A request's headers must arrive within this time.
    pub read_header: Duration,
    /// A connection with no request in flight and no bytes moving for this
    /// long is closed.
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            read_header: Duration::from_secs(10),
            idle: Duration::from_secs(120),
        }
    }
}

/// Serves until `shutdown` is cancelled, then finishes the requests in
/// flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ServerState,
    shutdown: CancellationToken,
    timeouts: Timeouts,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto;

    let app = router(state);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.read_header);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // EMFILE and the like are transient.
                    tracing::warn!(error = %e, "http accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(Watched {
            inner: stream,
            activity: activity.clone(),
        });
        let service = TrackInFlight {
            inner: app.clone(),
            activity: activity.clone(),
        };
        let service = hyper_util::service::TowerToHyperService::new(service);
        let conn = graceful.watch(builder.serve_connection(io, service).into_owned());
        let idle = timeouts.idle;
        tokio::spawn(async move {
            tokio::pin!(conn);
            loop {
                let wait = idle.saturating_sub(activity.idle_for());
                tokio::select! {
                    _ = &mut conn => return,
                    _ = tokio::time::sleep(wait.max(Duration::from_millis(10))) => {
                        if activity.in_flight.load(Ordering::Acquire) == 0 && activity.idle_for() >= idle {
                            // Dropping the connection closes it.
                            return;
                        }
                    }
                }
            }
        });
    }
    // Requests in flight finish; idle keep-alive connections close.
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(5)) => {}
    }
    Ok(())
}

/// When a connection last moved bytes, and how many requests it has in
/// flight.
struct Activity {
    started: Instant,
    /// Milliseconds since `started` of the last read or write.
    last: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    fn new() -> Self {
        Activity {
            started: Instant::now(),
            last: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let now = self.started.elapsed().as_millis() as u64;
        self.last.store(now, Ordering::Release);
    }

    fn idle_for(&self) -> Duration {
        let now = self.started.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last.load(Ordering::Acquire)))
    }
}

/// A socket that records its activity.
struct Watched<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Counts the connection's requests in flight (a slow `/-/reload` is not
/// idle).
#[derive(Clone)]
struct TrackInFlight {
    inner: Router,
    activity: Arc<Activity>,
}

impl tower::Service<axum::http::Request<hyper::body::Incoming>> for TrackInFlight {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, std::convert::Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: axum::http::Request<hyper::body::Incoming>) -> Self::Future {
        use tower::ServiceExt;
        let activity = self.activity.clone();
        activity.in_flight.fetch_add(1, Ordering::AcqRel);
        let router = self.inner.clone();
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        Box::pin(async move {
            let response = router
                .oneshot(req.map(axum::body::Body::new))
                .await
                .unwrap_or_else(|e| match e {});
            tracing::debug!(method = %method, path = %path, status = response.status().as_u16(), "http request");
            activity.in_flight.fetch_sub(1, Ordering::AcqRel);
            activity.touch();
            Ok(response)
        })
    }
}

async fn method_not_allowed() -> Response {
    let mut response = text(
        StatusCode::METHOD_NOT_ALLOWED,
        "405 method not allowed\n".to_owned(),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    response
}

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (
                header::HeaderName::from_static("x-content-type-options"),
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response()
}

fn json(body: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

async fn not_found() -> Response {
    text(StatusCode::NOT_FOUND, "404 page not found\n".to_owned())
}

async fn metrics_handler(State(state): State<ServerState>) -> Response {
    let body = metrics::text::encode(state.metrics.gather());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(metrics::text::CONTENT_TYPE),
        )],
        body,
    )
        .into_response()
}

async fn ready(State(state): State<ServerState>) -> Response {
    if state.shared.ready() {
        text(StatusCode::OK, "Alloy is ready.\n".to_owned())
    } else {
        text(
            StatusCode::SERVICE_UNAVAILABLE,
            "Alloy is not ready.\n".to_owned(),
        )
    }
}

async fn healthy(State(state): State<ServerState>) -> Response {
    let unhealthy = api::unhealthy(&state.shared);
    if unhealthy.is_empty() {
        text(
            StatusCode::OK,
            "All Alloy components are healthy.\n".to_owned(),
        )
    } else {
        text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("unhealthy components: {}", unhealthy.join(", ")),
        )
    }
}

async fn reload(State(state): State<ServerState>) -> Response {
    tracing::info!("reload requested via /-/reload endpoint");
    match (state.reload)().await {
        Ok(()) => {
            tracing::info!("config reloaded");
            text(StatusCode::OK, "config reloaded\n".to_owned())
        }
        Err(error) => {
            tracing::error!(err = %error, "failed to reload config");
            text(StatusCode::BAD_REQUEST, format!("{error}\n"))
        }
    }
}

async fn list_components(State(state): State<ServerState>) -> Response {
    match api::list(&state.shared, "") {
        Some(body) => json(body),
        // Nothing loaded yet: an empty list, as upstream's empty graph.
        None => json("[]".to_owned()),
    }
}

async fn get_component(State(state): State<ServerState>, Path(id): Path<String>) -> Response {
    match api::get(&state.shared, &id) {
        Some(body) => json(body),
        None => not_found().await,
    }
}

async fn module_components(State(state): State<ServerState>, Path(rest): Path<String>) -> Response {
    let Some(module) = rest.strip_suffix("/components") else {
        return not_found().await;
    };
    match api::list(&state.shared, module) {
        Some(body) => json(body),
        None => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "module not found\n".to_owned(),
        ),
    }
}

async fn graph_page() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        GRAPH_PAGE,
    )
        .into_response()
}

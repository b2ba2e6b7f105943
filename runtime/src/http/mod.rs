//! The HTTP server `alloy run` starts (upstream's `http` service):
//!
//! | path | what |
//! |---|---|
//! | `GET /metrics` | Prometheus text: controller, config, process and every component's metrics |
//! | `/-/ready` | 200 `Alloy is ready.` after the first successful load, else 503 `Alloy is not ready.` |
//! | `/-/healthy` | 200 `All Alloy components are healthy.`, or 500 `unhealthy components: a, b` |
//! | `GET`/`POST /-/reload` | reloads the config: 200 `config reloaded`, or 400 with the error |
//! | `/api/v0/web/components` | the top-level components (JSON) |
//! | `/api/v0/web/components/{id}` | one component with arguments, exports, debug info |
//! | `/api/v0/web/modules/{id}/components` | the components of a module |
//! | `/graph` (and `/`) | a page drawing the live graph and each component's health |

mod alloyjson;
mod api;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;

use crate::controller::Shared;
use crate::metrics;

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
        .route("/-/reload", get(reload).post(reload))
        .route("/api/v0/web/components", get(list_components))
        .route("/api/v0/web/components/{*id}", get(get_component))
        .route("/api/v0/web/modules/{*rest}", get(module_components))
        .route("/graph", get(graph_page))
        .route("/", get(graph_page))
        .fallback(not_found)
        .with_state(state)
}

/// Serves until `shutdown` is cancelled, then finishes the requests in
/// flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ServerState,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
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

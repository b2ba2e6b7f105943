//! `loki.source.api`: Loki's push API (`alloy_loki::source::api`) on the
//! `http` block's address, entries sent to `forward_to`.
//!
//! Refused by name until implemented: the `grpc` block, `http > tls`,
//! `http > http2`, `conn_limit` and the server timeouts, and
//! `relabel_rules` (the relabel engine is not wired to Loki yet).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use alloy_loki as loki;
use loki::source::api::{ApiConfig, ApiServer};
use loki::Fanout;
use tokio::sync::Notify;

use super::{expose_metrics, labels_arg, receivers};
use crate::component::{
    Arguments, BoxFuture, Component, ComponentError, Context, Health, Registration, Shutdown,
};
use crate::components::otelcol::parse_bytes;
use crate::value::Value;

pub(super) fn registration() -> Option<Registration> {
    Registration::from_catalogue("loki.source.api", |ctx, args| {
        let component = Arc::new(SourceApi::new(ctx));
        component.update(args)?;
        Ok(component as Arc<dyn Component>)
    })
    .map_err(|e| tracing::error!(err = %e, "loki.source.api is missing from the catalogue"))
    .ok()
}

fn err(message: impl Into<String>) -> ComponentError {
    ComponentError::new(message)
}

fn decode(args: &Arguments) -> Result<(ApiConfig, Fanout), ComponentError> {
    if args.block("grpc").is_some() {
        return Err(err("block grpc is not supported by this runtime yet"));
    }
    let relabel: Value = args.get_or("relabel_rules", Value::Null)?;
    if !relabel.is_null() {
        return Err(err("relabel_rules is not supported by this runtime yet"));
    }
    let (mut host, mut port) = (String::new(), 8080i64);
    if let Some(http) = args.block("http") {
        let h = &http.body;
        for b in ["tls", "http2"] {
            if h.block(b).is_some() {
                return Err(err(format!(
                    "block http.{b} is not supported by this runtime yet"
                )));
            }
        }
        for a in [
            "conn_limit",
            "server_read_timeout",
            "server_write_timeout",
            "server_idle_timeout",
        ] {
            if h.attribute(a).is_some() {
                return Err(err(format!(
                    "http.{a} is not supported by this runtime yet"
                )));
            }
        }
        host = h.get_or("listen_address", String::new())?;
        port = h.get_or("listen_port", 8080)?;
    }
    let port =
        u16::try_from(port).map_err(|_| err(format!("http.listen_port {port} is out of range")))?;
    let host = if host.is_empty() {
        "0.0.0.0".to_owned()
    } else {
        host
    };
    let listen: SocketAddr = format!("{host}:{port}")
        .parse()
        .or_else(|_| format!("[{host}]:{port}").parse())
        .map_err(|_| err(format!("http.listen_address {host:?} is not an IP address")))?;
    let size: String = args.get_or("max_send_message_size", "100MiB".to_owned())?;
    let max_message_size = parse_bytes(&size).ok_or_else(|| {
        err(format!(
            "invalid max_send_message_size {size:?}: not a size"
        ))
    })?;
    let cfg = ApiConfig {
        listen,
        labels: labels_arg(args, "labels")?,
        use_incoming_timestamp: args.get_or("use_incoming_timestamp", false)?,
        max_message_size,
        relabel: None,
        graceful_shutdown: args.get_or("graceful_shutdown_timeout", Duration::from_secs(30))?,
    };
    Ok((cfg, receivers(args, "forward_to")?))
}

#[derive(Default)]
struct State {
    pending: Option<(ApiConfig, Fanout)>,
    /// The last arguments, for a restarted run task.
    last: Option<(ApiConfig, Fanout)>,
}

struct SourceApi {
    ctx: Context,
    registry: loki::metrics::Registry,
    state: Mutex<State>,
    changed: Notify,
    health: Mutex<Health>,
}

impl SourceApi {
    fn new(ctx: Context) -> SourceApi {
        let registry = loki::metrics::Registry::new();
        expose_metrics(&ctx, &registry);
        SourceApi {
            ctx,
            registry,
            state: Mutex::new(State::default()),
            changed: Notify::new(),
            health: Mutex::new(Health::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_health(&self, h: Health) {
        *self.health.lock().unwrap_or_else(|p| p.into_inner()) = h;
    }
}

impl Component for SourceApi {
    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let decoded = decode(&args)?;
        let mut state = self.state();
        state.last = Some(decoded.clone());
        state.pending = Some(decoded);
        drop(state);
        self.changed.notify_one();
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            let mut server: Option<ApiServer> = None;
            {
                let mut state = self.state();
                if state.pending.is_none() {
                    state.pending = state.last.clone();
                }
            }
            loop {
                let pending = self.state().pending.take();
                if let Some((cfg, forward)) = pending {
                    // The port is released before the new server binds it.
                    if let Some(old) = server.take() {
                        old.stop().await;
                    }
                    match ApiServer::start(cfg.clone(), forward, &self.registry).await {
                        Ok(s) => {
                            self.set_health(Health::healthy("started component"));
                            server = Some(s);
                        }
                        Err(e) => {
                            let _entered = self.ctx.span.enter();
                            tracing::error!(addr = %cfg.listen, err = %e, "loki.source.api failed to listen");
                            self.set_health(Health::unhealthy(format!(
                                "failed to listen on {}: {e}",
                                cfg.listen
                            )));
                        }
                    }
                }
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = self.changed.notified() => {}
                }
            }
            if let Some(s) = server {
                s.stop().await;
            }
            Ok(())
        })
    }

    fn health(&self) -> Option<Health> {
        Some(
            self.health
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        )
    }
}

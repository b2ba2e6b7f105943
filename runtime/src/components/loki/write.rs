//! `loki.write`: decodes the arguments into `alloy_loki::write` settings
//! and runs a `Writer` behind a stable receiver.
//!
//! Every argument and block of the catalogue is either honoured or refused
//! by name: proxies, `oauth2` and the `wal` are not implemented, and
//! `follow_redirects = true` is refused (redirects are not followed: a 3xx
//! answer drops the batch, counted).

use std::sync::{Arc, Mutex, MutexGuard};

use alloy_loki as loki;
use alloy_otelcol as otel;
use loki::write::{EndpointConfig, QueueConfig, WriteConfig, WriteMetrics, Writer};
use tokio::sync::Notify;

use super::{expose_metrics, labels_arg, publish_receiver, ForwardingReceiver};
use crate::component::{
    Arguments, BoxFuture, Component, ComponentError, Context, Health, Registration, Shutdown,
};
use crate::components::otelcol::{client_tls_body, parse_bytes};
use crate::value::{OptionalSecret, Secret};

pub(super) fn registration() -> Option<Registration> {
    Registration::from_catalogue("loki.write", |ctx, args| {
        let component = Arc::new(LokiWrite::new(ctx));
        component.update(args)?;
        Ok(component as Arc<dyn Component>)
    })
    .map_err(|e| tracing::error!(err = %e, "loki.write is missing from the catalogue"))
    .ok()
}

fn err(message: impl Into<String>) -> ComponentError {
    ComponentError::new(message)
}

fn refuse(body: &Arguments, prefix: &str, names: &[&str]) -> Result<(), ComponentError> {
    for name in names {
        if body.attribute(name).is_some() {
            return Err(err(format!(
                "{prefix}{name} is not supported by this runtime yet"
            )));
        }
    }
    Ok(())
}

fn size(body: &Arguments, name: &str, default: usize) -> Result<usize, ComponentError> {
    match body.get::<String>(name)? {
        None => Ok(default),
        Some(text) => {
            parse_bytes(&text).ok_or_else(|| err(format!("invalid {name} {text:?}: not a size")))
        }
    }
}

fn secret_or_file(
    body: &Arguments,
    name: &str,
    file: &str,
    prefix: &str,
) -> Result<Option<String>, ComponentError> {
    let inline = body.get::<Secret>(name)?.map(|s| s.reveal().to_owned());
    let path: Option<String> = body.get(file)?;
    match (inline, path) {
        (Some(_), Some(_)) => Err(err(format!(
            "{prefix}at most one of {name} and {file} must be configured"
        ))),
        (Some(v), None) => Ok(Some(v)),
        (None, Some(path)) => std::fs::read_to_string(&path)
            .map(|s| Some(s.trim().to_owned()))
            .map_err(|e| err(super::super::go_io_error("open", &path, &e))),
        (None, None) => Ok(None),
    }
}

/// One `endpoint` block.
pub(crate) fn endpoint(body: &Arguments, index: usize) -> Result<EndpointConfig, ComponentError> {
    let prefix = "endpoint.";
    refuse(
        body,
        prefix,
        &["proxy_url", "no_proxy", "proxy_connect_header"],
    )?;
    if body.get_or("proxy_from_environment", false)? {
        return Err(err(
            "endpoint.proxy_from_environment is not supported by this runtime yet",
        ));
    }
    if body.get_or("follow_redirects", false)? {
        return Err(err(
            "endpoint.follow_redirects is not supported by this runtime yet (redirects are not followed)",
        ));
    }
    if body.block("oauth2").is_some() {
        return Err(err(
            "block endpoint.oauth2 is not supported by this runtime yet",
        ));
    }
    let url: String = body.require("url")?;
    let mut cfg = EndpointConfig::new(url);
    cfg.name = body.get_or("name", String::new())?;
    if cfg.name.is_empty() {
        cfg.name = format!("endpoint-{index}");
    }
    cfg.batch_wait = body.get_or("batch_wait", cfg.batch_wait)?;
    cfg.batch_size = size(body, "batch_size", cfg.batch_size)?;
    cfg.remote_timeout = body.get_or("remote_timeout", cfg.remote_timeout)?;
    cfg.min_backoff = body.get_or("min_backoff_period", cfg.min_backoff)?;
    cfg.max_backoff = body.get_or("max_backoff_period", cfg.max_backoff)?;
    let retries: i64 = body.get_or("max_backoff_retries", 10)?;
    cfg.max_retries = u32::try_from(retries.max(0)).unwrap_or(u32::MAX);
    cfg.tenant_id = body.get_or("tenant_id", String::new())?;
    cfg.retry_on_http_429 = body.get_or("retry_on_http_429", true)?;
    cfg.enable_http2 = body.get_or("enable_http2", true)?;
    if cfg.batch_size == 0 {
        return Err(err("endpoint.batch_size must be greater than 0"));
    }
    if cfg.min_backoff > cfg.max_backoff {
        return Err(err(
            "endpoint.min_backoff_period must not be greater than max_backoff_period",
        ));
    }

    let headers: std::collections::BTreeMap<String, String> =
        body.get_or("headers", Default::default())?;
    cfg.headers.extend(headers);
    let http_headers: std::collections::BTreeMap<String, Vec<OptionalSecret>> =
        body.get_or("http_headers", Default::default())?;
    for (name, values) in http_headers {
        for v in values {
            cfg.headers.push((name.clone(), v.reveal().to_owned()));
        }
    }

    // Authentication: each becomes an `Authorization` header.
    let mut auth: Vec<String> = Vec::new();
    if let Some(token) = secret_or_file(body, "bearer_token", "bearer_token_file", prefix)? {
        auth.push(format!("Bearer {token}"));
    }
    if let Some(basic) = body.block("basic_auth") {
        let b = &basic.body;
        let username: String = b.get_or("username", String::new())?;
        let password = secret_or_file(b, "password", "password_file", "endpoint.basic_auth.")?
            .unwrap_or_default();
        let token =
            crate::stdlib::encoding::base64_std(format!("{username}:{password}").as_bytes());
        auth.push(format!("Basic {token}"));
    }
    if let Some(a) = body.block("authorization") {
        let b = &a.body;
        let kind: String = b.get_or("type", "Bearer".to_owned())?;
        let credentials = secret_or_file(
            b,
            "credentials",
            "credentials_file",
            "endpoint.authorization.",
        )?
        .unwrap_or_default();
        auth.push(format!("{kind} {credentials}"));
    }
    match auth.len() {
        0 => {}
        1 => cfg.headers.push(("Authorization".into(), auth.remove(0))),
        _ => {
            return Err(err(
                "at most one of basic_auth, authorization, oauth2, bearer_token & bearer_token_file must be configured",
            ))
        }
    }

    if let Some(tls) = body.block("tls_config") {
        let tls = client_tls_body(&tls.body, "endpoint.tls_config.")?;
        let config = otel::tls::client_config(&tls).map_err(|e| err(e.to_string()))?;
        cfg.tls = Some(Arc::new(config));
    } else if cfg.url.starts_with("https:") {
        let config = otel::tls::client_config(&otel::TlsClientConfig::default())
            .map_err(|e| err(e.to_string()))?;
        cfg.tls = Some(Arc::new(config));
    }

    if let Some(q) = body.block("queue_config") {
        let q = &q.body;
        let d = QueueConfig::default();
        let min_shards: i64 = q.get_or("min_shards", 1)?;
        cfg.queue = QueueConfig {
            capacity: size(q, "capacity", d.capacity)?,
            min_shards: usize::try_from(min_shards.max(1)).unwrap_or(1),
            drain_timeout: q.get_or("drain_timeout", d.drain_timeout)?,
            block_on_overflow: q.get_or("block_on_overflow", d.block_on_overflow)?,
        };
    }
    Ok(cfg)
}

/// The whole `loki.write` body.
pub(crate) fn decode(args: &Arguments) -> Result<WriteConfig, ComponentError> {
    if let Some(wal) = args.block("wal") {
        if wal.body.get_or("enabled", false)? {
            return Err(err("block wal is not supported by this runtime yet"));
        }
    }
    let endpoints = args
        .blocks_named("endpoint")
        .enumerate()
        .map(|(i, b)| endpoint(&b.body, i))
        .collect::<Result<Vec<_>, _>>()?;
    let max_streams: i64 = args.get_or("max_streams", 0)?;
    Ok(WriteConfig {
        endpoints,
        external_labels: labels_arg(args, "external_labels")?,
        max_streams: usize::try_from(max_streams.max(0)).unwrap_or(0),
        user_agent: format!("Alloy/{}", env!("CARGO_PKG_VERSION")),
    })
}

#[derive(Default)]
struct State {
    current: Option<Arc<Writer>>,
    pending: Option<Arc<Writer>>,
}

struct LokiWrite {
    ctx: Context,
    metrics: WriteMetrics,
    input: Arc<ForwardingReceiver>,
    state: Mutex<State>,
    changed: Notify,
}

impl LokiWrite {
    fn new(ctx: Context) -> LokiWrite {
        let registry = loki::metrics::Registry::new();
        expose_metrics(&ctx, &registry);
        let input = Arc::new(ForwardingReceiver::new());
        publish_receiver(&ctx, input.clone());
        LokiWrite {
            metrics: WriteMetrics::new(&registry),
            ctx,
            input,
            state: Mutex::new(State::default()),
            changed: Notify::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Component for LokiWrite {
    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let cfg = decode(&args)?;
        let writer = Arc::new(Writer::new(cfg, &self.metrics).map_err(err)?);
        let mut state = self.state();
        if state.current.is_none() {
            // Entries queue until the run task starts the workers.
            self.input.set(writer.clone());
            state.current = Some(writer);
        } else {
            state.pending = Some(writer);
            drop(state);
            self.changed.notify_one();
        }
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            let current = self.state().current.clone();
            if let Some(current) = current {
                current.start();
            }
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = self.changed.notified() => {
                        let (new, old) = {
                            let mut state = self.state();
                            let Some(new) = state.pending.take() else { continue };
                            (new.clone(), state.current.replace(new))
                        };
                        new.start();
                        self.input.set(new);
                        if let Some(old) = old {
                            // The old writer drains into its endpoints.
                            let span = self.ctx.span.clone();
                            tokio::spawn(async move {
                                old.stop().await;
                                drop(span);
                            });
                        }
                    }
                }
            }
            let current = self.state().current.clone();
            if let Some(current) = current {
                current.stop().await;
            }
            Ok(())
        })
    }

    fn health(&self) -> Option<Health> {
        Some(Health::healthy("started component"))
    }

    fn debug_info(&self) -> Option<crate::value::Value> {
        None
    }
}

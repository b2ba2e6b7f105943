//! `prometheus.remote_write`: exports `receiver`; every batch it receives
//! is in the WAL under `<storage.path>/<component id>/wal` before `append`
//! returns, and one queue per `endpoint` sends from there.
//!
//! Updates keep the WAL (its `wal` block settings apply to the next
//! truncation) and restart the endpoint queues, which resume from their
//! progress files, so nothing is resent or skipped across an update.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use alloy_otelcol as otel;
use alloy_prometheus::model::{AppendError, Appendable, Batch, Labels};
use alloy_prometheus::relabel;
use alloy_prometheus::remote_write::client::{Auth, ClientOptions};
use alloy_prometheus::remote_write::proto::Message;
use alloy_prometheus::remote_write::queue::{
    EndpointOptions, LabelTransform, MetadataOptions, Queue, QueueOptions,
};
use alloy_prometheus::remote_write::storage::Storage;
use alloy_prometheus::wal::{Wal, WalOptions};
use http::header::{HeaderName, HeaderValue};
use sha2::Digest;
use tokio::sync::Notify;

use super::{err, refuse_blocks, refuse_set, ReceiverCapsule, Result};
use crate::component::{Arguments, BoxFuture, Component, Context, Health, Registration, Shutdown};
use crate::value::{Object, Secret, Value};

pub(super) fn registration() -> Option<Registration> {
    Registration::from_catalogue("prometheus.remote_write", |ctx, args| {
        let component = Arc::new(RemoteWrite::new(ctx));
        component.update(args)?;
        Ok(component as Arc<dyn Component>)
    })
    .map_err(|e| tracing::error!(err = %e, "prometheus.remote_write is missing from the catalogue"))
    .ok()
}

/// The stable `receiver` export: forwards to the component's storage.
struct Forwarder {
    target: RwLock<Option<Arc<Storage>>>,
}

impl Appendable for Forwarder {
    fn append(&self, batch: &Batch) -> std::result::Result<(), AppendError> {
        let target = self
            .target
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match target {
            Some(s) => s.append(batch),
            None => Err(AppendError::Closed),
        }
    }
}

#[derive(Default)]
struct State {
    storage: Option<Arc<Storage>>,
    endpoints: Vec<EndpointOptions>,
    /// Set by `update`; the run task restarts the queues.
    restart: bool,
}

struct RemoteWrite {
    ctx: Context,
    forwarder: Arc<Forwarder>,
    state: Arc<Mutex<State>>,
    changed: Notify,
    health: Mutex<Health>,
}

impl RemoteWrite {
    fn new(ctx: Context) -> RemoteWrite {
        let forwarder = Arc::new(Forwarder {
            target: RwLock::new(None),
        });
        let mut exports = Object::new();
        exports.insert(
            "receiver",
            Value::capsule(ReceiverCapsule(forwarder.clone() as Arc<dyn Appendable>)),
        );
        ctx.exports.publish(Value::object(exports));
        let state: Arc<Mutex<State>> = Arc::default();
        RemoteWrite {
            ctx,
            forwarder,
            state,
            changed: Notify::new(),
            health: Mutex::new(Health::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn start_queues(&self) {
        let (storage, endpoints) = {
            let mut state = self.state();
            state.restart = false;
            (state.storage.clone(), state.endpoints.clone())
        };
        let Some(storage) = storage else { return };
        let mut queues = Vec::new();
        for ep in endpoints {
            match Queue::start(storage.wal().clone(), ep, &self.ctx.metrics) {
                Ok(q) => queues.push(q),
                Err(e) => {
                    *self.health.lock().unwrap_or_else(|p| p.into_inner()) =
                        Health::unhealthy(format!("starting endpoint queue: {e}"));
                    tracing::error!(err = %e, "starting a remote write endpoint");
                }
            }
        }
        storage.set_queues(queues).await;
    }
}

impl Component for RemoteWrite {
    fn update(&self, args: Arguments) -> Result<()> {
        let config = decode(&args, &self.ctx.id)?;
        let mut state = self.state();
        match &state.storage {
            Some(storage) => storage.wal().set_options(config.wal),
            None => {
                let (wal, report) = Wal::open(&self.ctx.data_path, config.wal, &self.ctx.metrics)
                    .map_err(|e| {
                    err(format!(
                        "opening the WAL in {}: {e}",
                        self.ctx.data_path.display()
                    ))
                })?;
                let _span = self.ctx.span.enter();
                if report.segments > 0 {
                    tracing::info!(
                        segments = report.segments,
                        series = report.series,
                        torn_bytes = report.torn_bytes,
                        "replayed WAL"
                    );
                }
                let storage = Storage::new(wal, &self.ctx.metrics);
                *self
                    .forwarder
                    .target
                    .write()
                    .unwrap_or_else(|e| e.into_inner()) = Some(storage.clone());
                state.storage = Some(storage);
            }
        }
        state.endpoints = config.endpoints;
        state.restart = true;
        drop(state);
        *self.health.lock().unwrap_or_else(|p| p.into_inner()) = Health::healthy("started");
        self.changed.notify_one();
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<()>> {
        Box::pin(async move {
            let span = self.ctx.span.clone();
            let _ = span;
            self.start_queues().await;
            let storage = self.state().storage.clone();
            let truncation_stop = shutdown.child_token();
            if let Some(s) = &storage {
                tokio::spawn(s.clone().run_truncation(truncation_stop.clone()));
            }
            loop {
                tokio::select! {
                    () = self.changed.notified() => {
                        if self.state().restart {
                            self.start_queues().await;
                        }
                    }
                    () = shutdown.cancelled() => break,
                }
            }
            truncation_stop.cancel();
            if let Some(s) = storage {
                s.set_queues(Vec::new()).await;
                if let Err(e) = s.wal().sync() {
                    tracing::warn!(err = %e, "syncing the WAL at shutdown");
                }
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

    fn debug_info(&self) -> Option<Value> {
        let state = self.state();
        let storage = state.storage.as_ref()?;
        let mut info = Object::new();
        info.insert(
            "wal_directory",
            Value::from(storage.wal().dir().display().to_string()),
        );
        info.insert(
            "active_series",
            Value::from(storage.wal().series().len() as i64),
        );
        info.insert(
            "head_segment",
            Value::from(i64::from(storage.wal().head_segment())),
        );
        Some(Value::object(info))
    }
}

struct Config {
    wal: WalOptions,
    endpoints: Vec<EndpointOptions>,
}

fn duration(body: &Arguments, name: &str, default: Duration) -> Result<Duration> {
    Ok(body.get::<Duration>(name)?.unwrap_or(default))
}

fn decode(args: &Arguments, id: &str) -> Result<Config> {
    let external: std::collections::BTreeMap<String, String> =
        args.get_or("external_labels", Default::default())?;
    let external_labels: Vec<(String, String)> = external.into_iter().collect();
    let mut wal = WalOptions::default();
    if let Some(block) = args.block("wal") {
        let b = &block.body;
        wal.truncate_frequency = duration(b, "truncate_frequency", wal.truncate_frequency)?;
        wal.min_keepalive = duration(b, "min_keepalive_time", wal.min_keepalive)?;
        wal.max_keepalive = duration(b, "max_keepalive_time", wal.max_keepalive)?;
        if wal.truncate_frequency.is_zero() {
            return Err(err("wal.truncate_frequency must be greater than 0s"));
        }
        if wal.max_keepalive < wal.min_keepalive {
            return Err(err(
                "wal.max_keepalive_time must be greater than or equal to wal.min_keepalive_time",
            ));
        }
    }
    let mut endpoints = Vec::new();
    let mut names = std::collections::HashSet::new();
    for block in args.blocks_named("endpoint") {
        let ep = endpoint(&block.body, &external_labels, id)?;
        if !names.insert(ep.name.clone()) {
            return Err(err(format!(
                "duplicate remote write endpoint name {:?}",
                ep.name
            )));
        }
        endpoints.push(ep);
    }
    Ok(Config { wal, endpoints })
}

fn secret(body: &Arguments, name: &str) -> Result<Option<String>> {
    Ok(body
        .get::<Secret>(name)?
        .map(|s| s.reveal().to_owned())
        .filter(|s| !s.is_empty()))
}

fn read_secret_file(path: &str, what: &str) -> Result<String> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_owned())
        .map_err(|e| err(format!("unable to read {what} {path}: {e}")))
}

fn endpoint(
    b: &Arguments,
    external_labels: &[(String, String)],
    id: &str,
) -> Result<EndpointOptions> {
    let url_text: String = b.require("url")?;
    let url: http::Uri = url_text
        .parse()
        .map_err(|e| err(format!("endpoint.url {url_text:?}: {e}")))?;
    match url.scheme_str() {
        Some("http") | Some("https") => {}
        _ => {
            return Err(err(format!(
                "endpoint.url {url_text:?}: scheme must be http or https"
            )))
        }
    }
    // Refused by name: what this runtime does not implement.
    refuse_set(
        b,
        "endpoint.",
        &["proxy_url", "no_proxy", "proxy_connect_header"],
    )?;
    for flag in ["proxy_from_environment", "round_robin_dns"] {
        if b.get_or(flag, false)? {
            return Err(err(format!(
                "endpoint.{flag} is not supported by this runtime yet"
            )));
        }
    }
    refuse_blocks(b, "endpoint.", &["oauth2", "sigv4", "azuread"])?;
    let relabel = write_relabel(b)?;
    if b.get_or("send_native_histograms", false)? {
        return Err(err("endpoint.send_native_histograms = true is not supported by this runtime yet (its WAL stores float samples only)"));
    }
    let message_name: String = b.get_or("protobuf_message", Message::V1.name().to_owned())?;
    let message = Message::from_name(&message_name).ok_or_else(|| {
        err(format!(
            "endpoint.protobuf_message {message_name:?}: must be \"prometheus.WriteRequest\" or \"io.prometheus.write.v2.Request\""
        ))
    })?;
    let name = match b.get::<String>("name")?.filter(|s| !s.is_empty()) {
        Some(n) => n,
        None => {
            let digest = sha2::Sha256::digest(format!("{id}\n{url_text}").as_bytes());
            hex::encode(&digest[..3])
        }
    };
    let mut headers = Vec::new();
    let plain: std::collections::BTreeMap<String, String> =
        b.get_or("headers", Default::default())?;
    for (k, v) in plain {
        headers.push(header(&k, &v)?);
    }
    let multi: std::collections::BTreeMap<String, Vec<Secret>> =
        b.get_or("http_headers", Default::default())?;
    for (k, values) in multi {
        for v in values {
            headers.push(header(&k, v.reveal())?);
        }
    }
    let auth = auth(b)?;
    let tls = tls(b)?;
    let mut queue = QueueOptions::default();
    if let Some(q) = b.block("queue_config") {
        let q = &q.body;
        queue.capacity = q.get_or("capacity", queue.capacity)?;
        queue.min_shards = q.get_or("min_shards", queue.min_shards)?;
        queue.max_shards = q.get_or("max_shards", queue.max_shards)?;
        queue.max_samples_per_send =
            q.get_or("max_samples_per_send", queue.max_samples_per_send)?;
        queue.batch_send_deadline = duration(q, "batch_send_deadline", queue.batch_send_deadline)?;
        queue.min_backoff = duration(q, "min_backoff", queue.min_backoff)?;
        queue.max_backoff = duration(q, "max_backoff", queue.max_backoff)?;
        queue.retry_on_http_429 = q.get_or("retry_on_http_429", queue.retry_on_http_429)?;
        queue.sample_age_limit = duration(q, "sample_age_limit", queue.sample_age_limit)?;
        if queue.min_shards == 0 || queue.max_shards < queue.min_shards {
            return Err(err(
                "endpoint.queue_config: min_shards must be at least 1 and at most max_shards",
            ));
        }
        if queue.max_samples_per_send == 0 || queue.capacity == 0 {
            return Err(err(
                "endpoint.queue_config: capacity and max_samples_per_send must be positive",
            ));
        }
    }
    let mut metadata = Some(MetadataOptions::default());
    if let Some(m) = b.block("metadata_config") {
        let m = &m.body;
        if !m.get_or("send", true)? {
            metadata = None;
        } else if let Some(o) = metadata.as_mut() {
            o.send_interval = duration(m, "send_interval", o.send_interval)?;
            o.max_samples_per_send = m.get_or("max_samples_per_send", o.max_samples_per_send)?;
            if o.send_interval.is_zero() || o.max_samples_per_send == 0 {
                return Err(err("endpoint.metadata_config: send_interval and max_samples_per_send must be positive"));
            }
        }
    }
    if metadata.is_some() && message == Message::V2 {
        // Remote write 2.0 carries metadata inside each series, which this
        // runtime does not attach yet.
        return Err(err("endpoint.metadata_config.send = true with protobuf_message \"io.prometheus.write.v2.Request\" is not supported by this runtime yet; set metadata_config { send = false }"));
    }
    Ok(EndpointOptions {
        name,
        client: ClientOptions {
            url,
            timeout: duration(b, "remote_timeout", Duration::from_secs(30))?,
            headers,
            auth,
            tls,
            message,
            enable_http2: b.get_or("enable_http2", false)?,
            follow_redirects: b.get_or("follow_redirects", true)?,
            user_agent: format!("Alloy/{}", env!("CARGO_PKG_VERSION")),
        },
        queue,
        external_labels: external_labels.to_vec(),
        relabel,
        metadata,
    })
}

/// `write_relabel_config` blocks (a `rule` block's fields, Alloy's
/// validation), applied to each series before it is sent; a series the
/// rules drop is counted in `prometheus_remote_storage_samples_dropped_total`.
fn write_relabel(b: &Arguments) -> Result<Option<LabelTransform>> {
    let rules = super::relabel::decode_rule_blocks(
        b,
        "write_relabel_config",
        "endpoint.write_relabel_config: ",
    )?;
    if rules.is_empty() {
        return Ok(None);
    }
    let rules = Arc::new(rules);
    Ok(Some(Arc::new(move |pairs: Vec<(String, String)>| {
        let labels = Labels::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        relabel::apply(&rules, &labels).map(|out| {
            out.iter()
                .map(|l| (l.name.to_owned(), l.value.to_owned()))
                .collect()
        })
    })))
}

fn header(k: &str, v: &str) -> Result<(HeaderName, HeaderValue)> {
    let name = HeaderName::from_bytes(k.as_bytes())
        .map_err(|e| err(format!("endpoint.headers[{k:?}]: {e}")))?;
    let mut value =
        HeaderValue::from_str(v).map_err(|e| err(format!("endpoint.headers[{k:?}]: {e}")))?;
    value.set_sensitive(true);
    Ok((name, value))
}

fn auth(b: &Arguments) -> Result<Option<Auth>> {
    let mut found: Vec<(&str, Auth)> = Vec::new();
    if let Some(basic) = b.block("basic_auth") {
        let bb = &basic.body;
        let username: String = bb.get_or("username", String::new())?;
        let password = match (
            secret(bb, "password")?,
            bb.get::<String>("password_file")?.filter(|s| !s.is_empty()),
        ) {
            (Some(_), Some(_)) => {
                return Err(err(
                    "at most one of basic_auth password & password_file must be configured",
                ))
            }
            (Some(p), None) => p,
            (None, Some(f)) => read_secret_file(&f, "basic_auth.password_file")?,
            (None, None) => String::new(),
        };
        found.push(("basic_auth", Auth::Basic { username, password }));
    }
    let token = secret(b, "bearer_token")?;
    let token_file = b
        .get::<String>("bearer_token_file")?
        .filter(|s| !s.is_empty());
    if token.is_some() && token_file.is_some() {
        return Err(err(
            "at most one of bearer_token & bearer_token_file must be configured",
        ));
    }
    if let Some(t) = token {
        found.push((
            "bearer_token",
            Auth::Scheme {
                scheme: "Bearer".into(),
                credentials: t,
            },
        ));
    }
    if let Some(f) = token_file {
        found.push((
            "bearer_token_file",
            Auth::Scheme {
                scheme: "Bearer".into(),
                credentials: read_secret_file(&f, "bearer_token_file")?,
            },
        ));
    }
    if let Some(a) = b.block("authorization") {
        let ab = &a.body;
        let scheme: String = ab
            .get::<String>("type")?
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Bearer".into());
        let credentials = match (
            secret(ab, "credentials")?,
            ab.get::<String>("credentials_file")?
                .filter(|s| !s.is_empty()),
        ) {
            (Some(_), Some(_)) => return Err(err(
                "at most one of authorization credentials & credentials_file must be configured",
            )),
            (Some(c), None) => c,
            (None, Some(f)) => read_secret_file(&f, "authorization.credentials_file")?,
            (None, None) => String::new(),
        };
        if scheme.eq_ignore_ascii_case("basic") {
            return Err(err(
                "authorization type cannot be set to \"basic\", use \"basic_auth\" instead",
            ));
        }
        found.push((
            "authorization",
            Auth::Scheme {
                scheme,
                credentials,
            },
        ));
    }
    if found.len() > 1 {
        let names: Vec<&str> = found.iter().map(|(n, _)| *n).collect();
        return Err(err(format!(
            "at most one of {} must be configured",
            names.join(", ")
        )));
    }
    Ok(found.pop().map(|(_, a)| a))
}

fn tls(b: &Arguments) -> Result<Option<Arc<rustls::ClientConfig>>> {
    let Some(block) = b.block("tls_config") else {
        return Ok(None).and_then(|_: Option<()>| default_tls().map(Some));
    };
    let t = &block.body;
    refuse_set(t, "endpoint.tls_config.", &["max_version"])?;
    let pem = |file: &str, inline: Option<String>, what: &str| -> Result<Option<otel::Pem>> {
        let file = t.get::<String>(file)?.filter(|s| !s.is_empty());
        match (file, inline.filter(|s| !s.is_empty())) {
            (Some(_), Some(_)) => Err(err(format!(
                "endpoint.tls_config: provide only one of {what}_file or {what}_pem"
            ))),
            (Some(f), None) => Ok(Some(otel::Pem::File(f.into()))),
            (None, Some(p)) => Ok(Some(otel::Pem::Inline(p))),
            (None, None) => Ok(None),
        }
    };
    let mut versions = otel::TlsVersions::default();
    if let Some(v) = t.get::<String>("min_version")?.filter(|s| !s.is_empty()) {
        versions.min = otel::TlsVersion::parse(&v)
            .map_err(|e| err(format!("endpoint.tls_config.min_version: {e}")))?;
    }
    let cfg = otel::TlsClientConfig {
        insecure: false,
        insecure_skip_verify: t.get_or("insecure_skip_verify", false)?,
        ca: pem("ca_file", t.get::<String>("ca_pem")?, "ca")?,
        cert: pem("cert_file", t.get::<String>("cert_pem")?, "cert")?,
        key: pem("key_file", secret(t, "key_pem")?, "key")?,
        server_name: t.get::<String>("server_name")?.filter(|s| !s.is_empty()),
        versions,
    };
    let mut config =
        otel::tls::client_config(&cfg).map_err(|e| err(format!("endpoint.tls_config: {e}")))?;
    if let Some(name) = &cfg.server_name {
        // rustls takes the name from the URL; a different one is not
        // supported by the connector used here.
        let _ = name;
        return Err(err(
            "endpoint.tls_config.server_name is not supported by this runtime yet",
        ));
    }
    config.alpn_protocols.clear();
    Ok(Some(Arc::new(config)))
}

/// TLS with the system's roots, for `https` URLs without a `tls_config`.
fn default_tls() -> Result<Arc<rustls::ClientConfig>> {
    otel::tls::client_config(&otel::TlsClientConfig::default())
        .map(Arc::new)
        .map_err(|e| err(format!("loading the system's certificates: {e}")))
}

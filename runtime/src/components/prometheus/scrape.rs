//! `prometheus.scrape`: every argument of the catalogue decoded and either
//! honoured or refused by name; the crate's scrape pool does the work.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy_otelcol as otel;
use alloy_prometheus::model::Fanout;
use alloy_prometheus::scrape::http::{HttpOptions, ScrapeClient};
use alloy_prometheus::scrape::pool::ScrapePool;
use alloy_prometheus::scrape::scrape_loop::ScrapeMetrics;
use alloy_prometheus::scrape::target::TargetDefaults;
use alloy_prometheus::scrape::{accept_header, LoopOptions, Protocol};
use alloy_prometheus::Labels;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION};

use super::{forward_to, refuse_blocks, targets};
use crate::component::{
    Arguments, BoxFuture, Component, ComponentError, Context, Health, Registration, Shutdown,
};
use crate::value::{Object, Secret, Value};

type Result<T> = std::result::Result<T, ComponentError>;

fn err(message: impl Into<String>) -> ComponentError {
    ComponentError::new(message)
}

pub(super) fn registration() -> Option<Registration> {
    Registration::from_catalogue("prometheus.scrape", |ctx, args| {
        let component = Arc::new(Scrape::new(ctx));
        component.update(args)?;
        Ok(component as Arc<dyn Component>)
    })
    .map_err(|e| tracing::error!(err = %e, "prometheus.scrape is missing from the catalogue"))
    .ok()
}

/// Everything but the targets and receivers: a change restarts the loops.
#[derive(Clone)]
struct Settings {
    defaults: TargetDefaults,
    loop_opts: Arc<LoopOptions>,
    http: HttpOptions,
    target_limit: usize,
    /// For change detection (the TLS config has no equality).
    fingerprint: String,
}

fn secret(b: &Arguments, name: &str) -> Result<Option<String>> {
    Ok(b.get::<Secret>(name)?.map(|s| s.reveal().to_owned()))
}

fn read_file(path: &str, what: &str) -> Result<String> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_owned())
        .map_err(|e| {
            err(format!(
                "{what}: {}",
                super::super::go_io_error("open", path, &e)
            ))
        })
}

/// Refuses an attribute that is set to anything but `default`.
fn refuse_non_default<T: crate::value::FromValue + PartialEq + std::fmt::Debug>(
    args: &Arguments,
    name: &str,
    default: T,
) -> Result<()> {
    if let Some(v) = args.get::<T>(name)? {
        if v != default {
            return Err(err(format!(
                "{name} = {v:?} is not supported by this runtime yet"
            )));
        }
    }
    Ok(())
}

fn auth_header(args: &Arguments) -> Result<Option<HeaderValue>> {
    let mut found: Vec<(&str, String)> = Vec::new();
    if let Some(block) = args.block("basic_auth") {
        let b = &block.body;
        let username: String = b.get_or("username", String::new())?;
        let password = match (secret(b, "password")?, b.get::<String>("password_file")?) {
            (Some(_), Some(_)) => {
                return Err(err(
                    "at most one of basic_auth password & password_file must be configured",
                ))
            }
            (Some(p), None) => p,
            (None, Some(f)) => read_file(&f, "basic_auth.password_file")?,
            (None, None) => String::new(),
        };
        found.push((
            "basic_auth",
            format!("Basic {}", base64(&format!("{username}:{password}"))),
        ));
    }
    let token = secret(args, "bearer_token")?.filter(|s| !s.is_empty());
    let token_file = args
        .get::<String>("bearer_token_file")?
        .filter(|s| !s.is_empty());
    match (token, token_file) {
        (Some(_), Some(_)) => {
            return Err(err(
                "at most one of bearer_token & bearer_token_file must be configured",
            ))
        }
        (Some(t), None) => found.push(("bearer_token", format!("Bearer {t}"))),
        (None, Some(f)) => found.push((
            "bearer_token_file",
            format!("Bearer {}", read_file(&f, "bearer_token_file")?),
        )),
        (None, None) => {}
    }
    if let Some(block) = args.block("authorization") {
        let b = &block.body;
        let scheme: String = b.get_or("type", "Bearer".to_owned())?;
        let scheme = if scheme.is_empty() {
            "Bearer".to_owned()
        } else {
            scheme
        };
        let credentials = match (
            secret(b, "credentials")?,
            b.get::<String>("credentials_file")?,
        ) {
            (Some(_), Some(_)) => return Err(err(
                "at most one of authorization credentials & credentials_file must be configured",
            )),
            (Some(c), None) => c,
            (None, Some(f)) => read_file(&f, "authorization.credentials_file")?,
            (None, None) => String::new(),
        };
        found.push(("authorization", format!("{scheme} {credentials}")));
    }
    if found.len() > 1 {
        let names: Vec<&str> = found.iter().map(|(n, _)| *n).collect();
        return Err(err(format!(
            "at most one of {} must be configured",
            names.join(", ")
        )));
    }
    found
        .pop()
        .map(|(_, v)| HeaderValue::from_str(&v).map_err(|e| err(format!("authorization: {e}"))))
        .transpose()
}

fn base64(s: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, x)| acc | (u32::from(*x) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn tls(args: &Arguments) -> Result<Option<Arc<rustls::ClientConfig>>> {
    let Some(block) = args.block("tls_config") else {
        return Ok(None);
    };
    let t = &block.body;
    let pem = |file: &str, inline: Option<String>, what: &str| -> Result<Option<otel::Pem>> {
        let file = t.get::<String>(file)?.filter(|s| !s.is_empty());
        match (file, inline.filter(|s| !s.is_empty())) {
            (Some(_), Some(_)) => Err(err(format!(
                "tls_config: provide only one of {what}_file or {what}_pem"
            ))),
            (Some(f), None) => Ok(Some(otel::Pem::File(f.into()))),
            (None, Some(p)) => Ok(Some(otel::Pem::Inline(p))),
            (None, None) => Ok(None),
        }
    };
    let mut versions = otel::TlsVersions::default();
    if let Some(v) = t.get::<String>("min_version")?.filter(|s| !s.is_empty()) {
        versions.min =
            otel::TlsVersion::parse(&v).map_err(|e| err(format!("tls_config.min_version: {e}")))?;
    }
    if t.get::<String>("server_name")?
        .is_some_and(|s| !s.is_empty())
    {
        return Err(err(
            "tls_config.server_name is not supported by this runtime yet",
        ));
    }
    let cfg = otel::TlsClientConfig {
        insecure: false,
        insecure_skip_verify: t.get_or("insecure_skip_verify", false)?,
        ca: pem("ca_file", t.get::<String>("ca_pem")?, "ca")?,
        cert: pem("cert_file", t.get::<String>("cert_pem")?, "cert")?,
        key: pem("key_file", secret(t, "key_pem")?, "key")?,
        server_name: None,
        versions,
    };
    let config = otel::tls::client_config(&cfg).map_err(|e| err(format!("tls_config: {e}")))?;
    Ok(Some(Arc::new(config)))
}

fn decode(args: &Arguments, ctx: &Context) -> Result<Settings> {
    // Refused until implemented: each by name.
    refuse_blocks(args, "", &["oauth2"])?;
    if let Some(c) = args.block("clustering") {
        if c.body.get_or("enabled", false)? {
            return Err(err(
                "clustering.enabled = true is not supported by this runtime yet",
            ));
        }
    }
    for name in ["proxy_url", "no_proxy", "scrape_failure_log_file"] {
        refuse_non_default(args, name, String::new())?;
    }
    for name in [
        "proxy_from_environment",
        "scrape_native_histograms",
        "enable_protobuf_negotiation",
        "convert_classic_histograms_to_nhcb",
        "honor_metadata",
        "start_timestamp_zero_ingestion",
        "scrape_classic_histograms",
    ] {
        refuse_non_default(args, name, false)?;
    }
    super::refuse_set(args, "", &["proxy_connect_header"])?;
    refuse_non_default(args, "native_histogram_bucket_limit", 0u64)?;
    refuse_non_default(args, "native_histogram_min_bucket_factor", 0f64)?;

    let interval: Duration = args.get_or("scrape_interval", Duration::from_secs(60))?;
    let timeout: Duration = args.get_or("scrape_timeout", Duration::from_secs(10))?;
    if timeout > interval {
        return Err(err(format!(
            "scrape_timeout ({}) greater than scrape_interval ({}) for scrape config with job name {:?}",
            alloy_prometheus::scrape::target::go_model_duration(timeout),
            alloy_prometheus::scrape::target::go_model_duration(interval),
            args.get_or("job_name", ctx.id.clone())?
        )));
    }
    let protocols_text: Vec<String> = args.get_or(
        "scrape_protocols",
        vec![
            "OpenMetricsText1.0.0".into(),
            "OpenMetricsText0.0.1".into(),
            "PrometheusText1.0.0".into(),
            "PrometheusText0.0.4".into(),
        ],
    )?;
    let mut protocols = Vec::new();
    for p in &protocols_text {
        let proto = Protocol::parse(p).ok_or_else(|| {
            err(format!("unknown scrape protocol {p:?}, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0]"))
        })?;
        if proto == Protocol::PrometheusProto {
            return Err(err(
                "scrape_protocols: PrometheusProto is not supported by this runtime yet",
            ));
        }
        if protocols.contains(&proto) {
            return Err(err(format!(
                "duplicated protocol in scrape_protocols, got {protocols_text:?}"
            )));
        }
        protocols.push(proto);
    }
    let fallback_text: String =
        args.get_or("scrape_fallback_protocol", "PrometheusText0.0.4".to_owned())?;
    let fallback = if fallback_text.is_empty() {
        None
    } else {
        let p = Protocol::parse(&fallback_text)
            .ok_or_else(|| err(format!("unknown scrape protocol {fallback_text:?}")))?;
        Some(p.format().ok_or_else(|| {
            err("scrape_fallback_protocol: PrometheusProto is not supported by this runtime yet")
        })?)
    };
    let validation: String = args.get_or("metric_name_validation_scheme", "legacy".to_owned())?;
    let legacy_names = match validation.as_str() {
        "legacy" | "" => true,
        "utf8" => false,
        other => {
            return Err(err(format!(
                "unknown metric name validation scheme {other:?}"
            )))
        }
    };
    let escaping: String = args.get_or("metric_name_escaping_scheme", "underscores".to_owned())?;
    if !matches!(
        escaping.as_str(),
        "underscores" | "dots" | "values" | "allow-utf-8"
    ) {
        return Err(err(format!(
            "unknown metric name escaping scheme {escaping:?}"
        )));
    }
    let params: BTreeMap<String, Vec<String>> = args.get_or("params", BTreeMap::new())?;
    let limit = |name: &str| -> Result<usize> { Ok(args.get_or::<u64>(name, 0)? as usize) };
    let body_size_limit: i64 = args.get_or("body_size_limit", 0)?;
    let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
    let http_headers: BTreeMap<String, Vec<Secret>> =
        args.get_or("http_headers", BTreeMap::new())?;
    for (name, values) in &http_headers {
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| err(format!("http_headers: {name:?}: {e}")))?;
        for v in values {
            let v = HeaderValue::from_str(v.reveal())
                .map_err(|e| err(format!("http_headers: {name:?}: {e}")))?;
            headers.push((n.clone(), v));
        }
    }
    if let Some(auth) = auth_header(args)? {
        headers.push((AUTHORIZATION, auth));
    }
    let job: String = args.get_or("job_name", ctx.id.clone())?;
    let scheme: String = args.get_or("scheme", "http".to_owned())?;
    let scheme = if scheme.is_empty() {
        "http".to_owned()
    } else {
        scheme
    };
    if scheme != "http" && scheme != "https" {
        return Err(err(format!("invalid scheme {scheme:?}")));
    }
    let defaults = TargetDefaults {
        job: job.clone(),
        scheme,
        metrics_path: args.get_or("metrics_path", "/metrics".to_owned())?,
        interval,
        timeout,
        params: params.into_iter().collect(),
    };
    let loop_opts = LoopOptions {
        honor_labels: args.get_or("honor_labels", false)?,
        honor_timestamps: args.get_or("honor_timestamps", true)?,
        track_timestamps_staleness: args.get_or("track_timestamps_staleness", false)?,
        sample_limit: limit("sample_limit")?,
        label_limit: limit("label_limit")?,
        label_name_length_limit: limit("label_name_length_limit")?,
        label_value_length_limit: limit("label_value_length_limit")?,
        extra_metrics: args.get_or("extra_metrics", false)?,
        fallback,
        legacy_names,
        type_and_unit_labels: args.get_or("enable_type_and_unit_labels", false)?,
        offset_seed: {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            gethostname::gethostname().hash(&mut h);
            h.finish()
        },
        timeout,
    };
    let http = HttpOptions {
        headers,
        tls: tls(args)?,
        follow_redirects: args.get_or("follow_redirects", true)?,
        enable_http2: args.get_or("enable_http2", true)?,
        enable_compression: args.get_or("enable_compression", true)?,
        body_size_limit: body_size_limit.max(0) as u64,
        accept: accept_header(&protocols, &escaping),
        user_agent: format!("Alloy/{}", env!("CARGO_PKG_VERSION")),
    };
    let fingerprint = format!(
        "{:?}|{:?}|{:?}|{:?}|{}|{}|{}|{}|{:?}",
        defaults,
        loop_opts,
        http.headers,
        args.block("tls_config")
            .map(|b| b.body.to_value().to_string()),
        http.follow_redirects,
        http.enable_http2,
        http.enable_compression,
        http.body_size_limit,
        http.accept
    );
    Ok(Settings {
        defaults,
        loop_opts: Arc::new(loop_opts),
        http,
        target_limit: limit("target_limit")?,
        fingerprint,
    })
}

struct State {
    pool: ScrapePool,
    client: Option<ScrapeClient>,
    fingerprint: String,
}

struct Scrape {
    ctx: Context,
    state: Mutex<State>,
    health: Mutex<Health>,
    targets_gauge: alloy_metrics::Gauge,
}

impl Scrape {
    fn new(ctx: Context) -> Scrape {
        let metrics = ScrapeMetrics::new(&ctx.metrics, &ctx.id);
        let targets_gauge = ctx.metrics.gauge(
            "prometheus_scrape_targets_gauge",
            "Number of targets this component is configured to scrape",
            &[],
        );
        Scrape {
            state: Mutex::new(State {
                pool: ScrapePool::new(Fanout::default(), metrics),
                client: None,
                fingerprint: String::new(),
            }),
            ctx,
            health: Mutex::new(Health::default()),
            targets_gauge,
        }
    }

    fn set_health(&self, h: Health) {
        *self.health.lock().unwrap_or_else(|p| p.into_inner()) = h;
    }

    fn apply(&self, args: &Arguments) -> Result<()> {
        let settings = decode(args, &self.ctx)?;
        let receivers = forward_to(args, "forward_to")?;
        let discovered: Vec<Labels> = targets(args, "targets")?;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.pool.set_forward(Fanout::new(receivers));
        let restart = state.fingerprint != settings.fingerprint || state.client.is_none();
        if restart {
            state.client = Some(ScrapeClient::new(settings.http.clone()).map_err(err)?);
            state.fingerprint = settings.fingerprint.clone();
        }
        let client = state.client.clone().ok_or_else(|| err("no HTTP client"))?;
        let _guard = self.ctx.runtime.enter();
        let result = state.pool.sync(
            &discovered,
            &settings.defaults,
            &client,
            &settings.loop_opts,
            settings.target_limit,
            restart,
        );
        self.targets_gauge.set(state.pool.len() as f64);
        result.map_err(err)
    }
}

impl Component for Scrape {
    fn update(&self, args: Arguments) -> Result<()> {
        match self.apply(&args) {
            Ok(()) => {
                self.set_health(Health::healthy("started"));
                self.ctx.exports.publish(Value::object(Object::new()));
                Ok(())
            }
            Err(e) => {
                self.set_health(Health::unhealthy(e.to_string()));
                Err(e)
            }
        }
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<()>> {
        Box::pin(async move {
            shutdown.cancelled().await;
            let mut pool = {
                let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                std::mem::replace(
                    &mut state.pool,
                    ScrapePool::new(
                        Fanout::default(),
                        ScrapeMetrics::new(&self.ctx.metrics, &self.ctx.id),
                    ),
                )
            };
            pool.shutdown().await;
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
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let targets = state
            .pool
            .targets()
            .into_iter()
            .map(|t| {
                let mut o = Object::new();
                o.insert("url", Value::string(t.url));
                o.insert("labels", Value::string(t.labels.to_string()));
                let health = match t.status.up {
                    None => "unknown",
                    Some(true) => "up",
                    Some(false) => "down",
                };
                o.insert("health", Value::string(health));
                o.insert(
                    "last_error",
                    Value::string(t.status.last_error.unwrap_or_default()),
                );
                o.insert(
                    "last_scrape_duration",
                    Value::string(format!("{:?}", t.status.last_duration)),
                );
                o.insert("series", Value::from(t.status.series as u64));
                Value::object(o)
            })
            .collect();
        let mut o = Object::new();
        o.insert("targets", Value::array(targets));
        Some(Value::object(o))
    }
}

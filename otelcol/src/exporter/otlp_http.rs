//! `otelcol.exporter.otlphttp`: OTLP over HTTP (hyper client, rustls).
//!
//! Status handling follows the OTLP spec and upstream's exporter: 2xx is
//! success (a `partial_success` is logged and its rejected items counted as
//! failed), 429/502/503/504 are retried (honouring `Retry-After`), anything
//! else is permanent.

use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::queued::{ExporterSettings, QueueConfig, QueuedExporter, SendError, Transport};
use super::{parse_retry_after, Compression, RetryConfig};
use crate::error::ConfigError;
use crate::pdata::{Logs, Metrics, Traces};
use crate::receiver::otlp::status::RpcStatus;
use crate::telemetry::Registry;
use crate::tls::TlsClientConfig;

/// Error bodies are read up to this size, as upstream does.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The `encoding` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpEncoding {
    #[default]
    Proto,
    Json,
}

/// Arguments of `otelcol.exporter.otlphttp`.
#[derive(Debug, Clone, PartialEq)]
pub struct OtlpHttpConfig {
    /// Base URL; the scheme decides TLS. Signal paths `/v1/{traces,metrics,logs}`
    /// are appended unless the per-signal endpoints are set.
    pub endpoint: String,
    pub traces_endpoint: Option<String>,
    pub metrics_endpoint: Option<String>,
    pub logs_endpoint: Option<String>,
    pub encoding: HttpEncoding,
    pub compression: Compression,
    pub headers: Vec<(String, String)>,
    pub tls: TlsClientConfig,
    /// Per-attempt timeout; upstream's default 30s.
    pub timeout: Duration,
    pub sending_queue: QueueConfig,
    pub retry_on_failure: RetryConfig,
}

impl Default for OtlpHttpConfig {
    fn default() -> Self {
        Self {
            endpoint: String::new(),
            traces_endpoint: None,
            metrics_endpoint: None,
            logs_endpoint: None,
            encoding: HttpEncoding::Proto,
            compression: Compression::Gzip,
            headers: Vec::new(),
            tls: TlsClientConfig::default(),
            timeout: Duration::from_secs(30),
            sending_queue: QueueConfig::default(),
            retry_on_failure: RetryConfig::default(),
        }
    }
}

/// A prepared request: encoded (and compressed) body for one URL.
pub struct HttpRequestBody {
    body: Bytes,
}

pub struct HttpTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    traces: Uri,
    metrics: Uri,
    logs: Uri,
    encoding: HttpEncoding,
    compression: Compression,
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// The `otelcol.exporter.otlphttp` component.
pub type OtlpHttpExporter = QueuedExporter<HttpTransport>;

impl QueuedExporter<HttpTransport> {
    /// Label `exporter="otlp_http/<component_id>"` (Alloy ≥ 1.16 naming).
    pub fn new(
        component_id: &str,
        cfg: OtlpHttpConfig,
        registry: &Registry,
    ) -> Result<Self, ConfigError> {
        let transport = HttpTransport::new(&cfg)?;
        let settings = ExporterSettings {
            timeout: cfg.timeout,
            queue: Some(cfg.sending_queue.clone()),
            retry: cfg.retry_on_failure.clone(),
        };
        Ok(Self::from_transport(
            &format!("otlp_http/{component_id}"),
            component_id,
            transport,
            &settings,
            registry,
        ))
    }
}

fn signal_uri(
    explicit: &Option<String>,
    base: &str,
    path: &str,
    field: &str,
) -> Result<Uri, ConfigError> {
    let s = match explicit {
        Some(e) => e.clone(),
        None if base.is_empty() => {
            return Err(ConfigError::invalid("client.endpoint", "must be set"))
        }
        None => format!("{}{path}", base.trim_end_matches('/')),
    };
    let uri: Uri = s
        .parse()
        .map_err(|e: http::uri::InvalidUri| ConfigError::invalid(field, e.to_string()))?;
    match uri.scheme_str() {
        Some("http") | Some("https") => Ok(uri),
        _ => Err(ConfigError::invalid(
            field,
            format!("{s:?} must be an http:// or https:// URL"),
        )),
    }
}

impl HttpTransport {
    fn new(cfg: &OtlpHttpConfig) -> Result<Self, ConfigError> {
        let traces = signal_uri(
            &cfg.traces_endpoint,
            &cfg.endpoint,
            "/v1/traces",
            "traces_endpoint",
        )?;
        let metrics = signal_uri(
            &cfg.metrics_endpoint,
            &cfg.endpoint,
            "/v1/metrics",
            "metrics_endpoint",
        )?;
        let logs = signal_uri(
            &cfg.logs_endpoint,
            &cfg.endpoint,
            "/v1/logs",
            "logs_endpoint",
        )?;
        let tls = crate::tls::client_config(&cfg.tls)?;
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(100)
            .build(connector);
        let mut headers = Vec::new();
        for (k, v) in &cfg.headers {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|e| {
                ConfigError::invalid(format!("client.headers[{k:?}]"), e.to_string())
            })?;
            let val = HeaderValue::from_str(v).map_err(|e| {
                ConfigError::invalid(format!("client.headers[{k:?}]"), e.to_string())
            })?;
            headers.push((name, val));
        }
        Ok(Self {
            client,
            traces,
            metrics,
            logs,
            encoding: cfg.encoding,
            compression: cfg.compression,
            headers,
        })
    }

    fn prepare_msg<M: Message + Serialize>(&self, msg: &M) -> Result<HttpRequestBody, SendError> {
        let raw = match self.encoding {
            HttpEncoding::Proto => msg.encode_to_vec(),
            HttpEncoding::Json => serde_json::to_vec(msg)
                .map_err(|e| SendError::permanent(format!("encoding JSON: {e}")))?,
        };
        let body = self
            .compression
            .compress(raw)
            .map_err(|e| SendError::permanent(format!("compressing: {e}")))?;
        Ok(HttpRequestBody {
            body: Bytes::from(body),
        })
    }

    /// One POST; returns the number of items the server reported rejected.
    async fn post<R>(
        &self,
        uri: &Uri,
        req: &HttpRequestBody,
        rejected: impl Fn(&R) -> u64,
    ) -> Result<u64, SendError>
    where
        R: Message + Default + DeserializeOwned,
    {
        let ct = match self.encoding {
            HttpEncoding::Proto => "application/x-protobuf",
            HttpEncoding::Json => "application/json",
        };
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(uri.clone())
            .header(header::CONTENT_TYPE, ct)
            .header(
                header::USER_AGENT,
                concat!("alloy-otelcol/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(encoding) = self.compression.content_encoding() {
            b = b.header(header::CONTENT_ENCODING, encoding);
        }
        for (k, v) in &self.headers {
            b = b.header(k, v);
        }
        let request = b
            .body(Full::new(req.body.clone()))
            .map_err(|e| SendError::permanent(format!("building request: {e}")))?;
        let resp = self
            .client
            .request(request)
            .await
            .map_err(|e| SendError::retryable(format!("{uri}: {e}")))?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let resp_ct = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = Limited::new(resp.into_body(), MAX_ERROR_BODY)
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let is_json = resp_ct.starts_with("application/json");
        if status.is_success() {
            let parsed: Option<R> = if body.is_empty() {
                None
            } else if is_json {
                serde_json::from_slice(&body).ok()
            } else {
                R::decode(body.as_ref()).ok()
            };
            return Ok(parsed.as_ref().map_or(0, rejected));
        }
        let detail = if is_json {
            serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| {
                    v.get("message")
                        .and_then(|m| m.as_str())
                        .map(str::to_string)
                })
        } else {
            RpcStatus::decode(body.as_ref()).ok().map(|s| s.message)
        }
        .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(256).collect());
        let retryable = matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS
                | StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT
        );
        Err(SendError {
            retryable,
            retry_after: if matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE) { retry_after } else { None },
            message: format!("error exporting items, request to {uri} responded with HTTP Status Code {}: {detail}", status.as_u16()),
        })
    }
}

#[async_trait::async_trait]
impl Transport<Traces> for HttpTransport {
    type Request = HttpRequestBody;
    fn prepare(&self, data: Traces) -> Result<HttpRequestBody, SendError> {
        self.prepare_msg(&ExportTraceServiceRequest {
            resource_spans: data.resource_spans,
        })
    }
    async fn send(&self, req: &HttpRequestBody) -> Result<u64, SendError> {
        self.post::<ExportTraceServiceResponse>(&self.traces, req, |r| {
            r.partial_success
                .as_ref()
                .map_or(0, |p| p.rejected_spans.max(0) as u64)
        })
        .await
    }
}

#[async_trait::async_trait]
impl Transport<Metrics> for HttpTransport {
    type Request = HttpRequestBody;
    fn prepare(&self, data: Metrics) -> Result<HttpRequestBody, SendError> {
        self.prepare_msg(&ExportMetricsServiceRequest {
            resource_metrics: data.resource_metrics,
        })
    }
    async fn send(&self, req: &HttpRequestBody) -> Result<u64, SendError> {
        self.post::<ExportMetricsServiceResponse>(&self.metrics, req, |r| {
            r.partial_success
                .as_ref()
                .map_or(0, |p| p.rejected_data_points.max(0) as u64)
        })
        .await
    }
}

#[async_trait::async_trait]
impl Transport<Logs> for HttpTransport {
    type Request = HttpRequestBody;
    fn prepare(&self, data: Logs) -> Result<HttpRequestBody, SendError> {
        self.prepare_msg(&ExportLogsServiceRequest {
            resource_logs: data.resource_logs,
        })
    }
    async fn send(&self, req: &HttpRequestBody) -> Result<u64, SendError> {
        self.post::<ExportLogsServiceResponse>(&self.logs, req, |r| {
            r.partial_success
                .as_ref()
                .map_or(0, |p| p.rejected_log_records.max(0) as u64)
        })
        .await
    }
}

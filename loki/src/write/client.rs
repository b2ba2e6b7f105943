//! One HTTP push to one endpoint, and what its outcome means.

use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderName, HeaderValue, Method, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::EndpointConfig;

/// Error bodies are read up to this size (the reason is logged).
const MAX_ERROR_BODY: usize = 1024;

/// What one attempt gave.
#[derive(Debug)]
pub(crate) enum Outcome {
    Sent {
        status: u16,
    },
    /// 5xx, 429 (when retried) or a connection error/timeout.
    Retry {
        status: Option<u16>,
        reason: String,
    },
    /// Any other non-2xx: the batch is dropped.
    Fatal {
        status: u16,
        reason: String,
    },
}

pub(crate) struct PushClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    uri: Uri,
    headers: Vec<(HeaderName, HeaderValue)>,
    timeout: Duration,
    retry_on_429: bool,
}

impl PushClient {
    pub(crate) fn new(cfg: &EndpointConfig) -> Result<PushClient, String> {
        let uri: Uri = cfg
            .url
            .parse()
            .map_err(|e| format!("endpoint url {:?}: {e}", cfg.url))?;
        match uri.scheme_str() {
            Some("http") | Some("https") => {}
            _ => {
                return Err(format!(
                    "endpoint url {:?}: scheme must be http or https",
                    cfg.url
                ))
            }
        }
        let tls = match &cfg.tls {
            Some(tls) => (**tls).clone(),
            None => {
                let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
                rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| e.to_string())?
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth()
            }
        };
        let builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1();
        let connector = if cfg.enable_http2 {
            builder.enable_http2().build()
        } else {
            builder.build()
        };
        let client = Client::builder(TokioExecutor::new()).build(connector);
        let mut headers = Vec::new();
        for (name, value) in &cfg.headers {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|e| format!("header name {name:?}: {e}"))?;
            let value = HeaderValue::try_from(value.as_str())
                .map_err(|e| format!("value of header {name}: {e}"))?;
            headers.push((name, value));
        }
        Ok(PushClient {
            client,
            uri,
            headers,
            timeout: cfg.remote_timeout,
            retry_on_429: cfg.retry_on_http_429,
        })
    }

    /// The `host` label of the metrics: the URL's `host:port`.
    pub(crate) fn host(&self) -> String {
        self.uri
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_default()
    }

    pub(crate) async fn push(&self, body: Bytes, tenant: &str, user_agent: &str) -> Outcome {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(self.uri.clone())
            .header(header::CONTENT_TYPE, "application/x-protobuf")
            .header(header::CONTENT_ENCODING, "snappy")
            .header(header::USER_AGENT, user_agent);
        if !tenant.is_empty() {
            request = request.header("X-Scope-OrgID", tenant);
        }
        let Ok(mut request) = request.body(Full::new(body)) else {
            return Outcome::Fatal {
                status: 0,
                reason: "building the request".to_owned(),
            };
        };
        // Upstream: configured headers never replace the ones set above.
        for (name, value) in &self.headers {
            if !request.headers().contains_key(name) {
                request.headers_mut().insert(name.clone(), value.clone());
            }
        }
        let response = match tokio::time::timeout(self.timeout, self.client.request(request)).await
        {
            Err(_) => {
                return Outcome::Retry {
                    status: None,
                    reason: format!("request timed out after {:?}", self.timeout),
                }
            }
            Ok(Err(e)) => {
                return Outcome::Retry {
                    status: None,
                    reason: error_chain(&e),
                }
            }
            Ok(Ok(r)) => r,
        };
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            // Drain so the connection is reused.
            let _ = Limited::new(response.into_body(), MAX_ERROR_BODY)
                .collect()
                .await;
            return Outcome::Sent { status };
        }
        let reason = match Limited::new(response.into_body(), MAX_ERROR_BODY)
            .collect()
            .await
        {
            Ok(body) => String::from_utf8_lossy(&body.to_bytes()).trim().to_owned(),
            Err(_) => String::new(),
        };
        let reason = format!("server returned HTTP status {status}: {reason}");
        if status >= 500 || (status == 429 && self.retry_on_429) {
            Outcome::Retry {
                status: Some(status),
                reason,
            }
        } else {
            Outcome::Fatal { status, reason }
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

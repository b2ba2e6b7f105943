//! The scrape's HTTP side: one GET with content negotiation, optional
//! gzip, a body-size bound, redirects when allowed, and upstream's error
//! texts.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{
    HeaderName, HeaderValue, ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, LOCATION,
    USER_AGENT,
};
use http::{Request, Uri};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// Without a `body_size_limit`, bodies are still bounded so that a hostile
/// target cannot exhaust memory.
pub const DEFAULT_BODY_LIMIT: u64 = 256 << 20;

/// Settings of the scrape client.
#[derive(Clone)]
pub struct HttpOptions {
    /// Sent with every request (auth, `http_headers`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// TLS for `https` targets; `None` uses the system's roots.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    pub follow_redirects: bool,
    pub enable_http2: bool,
    pub enable_compression: bool,
    /// 0 = [`DEFAULT_BODY_LIMIT`].
    pub body_size_limit: u64,
    pub accept: String,
    pub user_agent: String,
}

/// A fetched body.
#[derive(Clone, Debug)]
pub struct Fetched {
    pub content_type: String,
    /// Bytes on the wire (before decompression).
    pub wire_bytes: u64,
}

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// One client per scrape pool (connections are reused across targets).
#[derive(Clone)]
pub struct ScrapeClient {
    client: Client<Connector, Empty<Bytes>>,
    opts: Arc<HttpOptions>,
}

impl ScrapeClient {
    pub fn new(opts: HttpOptions) -> Result<ScrapeClient, String> {
        let tls = match &opts.tls {
            Some(cfg) => (**cfg).clone(),
            None => {
                let mut roots = rustls::RootCertStore::empty();
                for cert in rustls_native_certs::load_native_certs().certs {
                    let _ = roots.add(cert);
                }
                rustls::ClientConfig::builder_with_provider(Arc::new(
                    rustls::crypto::ring::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots)
                .with_no_client_auth()
            }
        };
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        let builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http();
        let connector = if opts.enable_http2 {
            builder.enable_http1().enable_http2().wrap_connector(http)
        } else {
            builder.enable_http1().wrap_connector(http)
        };
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(ScrapeClient {
            client,
            opts: Arc::new(opts),
        })
    }

    /// GETs `url` into `out` (cleared first) within `timeout`.
    pub async fn fetch(
        &self,
        url: &str,
        timeout: Duration,
        out: &mut Vec<u8>,
    ) -> Result<Fetched, String> {
        out.clear();
        match tokio::time::timeout(timeout, self.fetch_inner(url, timeout, out)).await {
            Ok(r) => r,
            Err(_) => Err(format!("Get {url:?}: context deadline exceeded")),
        }
    }

    async fn fetch_inner(
        &self,
        url: &str,
        timeout: Duration,
        out: &mut Vec<u8>,
    ) -> Result<Fetched, String> {
        let mut current: Uri = url.parse().map_err(|e| format!("parse {url:?}: {e}"))?;
        let limit = match self.opts.body_size_limit {
            0 => DEFAULT_BODY_LIMIT,
            n => n,
        };
        for _ in 0..=10 {
            let mut req = Request::get(current.clone());
            let headers = req.headers_mut().ok_or("invalid request")?;
            headers.insert(
                ACCEPT,
                HeaderValue::from_str(&self.opts.accept).map_err(|e| e.to_string())?,
            );
            headers.insert(
                ACCEPT_ENCODING,
                HeaderValue::from_static(if self.opts.enable_compression {
                    "gzip"
                } else {
                    "identity"
                }),
            );
            headers.insert(
                USER_AGENT,
                HeaderValue::from_str(&self.opts.user_agent).map_err(|e| e.to_string())?,
            );
            headers.insert(
                HeaderName::from_static("x-prometheus-scrape-timeout-seconds"),
                HeaderValue::from_str(&format!("{}", timeout.as_secs_f64()))
                    .map_err(|e| e.to_string())?,
            );
            for (k, v) in &self.opts.headers {
                headers.insert(k.clone(), v.clone());
            }
            let req = req.body(Empty::new()).map_err(|e| e.to_string())?;
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| format!("Get {:?}: {}", current.to_string(), error_chain(&e)))?;
            let status = resp.status();
            if status.is_redirection() {
                if !self.opts.follow_redirects {
                    return Err(status_error(status));
                }
                let Some(location) = resp.headers().get(LOCATION).and_then(|l| l.to_str().ok())
                else {
                    return Err(status_error(status));
                };
                current = resolve(&current, location)?;
                continue;
            }
            if status != http::StatusCode::OK {
                return Err(status_error(status));
            }
            let content_type = resp
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let gzip = resp
                .headers()
                .get(CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
            let mut body = resp.into_body();
            let mut wire = Vec::new();
            let target: &mut Vec<u8> = if gzip { &mut wire } else { out };
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| format!("reading body: {e}"))?;
                if let Ok(data) = frame.into_data() {
                    target.extend_from_slice(&data);
                    if target.len() as u64 > limit {
                        return Err("body size limit exceeded".to_owned());
                    }
                }
            }
            let wire_bytes;
            if gzip {
                wire_bytes = wire.len() as u64;
                let mut decoder = flate2::read::GzDecoder::new(&wire[..]).take(limit + 1);
                decoder.read_to_end(out).map_err(|e| format!("gzip: {e}"))?;
                if out.len() as u64 > limit {
                    return Err("body size limit exceeded".to_owned());
                }
            } else {
                wire_bytes = out.len() as u64;
            }
            return Ok(Fetched {
                content_type,
                wire_bytes,
            });
        }
        Err(format!("Get {url:?}: stopped after 10 redirects"))
    }
}

fn status_error(status: http::StatusCode) -> String {
    format!(
        "server returned HTTP status {} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .trim_end()
    .to_owned()
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

fn resolve(base: &Uri, location: &str) -> Result<Uri, String> {
    if location.contains("://") {
        return location
            .parse()
            .map_err(|e| format!("redirect {location:?}: {e}"));
    }
    let scheme = base.scheme_str().unwrap_or("http");
    let authority = base.authority().map(|a| a.as_str()).unwrap_or("");
    let path = if location.starts_with('/') {
        location.to_owned()
    } else {
        let dir = base.path().rsplit_once('/').map_or("", |(d, _)| d);
        format!("{dir}/{location}")
    };
    format!("{scheme}://{authority}{path}")
        .parse()
        .map_err(|e| format!("redirect {location:?}: {e}"))
}

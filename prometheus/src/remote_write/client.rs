//! One remote-write endpoint's HTTP client: snappy block compression,
//! upstream's headers, auth, and the classification of responses the
//! queue acts on (5xx and, when enabled, 429 are retried; other 4xx drop
//! the batch).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{
    HeaderName, HeaderValue, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, USER_AGENT,
};
use http::{Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;

use super::proto::Message;

/// Credentials sent with every request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    Basic {
        username: String,
        password: String,
    },
    /// `Authorization: <scheme> <credentials>` (bearer token or the
    /// `authorization` block).
    Scheme {
        scheme: String,
        credentials: String,
    },
}

/// The HTTP side of an endpoint.
#[derive(Clone)]
pub struct ClientOptions {
    pub url: Uri,
    pub timeout: Duration,
    /// `headers` (and `http_headers`): added unless they would replace one
    /// of the protocol's own headers.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub auth: Option<Auth>,
    /// TLS for `https` URLs (built by the caller; `None` = system roots).
    pub tls: Option<Arc<rustls::ClientConfig>>,
    pub message: Message,
    pub enable_http2: bool,
    /// Follow 307/308 redirects (re-posting the body), up to 10.
    pub follow_redirects: bool,
    pub user_agent: String,
}

impl ClientOptions {
    /// Options for `url` with upstream's defaults: 30 s timeout, no extra
    /// headers, no auth, system TLS, HTTP/1.1, redirects followed.
    pub fn new(url: Uri, message: Message) -> ClientOptions {
        ClientOptions {
            url,
            timeout: Duration::from_secs(30),
            headers: Vec::new(),
            auth: None,
            tls: None,
            message,
            enable_http2: false,
            follow_redirects: true,
            user_agent: format!("Alloy/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// How a send ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth retrying: network error, timeout, 5xx, 429 (`retry_after`
    /// from the response, when it gave one).
    Recoverable {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// The remote end refused the data; retrying would not help.
    Unrecoverable { reason: String },
}

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// Sends compressed write requests to one URL.
pub struct Client {
    http: HyperClient<Connector, Full<Bytes>>,
    options: ClientOptions,
    auth_header: Option<HeaderValue>,
}

/// A TLS config verifying against no roots: what `https` gets when the
/// caller passed none (the runtime always passes one).
pub fn default_tls() -> Result<rustls::ClientConfig, String> {
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth()
        })
        .map_err(|e| e.to_string())
}

/// `location` relative to `base` (absolute URLs and absolute paths).
fn resolve(base: &Uri, location: &str) -> Option<Uri> {
    if let Ok(uri) = location.parse::<Uri>() {
        if uri.scheme().is_some() {
            return Some(uri);
        }
    }
    if location.starts_with('/') {
        let mut parts = base.clone().into_parts();
        parts.path_and_query = Some(location.parse().ok()?);
        return Uri::from_parts(parts).ok();
    }
    None
}

fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

impl Client {
    pub fn new(options: ClientOptions) -> Result<Client, String> {
        let tls = match &options.tls {
            Some(c) => (**c).clone(),
            None => default_tls()?,
        };
        let builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1();
        let connector = if options.enable_http2 {
            builder.enable_http2().build()
        } else {
            builder.build()
        };
        let http = HyperClient::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(connector);
        let auth_header = match &options.auth {
            None => None,
            Some(Auth::Basic { username, password }) => Some(
                HeaderValue::from_str(&format!(
                    "Basic {}",
                    base64(format!("{username}:{password}").as_bytes())
                ))
                .map_err(|_| {
                    "basic_auth: username or password is not a valid header value".to_owned()
                })?,
            ),
            Some(Auth::Scheme {
                scheme,
                credentials,
            }) => Some(
                HeaderValue::from_str(&format!("{scheme} {credentials}")).map_err(|_| {
                    "authorization: credentials are not a valid header value".to_owned()
                })?,
            ),
        }
        .map(|mut v| {
            v.set_sensitive(true);
            v
        });
        Ok(Client {
            http,
            options,
            auth_header,
        })
    }

    pub fn url(&self) -> &Uri {
        &self.options.url
    }

    async fn post(
        &self,
        url: &Uri,
        body: Bytes,
    ) -> Result<http::Response<hyper::body::Incoming>, SendError> {
        let message = self.options.message;
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(url.clone())
            .header(CONTENT_ENCODING, "snappy")
            .header(CONTENT_TYPE, message.content_type())
            .header(
                "X-Prometheus-Remote-Write-Version",
                message.version_header(),
            )
            .header(USER_AGENT, self.options.user_agent.as_str());
        if let Some(h) = &self.auth_header {
            req = req.header(AUTHORIZATION, h.clone());
        }
        let Some(headers) = req.headers_mut() else {
            return Err(SendError::Unrecoverable {
                reason: "invalid request".into(),
            });
        };
        for (k, v) in &self.options.headers {
            if !headers.contains_key(k) {
                headers.insert(k.clone(), v.clone());
            }
        }
        let req = req
            .body(Full::new(body))
            .map_err(|e| SendError::Unrecoverable {
                reason: e.to_string(),
            })?;
        match tokio::time::timeout(self.options.timeout, self.http.request(req)).await {
            Err(_) => Err(SendError::Recoverable {
                reason: format!("Post \"{url}\": context deadline exceeded"),
                retry_after: None,
            }),
            Ok(Err(e)) => {
                let mut reason = format!("Post \"{url}\": {e}");
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    reason.push_str(&format!(": {s}"));
                    source = s.source();
                }
                Err(SendError::Recoverable {
                    reason,
                    retry_after: None,
                })
            }
            Ok(Ok(r)) => Ok(r),
        }
    }

    /// Sends an encoded (uncompressed) request body; returns the
    /// compressed size on success.
    pub async fn send(&self, body: &[u8]) -> Result<usize, SendError> {
        let compressed =
            snap::raw::Encoder::new()
                .compress_vec(body)
                .map_err(|e| SendError::Unrecoverable {
                    reason: format!("snappy: {e}"),
                })?;
        let len = compressed.len();
        let compressed = Bytes::from(compressed);
        let mut url = self.options.url.clone();
        let mut redirects = 0;
        let response = loop {
            let response = self.post(&url, compressed.clone()).await?;
            let status = response.status();
            if !(status == StatusCode::TEMPORARY_REDIRECT
                || status == StatusCode::PERMANENT_REDIRECT)
                || !self.options.follow_redirects
            {
                break response;
            }
            redirects += 1;
            let location = response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let next = location.and_then(|l| resolve(&url, &l));
            match next {
                Some(next) if redirects <= 10 => url = next,
                _ => {
                    return Err(SendError::Unrecoverable {
                        reason: format!("Post \"{url}\": stopped after {redirects} redirects or a redirect without a usable Location"),
                    })
                }
            }
        };
        let status = response.status();
        if status.is_success() {
            // Drain the body so the connection is reused.
            let _ =
                tokio::time::timeout(self.options.timeout, response.into_body().collect()).await;
            return Ok(len);
        }
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = tokio::time::timeout(self.options.timeout, response.into_body().collect())
            .await
            .ok()
            .and_then(|r| r.ok())
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&body[..body.len().min(512)]);
        let reason = format!("server returned HTTP status {status}: {}", text.trim());
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            Err(SendError::Recoverable {
                reason,
                retry_after,
            })
        } else {
            Err(SendError::Unrecoverable { reason })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{base64, resolve};

    #[test]
    fn redirect_locations_resolve_against_the_request_url() {
        let base: http::Uri = "http://a:1/api/v1/write".parse().expect("uri");
        assert_eq!(
            resolve(&base, "/other?x=1").map(|u| u.to_string()),
            Some("http://a:1/other?x=1".into())
        );
        assert_eq!(
            resolve(&base, "https://b/w").map(|u| u.to_string()),
            Some("https://b/w".into())
        );
        assert_eq!(resolve(&base, "relative"), None);
    }

    #[test]
    fn base64_pads_like_the_standard_encoding() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
    }
}

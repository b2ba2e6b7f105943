//! The HTTP receiver's `cors` block, with the semantics of the `rs/cors`
//! handler upstream's confighttp installs: only active when
//! `allowed_origins` is non-empty; origins may be `*` or contain one `*`
//! wildcard; preflights (`OPTIONS` with `Access-Control-Request-Method`) are
//! answered 204 and never reach the OTLP handler; `Origin` is always an
//! allowed header.

use http::header::{self, HeaderMap, HeaderValue};

/// The `cors` block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CorsConfig {
    pub allowed_origins: Vec<String>,
    /// Upstream's default is `["X-Requested-With"]`.
    pub allowed_headers: Vec<String>,
    pub exposed_headers: Vec<String>,
    /// `Access-Control-Max-Age` in seconds; 0 leaves it out.
    pub max_age: u64,
}

/// Methods a preflight may ask for (rs/cors's defaults; OTLP needs POST).
const METHODS: [&str; 3] = ["GET", "POST", "HEAD"];

impl CorsConfig {
    fn origin_allowed(&self, origin: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        self.allowed_origins.iter().any(|pattern| {
            let pattern = pattern.to_ascii_lowercase();
            match pattern.split_once('*') {
                None => pattern == origin,
                Some(("", "")) => true,
                Some((prefix, suffix)) => {
                    origin.len() >= prefix.len() + suffix.len()
                        && origin.starts_with(prefix)
                        && origin.ends_with(suffix)
                }
            }
        })
    }

    fn allows_all_origins(&self) -> bool {
        self.allowed_origins.iter().any(|o| o == "*")
    }

    fn headers_allowed(&self, requested: &str) -> bool {
        if self.allowed_headers.iter().any(|h| h == "*") {
            return true;
        }
        requested
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .all(|h| {
                h.eq_ignore_ascii_case("origin")
                    || self
                        .allowed_headers
                        .iter()
                        .any(|a| a.eq_ignore_ascii_case(h))
            })
    }

    fn allow_origin_value(&self, origin: &str) -> Option<HeaderValue> {
        if self.allows_all_origins() {
            Some(HeaderValue::from_static("*"))
        } else {
            HeaderValue::from_str(origin).ok()
        }
    }

    /// The response headers of a preflight request (empty when refused: the
    /// browser then blocks the real request).
    pub fn preflight(&self, req: &HeaderMap) -> HeaderMap {
        let mut out = HeaderMap::new();
        for vary in [
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers",
        ] {
            out.append(header::VARY, HeaderValue::from_static(vary));
        }
        let get = |name: header::HeaderName| req.get(name).and_then(|v| v.to_str().ok());
        let Some(origin) = get(header::ORIGIN) else {
            return out;
        };
        let method = get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .unwrap_or("")
            .to_ascii_uppercase();
        let requested = get(header::ACCESS_CONTROL_REQUEST_HEADERS).unwrap_or("");
        if !self.origin_allowed(origin)
            || !METHODS.contains(&method.as_str())
            || !self.headers_allowed(requested)
        {
            return out;
        }
        if let Some(v) = self.allow_origin_value(origin) {
            out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        if let Ok(v) = HeaderValue::from_str(&method) {
            out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, v);
        }
        if !requested.trim().is_empty() {
            if let Ok(v) = HeaderValue::from_str(requested.trim()) {
                out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v);
            }
        }
        if self.max_age > 0 {
            out.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from(self.max_age),
            );
        }
        out
    }

    /// Headers added to the response of an actual (non-preflight) request.
    pub fn actual(&self, req: &HeaderMap, out: &mut HeaderMap) {
        out.append(header::VARY, HeaderValue::from_static("Origin"));
        let Some(origin) = req.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
            return;
        };
        if !self.origin_allowed(origin) {
            return;
        }
        if let Some(v) = self.allow_origin_value(origin) {
            out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        if !self.exposed_headers.is_empty() {
            if let Ok(v) = HeaderValue::from_str(&self.exposed_headers.join(", ")) {
                out.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cors() -> CorsConfig {
        CorsConfig {
            allowed_origins: vec![
                "https://*.example.com".into(),
                "http://localhost:3000".into(),
            ],
            allowed_headers: vec!["X-Requested-With".into(), "Content-Type".into()],
            exposed_headers: vec!["X-Trace".into()],
            max_age: 600,
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn preflight_allows_listed_origins_methods_and_headers() {
        let out = cors().preflight(&headers(&[
            ("origin", "https://app.example.com"),
            ("access-control-request-method", "post"),
            ("access-control-request-headers", "content-type, origin"),
        ]));
        assert_eq!(
            out.get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .map(|v| v.as_bytes()),
            Some(&b"https://app.example.com"[..])
        );
        assert_eq!(
            out.get(header::ACCESS_CONTROL_ALLOW_METHODS)
                .map(|v| v.as_bytes()),
            Some(&b"POST"[..])
        );
        assert_eq!(
            out.get(header::ACCESS_CONTROL_MAX_AGE)
                .map(|v| v.as_bytes()),
            Some(&b"600"[..])
        );
    }

    #[test]
    fn preflight_refusals_carry_no_allow_headers() {
        for req in [
            headers(&[
                ("origin", "https://evil.com"),
                ("access-control-request-method", "POST"),
            ]),
            headers(&[
                ("origin", "http://localhost:3000"),
                ("access-control-request-method", "DELETE"),
            ]),
            headers(&[
                ("origin", "http://localhost:3000"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "x-secret"),
            ]),
        ] {
            let out = cors().preflight(&req);
            assert!(
                out.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(),
                "{req:?}"
            );
            assert!(out.get(header::VARY).is_some());
        }
    }

    #[test]
    fn actual_requests_get_origin_and_exposed_headers() {
        let mut out = HeaderMap::new();
        cors().actual(&headers(&[("origin", "http://localhost:3000")]), &mut out);
        assert_eq!(
            out.get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .map(|v| v.as_bytes()),
            Some(&b"http://localhost:3000"[..])
        );
        assert!(out.get(header::ACCESS_CONTROL_EXPOSE_HEADERS).is_some());
        let star = CorsConfig {
            allowed_origins: vec!["*".into()],
            ..CorsConfig::default()
        };
        let mut out = HeaderMap::new();
        star.actual(&headers(&[("origin", "https://any.org")]), &mut out);
        assert_eq!(
            out.get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .map(|v| v.as_bytes()),
            Some(&b"*"[..])
        );
    }
}

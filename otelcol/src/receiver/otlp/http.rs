//! The OTLP/HTTP server (hyper, HTTP/1.1 and h2c/h2 on one listener).
//!
//! Status codes follow upstream's `otlphttp.go`: 405 for non-POST, 415 for an
//! unknown content type, 400 for undecodable or oversized bodies, and the
//! gRPC-derived code (503/429/500) when downstream refuses.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tonic::Code;

use super::body::{self, BodyError, Encoding};
use super::status::{grpc_code, http_status_for, rpc_status};
use super::{Core, HttpServerConfig};
use crate::error::{ConsumeError, StartError};
use crate::pdata::{ClientInfo, DecodeRequest, Logs, Metrics, SignalKind, Traces};

const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

struct State {
    core: Arc<Core>,
    cfg: HttpServerConfig,
}

type Resp = Response<Full<Bytes>>;

fn plain(status: StatusCode, text: &str) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(text.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain"),
    );
    r
}

fn encoded(status: StatusCode, enc: Encoding, body: Vec<u8>) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(enc.content_type()),
    );
    r
}

/// An error as a `google.rpc.Status` in the request's encoding.
fn status_response(
    enc: Encoding,
    code: Code,
    message: &str,
    retry_after: Option<Duration>,
) -> Resp {
    let st = rpc_status(code, message, retry_after);
    let body = match enc {
        Encoding::Proto => prost::Message::encode_to_vec(&st),
        Encoding::Json => serde_json::json!({"code": st.code, "message": st.message})
            .to_string()
            .into_bytes(),
    };
    let http_status = http_status_for(code);
    let mut r = encoded(http_status, enc, body);
    if let Some(d) = retry_after {
        if matches!(
            http_status,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        ) {
            let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
            if let Ok(v) = header::HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
    }
    r
}

fn client_info(state: &State, req: &Request<Incoming>, remote: SocketAddr) -> ClientInfo {
    let mut md = BTreeMap::new();
    if state.cfg.include_metadata {
        for (k, v) in req.headers() {
            if let Ok(v) = v.to_str() {
                md.entry(k.as_str().to_string())
                    .or_insert_with(Vec::new)
                    .push(v.to_string());
            }
        }
    }
    ClientInfo {
        addr: Some(remote),
        metadata: if md.is_empty() {
            super::no_metadata()
        } else {
            Arc::new(md)
        },
    }
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
    remote: SocketAddr,
) -> Result<Resp, Infallible> {
    let Some(cors) = state
        .cfg
        .cors
        .as_ref()
        .filter(|c| !c.allowed_origins.is_empty())
    else {
        return handle_otlp(&state, req, remote).await;
    };
    if req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::NO_CONTENT;
        *r.headers_mut() = cors.preflight(req.headers());
        return Ok(r);
    }
    let request_headers = req.headers().clone();
    let mut r = handle_otlp(&state, req, remote).await?;
    cors.actual(&request_headers, r.headers_mut());
    Ok(r)
}

async fn handle_otlp(
    state: &State,
    req: Request<Incoming>,
    remote: SocketAddr,
) -> Result<Resp, Infallible> {
    let path = req.uri().path();
    let kind = if path == state.cfg.traces_url_path {
        SignalKind::Traces
    } else if path == state.cfg.metrics_url_path {
        SignalKind::Metrics
    } else if path == state.cfg.logs_url_path {
        SignalKind::Logs
    } else {
        return Ok(plain(StatusCode::NOT_FOUND, "404 page not found\n"));
    };
    if !state.core.serves(kind) {
        return Ok(plain(StatusCode::NOT_FOUND, "404 page not found\n"));
    }
    if req.method() != Method::POST {
        return Ok(plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "405 method not allowed, supported: [POST]",
        ));
    }
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(enc) = Encoding::from_content_type(ct) else {
        return Ok(plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "415 unsupported media type, supported: [application/json, application/x-protobuf]",
        ));
    };
    let content_encoding = req
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let client = client_info(state, &req, remote);
    let limit = state.cfg.max_request_body_size;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let raw = match read_body(req.into_body(), limit, declared).await {
        Ok(raw) => raw,
        Err(msg) => return Ok(status_response(enc, Code::InvalidArgument, &msg, None)),
    };
    let decoded = body::decompress(&content_encoding, raw, limit);
    // Memory for decoding and hand-off, from the receiver's budget.
    let stays_encoded = kind == SignalKind::Traces
        && enc == Encoding::Proto
        && state.core.outputs.for_signal(kind).accepts_encoded(kind);
    let _reserved = match &decoded {
        Ok(b) => match state.core.budget.reserve(b.len(), !stays_encoded) {
            Ok(r) => Some(r),
            Err(e) => {
                return Ok(status_response(
                    enc,
                    grpc_code(&e),
                    e.message(),
                    e.retry_after(),
                ))
            }
        },
        Err(_) => None,
    };
    let result = match decoded {
        Err(e) => Err(e),
        Ok(b) => Ok(dispatch(state, kind, enc, b, client).await),
    };
    Ok(match result {
        Err(e) => status_response(enc, Code::InvalidArgument, &e.to_string(), None),
        Ok(resp) => resp,
    })
}

/// Reads a body of at most `limit` bytes into one buffer (collecting chunks
/// and joining them held the body twice), sized up front for the declared
/// length only up to [`PREALLOCATE`]: a length is a claim, not bytes.
async fn read_body(body: Incoming, limit: usize, declared: usize) -> Result<Bytes, String> {
    let mut body = Limited::new(body, limit);
    let mut buf = Vec::with_capacity(declared.min(limit).min(PREALLOCATE));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                BodyError::TooLarge { limit }.to_string()
            } else {
                format!("reading request body: {e}")
            }
        })?;
        if let Ok(data) = frame.into_data() {
            buf.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(buf))
}

/// Largest buffer allocated for a body before its bytes arrive.
const PREALLOCATE: usize = 4 << 20;

/// Decodes, forwards and answers one request of signal `kind`.
async fn dispatch(
    state: &State,
    kind: SignalKind,
    enc: Encoding,
    b: Bytes,
    client: ClientInfo,
) -> Resp {
    let outcome = match kind {
        SignalKind::Traces => forward::<Traces>(state, enc, &b, client).await,
        SignalKind::Metrics => forward::<Metrics>(state, enc, &b, client).await,
        SignalKind::Logs => forward::<Logs>(state, enc, &b, client).await,
    };
    match outcome {
        Err(e) => status_response(enc, Code::InvalidArgument, &e.to_string(), None),
        Ok(Err(e)) => status_response(enc, grpc_code(&e), e.message(), e.retry_after()),
        // An empty response, as upstream's JSON marshaller writes it.
        Ok(Ok(())) if enc == Encoding::Json => encoded(StatusCode::OK, enc, b"{}".to_vec()),
        // An empty `Export*ServiceResponse` is zero bytes in protobuf.
        Ok(Ok(())) => encoded(StatusCode::OK, enc, Vec::new()),
    }
}

/// Decodes a body as `S` and hands it downstream.
async fn forward<S: DecodeRequest>(
    state: &State,
    enc: Encoding,
    b: &Bytes,
    client: ClientInfo,
) -> Result<Result<(), ConsumeError>, BodyError> {
    // Traces stay encoded when everything downstream takes them so
    // (`pdata/encoded.rs`): no decoded copy of the request.
    let keep_encoded = state
        .core
        .outputs
        .for_signal(S::KIND)
        .accepts_encoded(S::KIND);
    let mut data = match enc {
        Encoding::Proto => S::decode_bytes(b.clone(), keep_encoded)?,
        Encoding::Json => S::from_request(serde_json::from_slice(b)?),
    };
    data.check_ids().map_err(|e| {
        BodyError::Ids(match enc {
            Encoding::Proto => e.proto_message(),
            Encoding::Json => e.json_message(),
        })
    })?;
    data.set_client(client);
    Ok(state.core.export(data).await)
}

/// Resolves once shutdown was requested (or the sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

pub(super) async fn start(
    cfg: &HttpServerConfig,
    core: Arc<Core>,
    mut stop: watch::Receiver<bool>,
) -> Result<(SocketAddr, JoinHandle<()>), StartError> {
    let tls = match &cfg.tls {
        Some(t) => Some(TlsAcceptor::from(crate::tls::server_config(
            t,
            &[b"h2", b"http/1.1"],
        )?)),
        None => None,
    };
    let bind_err = |source| StartError::Bind {
        endpoint: cfg.endpoint.clone(),
        source,
    };
    let listener = TcpListener::bind(&cfg.endpoint).await.map_err(bind_err)?;
    let addr = listener.local_addr().map_err(bind_err)?;
    let state = Arc::new(State {
        core,
        cfg: cfg.clone(),
    });

    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .keep_alive(cfg.keep_alives_enabled)
        .header_read_timeout(cfg.read_header_timeout);

    let task = tokio::spawn(async move {
        let graceful = GracefulShutdown::new();
        loop {
            let (stream, remote) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(c) => c,
                    Err(e) => {
                        // Accept errors (e.g. EMFILE) are transient; back off briefly.
                        tracing::warn!(error = %e, "http accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = stopped(&mut stop) => break,
            };
            let _ = stream.set_nodelay(true);
            let st = state.clone();
            let svc = service_fn(move |req| handle(st.clone(), req, remote));
            match &tls {
                None => {
                    let conn = builder
                        .serve_connection(TokioIo::new(stream), svc)
                        .into_owned();
                    let conn = graceful.watch(conn);
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                }
                Some(acceptor) => {
                    let acceptor = acceptor.clone();
                    let builder = builder.clone();
                    // The TLS handshake runs outside the graceful watcher, so
                    // a shutdown only waits for connections that got going.
                    tokio::spawn(async move {
                        let Ok(Ok(tls_stream)) =
                            tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream))
                                .await
                        else {
                            return;
                        };
                        let _ = builder
                            .serve_connection(TokioIo::new(tls_stream), svc)
                            .await;
                    });
                }
            }
        }
        graceful.shutdown().await;
    });
    Ok((addr, task))
}

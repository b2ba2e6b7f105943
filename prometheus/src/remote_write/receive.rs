//! The remote-write receiver (`prometheus.receive_http`): decodes remote
//! write 1.0 and 2.0 requests into batches for the next receivers.
//!
//! Answers as Prometheus's write handler does: 204 when every sample was
//! taken, 400 for a request that does not decode (the sender must not
//! retry), 415 for a protobuf message not accepted, 500 when a receiver
//! failed (the sender retries). Native histograms are refused with 400
//! (by name) rather than dropped, since nothing downstream stores them yet.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use prost::Message as _;
use tokio_util::sync::CancellationToken;

use super::proto::{self, Message};
use crate::model::{AppendError, Appendable, Batch, Labels, SeriesRef};
use alloy_metrics::{IntCounter, Registry};

/// Upstream's path.
pub const WRITE_PATH: &str = "/api/v1/metrics/write";
/// Compressed bodies above this are refused (413).
pub const MAX_BODY: usize = 64 << 20;
/// Decompressed bodies above this are refused (400).
pub const MAX_DECODED: usize = 512 << 20;

/// A request that cannot be taken, with the status to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl Refusal {
    fn bad(message: impl Into<String>) -> Refusal {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

/// Which message a `Content-Type` names.
pub fn message_of(content_type: Option<&str>) -> Result<Message, Refusal> {
    let Some(ct) = content_type else {
        return Ok(Message::V1);
    };
    let mut parts = ct.split(';').map(str::trim);
    let media = parts.next().unwrap_or_default();
    if !media.eq_ignore_ascii_case("application/x-protobuf") {
        return Err(Refusal {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: format!("unsupported content type {ct:?}, expected application/x-protobuf"),
        });
    }
    for p in parts {
        if let Some(proto) = p.strip_prefix("proto=") {
            return Message::from_name(proto.trim_matches('"')).ok_or_else(|| Refusal {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: format!("unknown remote write protobuf message {proto:?}"),
            });
        }
    }
    Ok(Message::V1)
}

/// Series refs for label sets seen before (bounded; cleared when full).
#[derive(Default)]
pub struct RefCache {
    map: Mutex<HashMap<Labels, SeriesRef>>,
}

const REF_CACHE_MAX: usize = 1 << 20;

impl RefCache {
    fn get(&self, labels: &Labels) -> SeriesRef {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&r) = map.get(labels) {
            return r;
        }
        if map.len() >= REF_CACHE_MAX {
            map.clear();
        }
        let r = SeriesRef::next();
        map.insert(labels.clone(), r);
        r
    }
}

/// Decodes a snappy-compressed body into `batch`; returns the counts of
/// (samples, exemplars) for the 2.0 response headers.
pub fn decode(
    message: Message,
    compressed: &[u8],
    refs: &RefCache,
    batch: &mut Batch,
) -> Result<(usize, usize), Refusal> {
    let len =
        snap::raw::decompress_len(compressed).map_err(|e| Refusal::bad(format!("snappy: {e}")))?;
    if len > MAX_DECODED {
        return Err(Refusal::bad(format!(
            "decompressed request of {len} bytes exceeds {MAX_DECODED}"
        )));
    }
    let raw = snap::raw::Decoder::new()
        .decompress_vec(compressed)
        .map_err(|e| Refusal::bad(format!("snappy: {e}")))?;
    let mut samples = 0;
    let mut exemplars = 0;
    match message {
        Message::V1 => {
            let req = proto::WriteRequest::decode(raw.as_slice())
                .map_err(|e| Refusal::bad(format!("decoding prometheus.WriteRequest: {e}")))?;
            for ts in &req.timeseries {
                if !ts.histograms.is_empty() {
                    return Err(Refusal::bad(
                        "native histograms are not supported by this receiver yet",
                    ));
                }
                let labels = Labels::from_pairs(
                    ts.labels
                        .iter()
                        .map(|l| (l.name.as_str(), l.value.as_str())),
                );
                let r = refs.get(&labels);
                let i = batch.add_series(r, labels);
                for s in &ts.samples {
                    batch.push_sample(i, s.timestamp, s.value);
                }
                samples += ts.samples.len();
                for e in &ts.exemplars {
                    batch.push_exemplar(
                        i,
                        crate::model::Exemplar {
                            labels: Labels::from_pairs(
                                e.labels.iter().map(|l| (l.name.as_str(), l.value.as_str())),
                            ),
                            value: e.value,
                            t: Some(e.timestamp),
                        },
                    );
                }
                exemplars += ts.exemplars.len();
            }
        }
        Message::V2 => {
            let req = proto::v2::Request::decode(raw.as_slice()).map_err(|e| {
                Refusal::bad(format!("decoding io.prometheus.write.v2.Request: {e}"))
            })?;
            let sym = |i: u32| -> Result<&str, Refusal> {
                req.symbols
                    .get(i as usize)
                    .map(String::as_str)
                    .ok_or_else(|| {
                        Refusal::bad(format!(
                            "symbol reference {i} out of range ({} symbols)",
                            req.symbols.len()
                        ))
                    })
            };
            for ts in &req.timeseries {
                if !ts.histograms.is_empty() {
                    return Err(Refusal::bad(
                        "native histograms are not supported by this receiver yet",
                    ));
                }
                if ts.labels_refs.len() % 2 != 0 {
                    return Err(Refusal::bad("odd number of label references"));
                }
                let mut pairs = Vec::with_capacity(ts.labels_refs.len() / 2);
                for p in ts.labels_refs.chunks_exact(2) {
                    pairs.push((sym(p[0])?, sym(p[1])?));
                }
                let labels = Labels::from_pairs(pairs);
                let r = refs.get(&labels);
                let i = batch.add_series(r, labels);
                for s in &ts.samples {
                    batch.push_sample(i, s.timestamp, s.value);
                }
                samples += ts.samples.len();
                for e in &ts.exemplars {
                    let mut pairs = Vec::new();
                    for p in e.labels_refs.chunks_exact(2) {
                        pairs.push((sym(p[0])?, sym(p[1])?));
                    }
                    batch.push_exemplar(
                        i,
                        crate::model::Exemplar {
                            labels: Labels::from_pairs(pairs),
                            value: e.value,
                            t: Some(e.timestamp),
                        },
                    );
                }
                exemplars += ts.exemplars.len();
            }
        }
    }
    Ok((samples, exemplars))
}

/// Counts for the component's metrics.
#[derive(Clone, Debug)]
pub struct ReceiveMetrics {
    pub requests: IntCounter,
    pub requests_refused: IntCounter,
    pub samples: IntCounter,
    pub samples_failed: IntCounter,
}

impl ReceiveMetrics {
    pub fn new(r: &Registry) -> ReceiveMetrics {
        ReceiveMetrics {
            requests: r.int_counter(
                "prometheus_receive_http_requests_total",
                "Remote-write requests received.",
                &[],
            ),
            requests_refused: r.int_counter(
                "prometheus_receive_http_requests_refused_total",
                "Remote-write requests answered with an error status.",
                &[],
            ),
            samples: r.int_counter(
                "prometheus_receive_http_samples_received_total",
                "Samples received and handed to forward_to.",
                &[],
            ),
            samples_failed: r.int_counter(
                "prometheus_receive_http_samples_failed_total",
                "Samples a forward_to receiver refused (the sender was told to retry or drop).",
                &[],
            ),
        }
    }
}

/// What a receiver needs: where to forward, which messages to accept.
pub struct Receiver {
    pub forward: Arc<dyn Appendable>,
    pub accepted: Vec<Message>,
    pub refs: RefCache,
    pub metrics: ReceiveMetrics,
}

impl Receiver {
    /// Handles one request body; the status and text to answer, and the
    /// 2.0 written counts.
    pub fn handle(
        &self,
        content_type: Option<&str>,
        encoding: Option<&str>,
        body: &[u8],
    ) -> (StatusCode, String, Option<(usize, usize)>) {
        self.metrics.requests.inc();
        let result = (|| {
            if let Some(enc) = encoding {
                if !enc.eq_ignore_ascii_case("snappy") {
                    return Err(Refusal {
                        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        message: format!("unsupported content encoding {enc:?}, expected snappy"),
                    });
                }
            }
            let message = message_of(content_type)?;
            if !self.accepted.contains(&message) {
                return Err(Refusal {
                    status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    message: format!("remote write protobuf message {} is not accepted (accepted_remote_write_protobuf_messages)", message.name()),
                });
            }
            let mut batch = Batch::new();
            let counts = decode(message, body, &self.refs, &mut batch)?;
            let n = batch.sample_count();
            match self.forward.append(&batch) {
                Ok(()) => {
                    self.metrics.samples.inc_by(n as u64);
                    Ok((message, counts))
                }
                Err(e) => {
                    self.metrics.samples_failed.inc_by(n as u64);
                    let status = match e {
                        AppendError::Rejected { .. } => StatusCode::BAD_REQUEST,
                        _ => StatusCode::INTERNAL_SERVER_ERROR,
                    };
                    Err(Refusal {
                        status,
                        message: e.to_string(),
                    })
                }
            }
        })();
        match result {
            Ok((message, counts)) => (
                StatusCode::NO_CONTENT,
                String::new(),
                (message == Message::V2).then_some(counts),
            ),
            Err(r) => {
                self.metrics.requests_refused.inc();
                (r.status, r.message, None)
            }
        }
    }

    async fn serve_one(
        self: Arc<Self>,
        req: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, Infallible> {
        let reply = |status: StatusCode, text: String| {
            let mut r = Response::new(Full::new(Bytes::from(text)));
            *r.status_mut() = status;
            r
        };
        if req.uri().path() != WRITE_PATH {
            return Ok(reply(StatusCode::NOT_FOUND, "404 page not found\n".into()));
        }
        if req.method() != Method::POST {
            return Ok(reply(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed\n".into(),
            ));
        }
        let header = |name: http::header::HeaderName| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let ct = header(http::header::CONTENT_TYPE);
        let enc = header(http::header::CONTENT_ENCODING);
        let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => {
                self.metrics.requests_refused.inc();
                let status = if e
                    .downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    StatusCode::PAYLOAD_TOO_LARGE
                } else {
                    StatusCode::BAD_REQUEST
                };
                return Ok(reply(status, format!("reading request body: {e}\n")));
            }
        };
        let this = self.clone();
        let handled =
            tokio::task::spawn_blocking(move || this.handle(ct.as_deref(), enc.as_deref(), &body))
                .await;
        let (status, text, counts) = match handled {
            Ok(v) => v,
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), None),
        };
        let mut r = reply(status, if text.is_empty() { text } else { text + "\n" });
        if let Some((samples, exemplars)) = counts {
            let h = r.headers_mut();
            h.insert("X-Prometheus-Remote-Write-Samples-Written", samples.into());
            h.insert("X-Prometheus-Remote-Write-Histograms-Written", 0.into());
            h.insert(
                "X-Prometheus-Remote-Write-Exemplars-Written",
                exemplars.into(),
            );
        }
        Ok(r)
    }

    /// Serves on `listener` until `stop`.
    pub async fn serve(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        stop: CancellationToken,
    ) {
        let builder =
            hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
        loop {
            let (stream, _peer): (tokio::net::TcpStream, SocketAddr) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(v) => v,
                    Err(e) => {
                        tracing::warn!(err = %e, "accepting a connection");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = stop.cancelled() => return,
            };
            let this = self.clone();
            let builder = builder.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| this.clone().serve_one(req));
                let conn = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                tokio::select! {
                    _ = conn => {}
                    () = stop.cancelled() => {}
                }
            });
        }
    }
}

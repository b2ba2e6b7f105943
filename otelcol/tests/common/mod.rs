//! Shared fixtures for the integration tests: a receiver -> batch ->
//! attributes -> exporter pipeline, and an OTLP sink (a second receiver
//! feeding a recording consumer) that can be stopped and restarted on the
//! same port to simulate an outage.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_otelcol::processor::attributes::{ActionConfig, ActionKind, AttrValue};
use alloy_otelcol::testing::Sink;
use alloy_otelcol::*;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

pub struct SinkPeer {
    pub receiver: OtlpReceiver,
    pub sink: Arc<Sink>,
    pub grpc: std::net::SocketAddr,
    pub http: std::net::SocketAddr,
}

impl SinkPeer {
    /// Starts on `grpc`/`http` endpoints (`127.0.0.1:0` for fresh ports).
    pub async fn start_on(
        grpc: &str,
        http: &str,
        sink: Arc<Sink>,
        tls: Option<TlsServerConfig>,
    ) -> SinkPeer {
        let cfg = OtlpReceiverConfig {
            grpc: Some(GrpcServerConfig {
                endpoint: grpc.into(),
                tls: tls.clone(),
                ..Default::default()
            }),
            http: Some(HttpServerConfig {
                endpoint: http.into(),
                tls,
                ..Default::default()
            }),
        };
        let receiver = OtlpReceiver::new(
            "otelcol.receiver.otlp.sink",
            cfg,
            Outputs::all(vec![sink.clone()]),
            &Registry::new(),
        );
        // The old listener may linger briefly after a restart; retry the bind.
        let started = Instant::now();
        loop {
            match receiver.start().await {
                Ok(()) => break,
                Err(e) if started.elapsed() < Duration::from_secs(5) => {
                    eprintln!("sink start retry: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("sink could not start: {e}"),
            }
        }
        let grpc = receiver.grpc_addr().expect("grpc bound");
        let http = receiver.http_addr().expect("http bound");
        SinkPeer {
            receiver,
            sink,
            grpc,
            http,
        }
    }

    pub async fn start() -> SinkPeer {
        Self::start_on("127.0.0.1:0", "127.0.0.1:0", Arc::new(Sink::new()), None).await
    }

    /// Stops serving; returns the sink so a restarted peer keeps counting.
    pub async fn stop(self) -> (Arc<Sink>, std::net::SocketAddr, std::net::SocketAddr) {
        let _ = self
            .receiver
            .shutdown(Instant::now() + Duration::from_secs(2))
            .await;
        (self.sink, self.grpc, self.http)
    }
}

pub struct PipelineOpts {
    pub exporter_endpoint: String,
    pub use_http_exporter: bool,
    pub queue_size: usize,
    pub num_consumers: usize,
    pub retry_initial: Duration,
    pub batch: BatchConfig,
    pub grpc_max_recv: usize,
    pub http_max_body: usize,
    pub tls_server: Option<TlsServerConfig>,
    pub tls_client: TlsClientConfig,
}

impl PipelineOpts {
    pub fn to(sink: &SinkPeer) -> Self {
        Self {
            exporter_endpoint: sink.grpc.to_string(),
            use_http_exporter: false,
            queue_size: 1000,
            num_consumers: 10,
            retry_initial: Duration::from_millis(200),
            batch: BatchConfig::default(),
            grpc_max_recv: 4 << 20,
            http_max_body: 20 << 20,
            tls_server: None,
            tls_client: TlsClientConfig {
                insecure: true,
                ..Default::default()
            },
        }
    }
}

pub struct Pipeline {
    pub receiver: OtlpReceiver,
    pub batch: Arc<BatchProcessor>,
    pub attrs: Arc<AttributesProcessor>,
    pub exporter: Arc<dyn Consumer>,
    grpc_exp: Option<Arc<OtlpGrpcExporter>>,
    http_exp: Option<Arc<OtlpHttpExporter>>,
    pub regs: Vec<(Registry, &'static str)>,
}

/// The attributes changes every pipeline test checks for.
pub fn test_actions() -> Vec<ActionConfig> {
    vec![
        ActionConfig {
            value: Some(AttrValue::String("alloy-rs".into())),
            ..ActionConfig::new("pipeline", ActionKind::Insert)
        },
        ActionConfig::new("secret", ActionKind::Delete),
    ]
}

impl Pipeline {
    pub async fn start(o: PipelineOpts) -> Pipeline {
        let reg_exp = Registry::new();
        let retry = RetryConfig {
            initial_interval: o.retry_initial,
            max_interval: Duration::from_secs(2),
            ..Default::default()
        };
        let queue = QueueConfig {
            queue_size: o.queue_size,
            num_consumers: o.num_consumers,
            ..Default::default()
        };
        let (exporter, grpc_exp, http_exp): (Arc<dyn Consumer>, _, _) = if o.use_http_exporter {
            let e = Arc::new(
                OtlpHttpExporter::new(
                    "otelcol.exporter.otlphttp.default",
                    OtlpHttpConfig {
                        endpoint: o.exporter_endpoint.clone(),
                        tls: o.tls_client.clone(),
                        sending_queue: queue,
                        retry_on_failure: retry,
                        timeout: Duration::from_secs(5),
                        ..Default::default()
                    },
                    &reg_exp,
                )
                .expect("exporter config"),
            );
            e.start().await.expect("exporter start");
            (e.clone(), None, Some(e))
        } else {
            let e = Arc::new(
                OtlpGrpcExporter::new(
                    "otelcol.exporter.otlp.default",
                    OtlpGrpcConfig {
                        endpoint: o.exporter_endpoint.clone(),
                        tls: o.tls_client.clone(),
                        sending_queue: queue,
                        retry_on_failure: retry,
                        ..Default::default()
                    },
                    &reg_exp,
                )
                .expect("exporter config"),
            );
            e.start().await.expect("exporter start");
            (e.clone(), Some(e), None)
        };
        let reg_attr = Registry::new();
        let attrs = AttributesProcessor::new(
            "otelcol.processor.attributes.default",
            AttributesConfig {
                actions: test_actions(),
                ..Default::default()
            },
            Outputs::all(vec![exporter.clone()]),
            &reg_attr,
        )
        .expect("attributes config");
        let reg_batch = Registry::new();
        let batch = BatchProcessor::new(
            "otelcol.processor.batch.default",
            o.batch,
            Outputs::all(vec![attrs.clone()]),
            &reg_batch,
        )
        .expect("batch config");
        let reg_recv = Registry::new();
        let receiver = OtlpReceiver::new(
            "otelcol.receiver.otlp.default",
            OtlpReceiverConfig {
                grpc: Some(GrpcServerConfig {
                    endpoint: "127.0.0.1:0".into(),
                    max_recv_msg_size: o.grpc_max_recv,
                    tls: o.tls_server.clone(),
                    ..Default::default()
                }),
                http: Some(HttpServerConfig {
                    endpoint: "127.0.0.1:0".into(),
                    max_request_body_size: o.http_max_body,
                    tls: o.tls_server.clone(),
                    ..Default::default()
                }),
            },
            Outputs::all(vec![batch.clone()]),
            &reg_recv,
        );
        receiver.start().await.expect("receiver start");
        Pipeline {
            receiver,
            batch,
            attrs,
            exporter,
            grpc_exp,
            http_exp,
            regs: vec![
                (reg_recv, "otelcol.receiver.otlp.default"),
                (reg_batch, "otelcol.processor.batch.default"),
                (reg_attr, "otelcol.processor.attributes.default"),
                (
                    reg_exp,
                    if o.use_http_exporter {
                        "otelcol.exporter.otlphttp.default"
                    } else {
                        "otelcol.exporter.otlp.default"
                    },
                ),
            ],
        }
    }

    pub fn grpc_url(&self) -> String {
        format!("http://{}", self.receiver.grpc_addr().expect("grpc"))
    }

    pub fn http_base(&self) -> String {
        format!("http://{}", self.receiver.http_addr().expect("http"))
    }

    pub fn metrics_text(&self) -> String {
        let extra: Vec<[(&str, &str); 2]> = self
            .regs
            .iter()
            .map(|(_, id)| [("component_id", *id), ("component_path", "/")])
            .collect();
        let sources: Vec<(&Registry, &[(&str, &str)])> = self
            .regs
            .iter()
            .zip(extra.iter())
            .map(|((r, _), e)| (r, &e[..]))
            .collect();
        encode_text(&sources)
    }

    /// Sum of a metric over all component registries.
    pub fn metric(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.regs.iter().map(|(r, _)| r.sum(name, labels)).sum()
    }

    pub async fn shutdown(&self, deadline: Instant) -> Result<(), ShutdownError> {
        let _ = self.receiver.shutdown(deadline).await;
        let _ = self.batch.shutdown(deadline).await;
        if let Some(e) = &self.grpc_exp {
            return e.shutdown(deadline).await;
        }
        if let Some(e) = &self.http_exp {
            return e.shutdown(deadline).await;
        }
        Ok(())
    }
}

pub async fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub struct HttpReply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

pub async fn http_post(
    url: &str,
    method: &str,
    content_type: &str,
    content_encoding: Option<&str>,
    body: Vec<u8>,
) -> HttpReply {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut b = http::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", content_type);
    if let Some(ce) = content_encoding {
        b = b.header("content-encoding", ce);
    }
    let resp = client
        .request(b.body(Full::new(Bytes::from(body))).expect("request"))
        .await
        .expect("http request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    HttpReply {
        status,
        headers,
        body,
    }
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).expect("gzip write");
    gz.finish().expect("gzip finish")
}

/// Total of an attribute check over every span the sink received.
pub fn all_spans_have(sink: &Sink, key: &str, present: bool) -> bool {
    sink.traces.lock().expect("lock").iter().all(|t| {
        t.resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .all(|sp| sp.attributes.iter().any(|kv| kv.key == key) == present)
    })
}

pub fn all_logs_have(sink: &Sink, key: &str, present: bool) -> bool {
    sink.logs.lock().expect("lock").iter().all(|t| {
        t.resource_logs
            .iter()
            .flat_map(|r| &r.scope_logs)
            .flat_map(|s| &s.log_records)
            .all(|lr| lr.attributes.iter().any(|kv| kv.key == key) == present)
    })
}

pub fn all_points_have(sink: &Sink, key: &str, present: bool) -> bool {
    use opentelemetry_proto::tonic::metrics::v1::metric::Data;
    sink.metrics.lock().expect("lock").iter().all(|t| {
        t.resource_metrics
            .iter()
            .flat_map(|r| &r.scope_metrics)
            .flat_map(|s| &s.metrics)
            .all(|m| {
                let attrs: Vec<&Vec<opentelemetry_proto::tonic::common::v1::KeyValue>> = match &m
                    .data
                {
                    Some(Data::Sum(s)) => s.data_points.iter().map(|p| &p.attributes).collect(),
                    Some(Data::Gauge(g)) => g.data_points.iter().map(|p| &p.attributes).collect(),
                    Some(Data::Histogram(h)) => {
                        h.data_points.iter().map(|p| &p.attributes).collect()
                    }
                    _ => Vec::new(),
                };
                attrs
                    .iter()
                    .all(|a| a.iter().any(|kv| kv.key == key) == present)
            })
    })
}

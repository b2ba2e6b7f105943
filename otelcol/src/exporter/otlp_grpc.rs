//! `otelcol.exporter.otlp`: OTLP over gRPC (tonic).
//!
//! Requests are encoded once (see [`Transport::prepare`]) and sent through a
//! pass-through codec, so a retried request is not re-encoded.

use std::marker::PhantomData;
use std::time::Duration;

use bytes::{BufMut, Bytes};
use http::uri::PathAndQuery;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceResponse;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic::{Code, Status};

use super::queued::{ExporterSettings, QueueConfig, QueuedExporter, SendError, Transport};
use super::{Compression, RetryConfig};
use crate::error::ConfigError;
use crate::pdata::{Logs, Metrics, Traces};
use crate::receiver::otlp::status::retry_delay_from_details;
use crate::telemetry::Registry;
use crate::tls::TlsClientConfig;

/// Arguments of `otelcol.exporter.otlp`.
#[derive(Debug, Clone, PartialEq)]
pub struct OtlpGrpcConfig {
    /// `host:port` (a `http://` or `https://` prefix is accepted).
    pub endpoint: String,
    pub compression: Compression,
    /// Sent as gRPC metadata with every request.
    pub headers: Vec<(String, String)>,
    /// TLS is on by default; `tls.insecure = true` for plaintext.
    pub tls: TlsClientConfig,
    /// Per-attempt timeout; Alloy's default 5s.
    pub timeout: Duration,
    pub sending_queue: QueueConfig,
    pub retry_on_failure: RetryConfig,
    /// Largest response accepted.
    pub max_recv_msg_size: usize,
    /// `client > keepalive`: HTTP/2 pings on the connection.
    pub keepalive: Option<ClientKeepalive>,
}

/// `client > keepalive` of the gRPC exporter (grpc-go's client parameters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientKeepalive {
    /// Ping after this long without activity (`ping_wait`).
    pub ping_wait: Option<Duration>,
    /// Close the connection if a ping is not answered in this time.
    pub ping_response_timeout: Option<Duration>,
    /// Ping even when no request is in flight.
    pub ping_without_stream: bool,
}

impl Default for OtlpGrpcConfig {
    fn default() -> Self {
        Self {
            endpoint: String::new(),
            compression: Compression::Gzip,
            headers: Vec::new(),
            tls: TlsClientConfig::default(),
            timeout: Duration::from_secs(5),
            sending_queue: QueueConfig::default(),
            retry_on_failure: RetryConfig::default(),
            max_recv_msg_size: 4 * 1024 * 1024,
            keepalive: None,
        }
    }
}

/// The gRPC transport shared by the three signals (one HTTP/2 channel).
pub struct GrpcTransport {
    grpc: tonic::client::Grpc<Channel>,
    headers: MetadataMap,
}

/// The `otelcol.exporter.otlp` component.
pub type OtlpGrpcExporter = QueuedExporter<GrpcTransport>;

impl QueuedExporter<GrpcTransport> {
    /// Label `exporter="otlp_grpc/<component_id>"` (the type name Alloy ≥ 1.16 reports).
    pub fn new(
        component_id: &str,
        cfg: OtlpGrpcConfig,
        registry: &Registry,
    ) -> Result<Self, ConfigError> {
        let transport = GrpcTransport::new(&cfg)?;
        let settings = ExporterSettings {
            timeout: cfg.timeout,
            queue: Some(cfg.sending_queue.clone()),
            retry: cfg.retry_on_failure.clone(),
        };
        Ok(Self::from_transport(
            &format!("otlp_grpc/{component_id}"),
            component_id,
            transport,
            &settings,
            registry,
        ))
    }
}

impl GrpcTransport {
    fn new(cfg: &OtlpGrpcConfig) -> Result<Self, ConfigError> {
        if matches!(cfg.compression, Compression::Zlib | Compression::Deflate) {
            // Upstream's configgrpc knows gzip, snappy and zstd only.
            return Err(ConfigError::invalid(
                "client.compression",
                "unsupported compression type for gRPC (gzip or none)",
            ));
        }
        if cfg.endpoint.is_empty() {
            return Err(ConfigError::invalid("client.endpoint", "must be set"));
        }
        let bare = cfg
            .endpoint
            .trim_start_matches("http://")
            .trim_start_matches("https://");
        let tls_on = !cfg.tls.insecure && !cfg.endpoint.starts_with("http://");
        let uri = format!("{}://{bare}", if tls_on { "https" } else { "http" });
        let mut ep = Endpoint::from_shared(uri)
            .map_err(|e| ConfigError::invalid("client.endpoint", e.to_string()))?
            .tcp_nodelay(true)
            .connect_timeout(cfg.timeout.max(Duration::from_secs(1)));
        if let Some(k) = &cfg.keepalive {
            if let Some(wait) = k.ping_wait {
                ep = ep.http2_keep_alive_interval(wait);
            }
            if let Some(timeout) = k.ping_response_timeout {
                ep = ep.keep_alive_timeout(timeout);
            }
            ep = ep.keep_alive_while_idle(k.ping_without_stream);
        }
        if tls_on {
            if cfg.tls.insecure_skip_verify {
                return Err(ConfigError::invalid(
                    "client.tls.insecure_skip_verify",
                    "not supported by the gRPC exporter; set tls.ca_file to the peer's CA",
                ));
            }
            cfg.tls.versions.require_default("the gRPC exporter")?;
            let mut tls = ClientTlsConfig::new();
            tls = match &cfg.tls.ca {
                Some(ca) => tls.ca_certificate(Certificate::from_pem(ca.read()?)),
                None => tls.with_native_roots(),
            };
            match (&cfg.tls.cert, &cfg.tls.key) {
                (Some(c), Some(k)) => tls = tls.identity(Identity::from_pem(c.read()?, k.read()?)),
                (None, None) => {}
                _ => {
                    return Err(ConfigError::invalid(
                        "client.tls",
                        "cert_file and key_file must be set together",
                    ))
                }
            }
            if let Some(name) = &cfg.tls.server_name {
                tls = tls.domain_name(name.clone());
            }
            ep = ep
                .tls_config(tls)
                .map_err(|e| ConfigError::Tls(e.to_string()))?;
        }
        let mut grpc = tonic::client::Grpc::new(ep.connect_lazy())
            .max_decoding_message_size(cfg.max_recv_msg_size);
        if cfg.compression == Compression::Gzip {
            grpc = grpc
                .send_compressed(CompressionEncoding::Gzip)
                .accept_compressed(CompressionEncoding::Gzip);
        }
        let mut headers = MetadataMap::new();
        for (k, v) in &cfg.headers {
            let key = MetadataKey::from_bytes(k.to_ascii_lowercase().as_bytes()).map_err(|e| {
                ConfigError::invalid(format!("client.headers[{k:?}]"), e.to_string())
            })?;
            let val = MetadataValue::try_from(v.as_str()).map_err(|e| {
                ConfigError::invalid(format!("client.headers[{k:?}]"), e.to_string())
            })?;
            headers.insert(key, val);
        }
        Ok(Self { grpc, headers })
    }

    async fn unary<R: Message + Default + 'static>(
        &self,
        path: &'static str,
        body: &Bytes,
    ) -> Result<R, SendError> {
        let mut grpc = self.grpc.clone();
        grpc.ready()
            .await
            .map_err(|e| SendError::retryable(format!("connecting: {e}")))?;
        let mut req = tonic::Request::new(body.clone());
        *req.metadata_mut() = self.headers.clone();
        grpc.unary(
            req,
            PathAndQuery::from_static(path),
            RawCodec::<R>(PhantomData),
        )
        .await
        .map(tonic::Response::into_inner)
        .map_err(|s| classify(&s))
    }
}

/// The OTLP spec's retryable gRPC codes; `RESOURCE_EXHAUSTED` only with
/// `RetryInfo` (a server saying "slow down", not "too big").
///
/// A status tonic made up from a local failure (the connection reset or
/// closed under an export in flight, an HTTP/2 error) carries that error as
/// its source and the code `Unknown`; grpc-go reports the same failures as
/// `UNAVAILABLE`, so they are retried too. A status the server sent has no
/// source.
fn classify(s: &Status) -> SendError {
    let retry_after = retry_delay_from_details(s.details());
    let local_transport_failure = std::error::Error::source(s).is_some()
        && matches!(s.code(), Code::Unknown | Code::Internal | Code::Unavailable);
    let retryable = local_transport_failure
        || match s.code() {
            Code::Cancelled
            | Code::DeadlineExceeded
            | Code::Aborted
            | Code::OutOfRange
            | Code::Unavailable
            | Code::DataLoss => true,
            Code::ResourceExhausted => retry_after.is_some(),
            _ => false,
        };
    SendError {
        retryable,
        retry_after,
        message: format!("rpc error: code = {:?} desc = {}", s.code(), s.message()),
    }
}

#[async_trait::async_trait]
impl Transport<Traces> for GrpcTransport {
    type Request = Bytes;
    fn prepare(&self, data: Traces) -> Result<Bytes, SendError> {
        Ok(data.to_request())
    }
    /// Encoded requests go out as they came (`pdata/encoded.rs`).
    fn accepts_encoded(&self) -> bool {
        true
    }
    async fn send(&self, req: &Bytes) -> Result<u64, SendError> {
        let r: ExportTraceServiceResponse = self
            .unary(
                "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                req,
            )
            .await?;
        Ok(r.partial_success
            .map_or(0, |p| p.rejected_spans.max(0) as u64))
    }
}

#[async_trait::async_trait]
impl Transport<Metrics> for GrpcTransport {
    type Request = Bytes;
    fn prepare(&self, data: Metrics) -> Result<Bytes, SendError> {
        Ok(super::encode::metrics(&data.resource_metrics))
    }
    async fn send(&self, req: &Bytes) -> Result<u64, SendError> {
        let r: ExportMetricsServiceResponse = self
            .unary(
                "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
                req,
            )
            .await?;
        Ok(r.partial_success
            .map_or(0, |p| p.rejected_data_points.max(0) as u64))
    }
}

#[async_trait::async_trait]
impl Transport<Logs> for GrpcTransport {
    type Request = Bytes;
    fn prepare(&self, data: Logs) -> Result<Bytes, SendError> {
        Ok(super::encode::logs(&data.resource_logs))
    }
    async fn send(&self, req: &Bytes) -> Result<u64, SendError> {
        let r: ExportLogsServiceResponse = self
            .unary(
                "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
                req,
            )
            .await?;
        Ok(r.partial_success
            .map_or(0, |p| p.rejected_log_records.max(0) as u64))
    }
}

/// Sends pre-encoded request bytes as-is; decodes the response with prost.
struct RawCodec<R>(PhantomData<fn() -> R>);

struct RawEncoder;
struct RespDecoder<R>(PhantomData<fn() -> R>);

impl<R: Message + Default + 'static> Codec for RawCodec<R> {
    type Encode = Bytes;
    type Decode = R;
    type Encoder = RawEncoder;
    type Decoder = RespDecoder<R>;
    fn encoder(&mut self) -> Self::Encoder {
        RawEncoder
    }
    fn decoder(&mut self) -> Self::Decoder {
        RespDecoder(PhantomData)
    }
}

impl Encoder for RawEncoder {
    type Item = Bytes;
    type Error = Status;
    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl<R: Message + Default> Decoder for RespDecoder<R> {
    type Item = R;
    type Error = Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<R>, Status> {
        R::decode(src)
            .map(Some)
            .map_err(|e| Status::internal(format!("decoding response: {e}")))
    }
}

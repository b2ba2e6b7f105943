//! The OTLP/gRPC server (tonic), serving the three `Export` services.
//!
//! One generic service per signal instead of the generated servers: the
//! codec decodes straight into the batch type with
//! [`DecodeRequest`](crate::pdata::DecodeRequest) (sized vectors, see
//! `pdata/decode.rs`), and the response, always an empty
//! `Export*ServiceResponse`, is written as zero bytes without building one.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Buf;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::{http, Body, BoxFuture, Service, StdError};
use tonic::metadata::KeyAndValueRef;
use tonic::server::{NamedService, UnaryService};
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};
use tonic::{Code, Request, Response, Status};

use super::budget::{DecodeBudget, Reservation};
use super::status::to_grpc_status;
use super::{Core, GrpcServerConfig};
use crate::error::{ConfigError, StartError};
use crate::pdata::{ClientInfo, DecodeRequest, Logs, Metrics, SignalKind, Traces};

/// Where each signal's service lives.
trait GrpcSignal: DecodeRequest {
    const SERVICE: &'static str;
    const METHOD: &'static str;
}

impl GrpcSignal for Traces {
    const SERVICE: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
    const METHOD: &'static str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
}

impl GrpcSignal for Metrics {
    const SERVICE: &'static str = "opentelemetry.proto.collector.metrics.v1.MetricsService";
    const METHOD: &'static str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
}

impl GrpcSignal for Logs {
    const SERVICE: &'static str = "opentelemetry.proto.collector.logs.v1.LogsService";
    const METHOD: &'static str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
}

/// Decodes requests to `S`; encodes the empty response. With
/// `keep_encoded` (everything downstream takes encoded data) a trace
/// request may stay in its protobuf form (`pdata/encoded.rs`).
struct ExportCodec<S> {
    keep_encoded: bool,
    budget: Arc<DecodeBudget>,
    _signal: PhantomData<fn() -> S>,
}

/// A decoded request with the memory reserved for it, returned once the
/// pipeline has taken it.
struct Reserved<S> {
    data: S,
    _reservation: Reservation,
}

impl<S: GrpcSignal> Codec for ExportCodec<S> {
    type Encode = ();
    type Decode = Reserved<S>;
    type Encoder = EmptyEncoder;
    type Decoder = ExportCodec<S>;
    fn encoder(&mut self) -> EmptyEncoder {
        EmptyEncoder
    }
    fn decoder(&mut self) -> ExportCodec<S> {
        ExportCodec {
            keep_encoded: self.keep_encoded,
            budget: self.budget.clone(),
            _signal: PhantomData,
        }
    }
}

impl<S: GrpcSignal> Decoder for ExportCodec<S> {
    type Item = Reserved<S>;
    type Error = Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Reserved<S>>, Status> {
        let n = src.remaining();
        let reservation = self
            .budget
            .reserve(n, !(self.keep_encoded && S::KIND == SignalKind::Traces))
            .map_err(|e| to_grpc_status(&e))?;
        let decoded = if self.keep_encoded {
            // Zero-copy: the message's part of tonic's buffer is split off.
            S::decode_bytes(src.copy_to_bytes(n), true)
        } else if src.chunk().len() == n {
            let r = S::decode_request(src.chunk());
            src.advance(n);
            r
        } else {
            S::decode_request(&src.copy_to_bytes(n))
        };
        // grpc-go (upstream) answers an undecodable request with INTERNAL;
        // an ID of the wrong length fails upstream's unmarshalling too.
        let data = decoded
            .map_err(|e| Status::internal(format!("failed to decode Protobuf message: {e}")))?;
        data.check_ids().map_err(|e| {
            Status::internal(format!(
                "grpc: error unmarshalling request: {}",
                e.proto_message()
            ))
        })?;
        Ok(Some(Reserved {
            data,
            _reservation: reservation,
        }))
    }
}

/// An empty `Export*ServiceResponse` (no `partial_success`) is zero bytes.
struct EmptyEncoder;

impl Encoder for EmptyEncoder {
    type Item = ();
    type Error = Status;
    fn encode(&mut self, _item: (), _dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        Ok(())
    }
}

/// One signal's `Export` service.
struct ExportService<S> {
    core: Arc<Core>,
    include_metadata: bool,
    max_recv_msg_size: usize,
    _signal: PhantomData<fn() -> S>,
}

impl<S> Clone for ExportService<S> {
    fn clone(&self) -> Self {
        Self {
            core: self.core.clone(),
            include_metadata: self.include_metadata,
            max_recv_msg_size: self.max_recv_msg_size,
            _signal: PhantomData,
        }
    }
}

impl<S: GrpcSignal> NamedService for ExportService<S> {
    const NAME: &'static str = S::SERVICE;
}

impl<S: GrpcSignal> ExportService<S> {
    fn new(core: &Arc<Core>, cfg: &GrpcServerConfig) -> Self {
        Self {
            core: core.clone(),
            include_metadata: cfg.include_metadata,
            max_recv_msg_size: cfg.max_recv_msg_size,
            _signal: PhantomData,
        }
    }

    fn client<T>(&self, req: &Request<T>) -> ClientInfo {
        let mut md = BTreeMap::new();
        if self.include_metadata {
            for kv in req.metadata().iter() {
                if let KeyAndValueRef::Ascii(k, v) = kv {
                    if let Ok(v) = v.to_str() {
                        md.entry(k.as_str().to_string())
                            .or_insert_with(Vec::new)
                            .push(v.to_string());
                    }
                }
            }
        }
        ClientInfo {
            addr: req.remote_addr(),
            metadata: if md.is_empty() {
                super::no_metadata()
            } else {
                Arc::new(md)
            },
        }
    }
}

impl<S: GrpcSignal> UnaryService<Reserved<S>> for ExportService<S> {
    type Response = ();
    type Future = BoxFuture<Response<()>, Status>;
    fn call(&mut self, request: Request<Reserved<S>>) -> Self::Future {
        let svc = self.clone();
        Box::pin(async move {
            let client = svc.client(&request);
            let Reserved {
                mut data,
                _reservation,
            } = request.into_inner();
            data.set_client(client);
            let result = svc.core.export(data).await;
            drop(_reservation);
            result.map_err(|e| to_grpc_status(&e))?;
            Ok(Response::new(()))
        })
    }
}

impl<S, B> Service<http::Request<B>> for ExportService<S>
where
    S: GrpcSignal,
    B: Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Infallible>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        if req.uri().path() != S::METHOD {
            return Box::pin(async move { Ok(Status::new(Code::Unimplemented, "").into_http()) });
        }
        let svc = self.clone();
        let codec = ExportCodec::<S> {
            keep_encoded: svc
                .core
                .outputs
                .for_signal(S::KIND)
                .accepts_encoded(S::KIND),
            budget: svc.core.budget.clone(),
            _signal: PhantomData,
        };
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(codec)
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(svc.max_recv_msg_size);
            Ok(grpc.unary(svc, req).await)
        })
    }
}

fn tls_config(cfg: &crate::tls::TlsServerConfig) -> Result<ServerTlsConfig, ConfigError> {
    cfg.versions.require_default("the gRPC server")?;
    let identity = Identity::from_pem(cfg.cert.read()?, cfg.key.read()?);
    let mut tls = ServerTlsConfig::new().identity(identity);
    if let Some(ca) = &cfg.client_ca {
        tls = tls.client_ca_root(Certificate::from_pem(ca.read()?));
    }
    Ok(tls)
}

pub(super) async fn start(
    cfg: &GrpcServerConfig,
    core: Arc<Core>,
    mut stop: watch::Receiver<bool>,
) -> Result<(SocketAddr, JoinHandle<()>), StartError> {
    let bind_err = |source| StartError::Bind {
        endpoint: cfg.endpoint.clone(),
        source,
    };
    let listener = tokio::net::TcpListener::bind(&cfg.endpoint)
        .await
        .map_err(bind_err)?;
    let addr = listener.local_addr().map_err(bind_err)?;

    let mut builder = Server::builder()
        .max_concurrent_streams(cfg.max_concurrent_streams)
        .http2_keepalive_interval(Some(cfg.keepalive_time))
        .http2_keepalive_timeout(Some(cfg.keepalive_timeout));
    if let Some(tls) = &cfg.tls {
        builder = builder
            .tls_config(tls_config(tls)?)
            .map_err(|e| ConfigError::Tls(e.to_string()))?;
    }

    let traces = core
        .serves(SignalKind::Traces)
        .then(|| ExportService::<Traces>::new(&core, cfg));
    let metrics = core
        .serves(SignalKind::Metrics)
        .then(|| ExportService::<Metrics>::new(&core, cfg));
    let logs = core
        .serves(SignalKind::Logs)
        .then(|| ExportService::<Logs>::new(&core, cfg));
    let router = builder
        .add_optional_service(traces)
        .add_optional_service(metrics)
        .add_optional_service(logs);
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let component_id = core.component_id.clone();
    let task = tokio::spawn(async move {
        let signal = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        if let Err(e) = router.serve_with_incoming_shutdown(incoming, signal).await {
            tracing::error!(component_id = %component_id, error = %e, "grpc server failed");
        }
    });
    Ok((addr, task))
}

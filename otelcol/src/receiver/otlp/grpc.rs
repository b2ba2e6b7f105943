//! The OTLP/gRPC server (tonic), serving the three `Export` services.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic::codec::CompressionEncoding;
use tonic::metadata::KeyAndValueRef;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};
use tonic::{Request, Response, Status};

use super::status::to_grpc_status;
use super::{Core, GrpcServerConfig};
use crate::error::{ConfigError, StartError};
use crate::pdata::{ClientInfo, Logs, Metrics, SignalKind, Traces};
use crate::tls::read_file;

#[derive(Clone)]
struct Svc {
    core: Arc<Core>,
    include_metadata: bool,
}

impl Svc {
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
            metadata: Arc::new(md),
        }
    }
}

#[tonic::async_trait]
impl TraceService for Svc {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let client = self.client(&request);
        let data = Traces {
            resource_spans: request.into_inner().resource_spans,
            client,
        };
        self.core
            .export(data)
            .await
            .map_err(|e| to_grpc_status(&e))?;
        Ok(Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

#[tonic::async_trait]
impl MetricsService for Svc {
    async fn export(
        &self,
        request: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        let client = self.client(&request);
        let data = Metrics {
            resource_metrics: request.into_inner().resource_metrics,
            client,
        };
        self.core
            .export(data)
            .await
            .map_err(|e| to_grpc_status(&e))?;
        Ok(Response::new(ExportMetricsServiceResponse {
            partial_success: None,
        }))
    }
}

#[tonic::async_trait]
impl LogsService for Svc {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        let client = self.client(&request);
        let data = Logs {
            resource_logs: request.into_inner().resource_logs,
            client,
        };
        self.core
            .export(data)
            .await
            .map_err(|e| to_grpc_status(&e))?;
        Ok(Response::new(ExportLogsServiceResponse {
            partial_success: None,
        }))
    }
}

fn tls_config(cfg: &crate::tls::TlsServerConfig) -> Result<ServerTlsConfig, ConfigError> {
    let identity = Identity::from_pem(read_file(&cfg.cert_file)?, read_file(&cfg.key_file)?);
    let mut tls = ServerTlsConfig::new().identity(identity);
    if let Some(ca) = &cfg.client_ca_file {
        tls = tls.client_ca_root(Certificate::from_pem(read_file(ca)?));
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

    let svc = Svc {
        core: core.clone(),
        include_metadata: cfg.include_metadata,
    };
    let max = cfg.max_recv_msg_size;
    let traces = core.serves(SignalKind::Traces).then(|| {
        TraceServiceServer::new(svc.clone())
            .accept_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size(max)
    });
    let metrics = core.serves(SignalKind::Metrics).then(|| {
        MetricsServiceServer::new(svc.clone())
            .accept_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size(max)
    });
    let logs = core.serves(SignalKind::Logs).then(|| {
        LogsServiceServer::new(svc.clone())
            .accept_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size(max)
    });
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

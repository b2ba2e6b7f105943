//! OTLP pipeline components for the Alloy runtime: `otelcol.receiver.otlp`,
//! `otelcol.processor.batch`, `otelcol.processor.attributes`,
//! `otelcol.exporter.otlp`, `otelcol.exporter.otlphttp` and
//! `otelcol.exporter.debug`.
//!
//! # Wiring
//! Components are built leaves first, because each takes its downstream
//! consumers at construction (Alloy's `output` block):
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use std::time::{Duration, Instant};
//! use alloy_otelcol::*;
//!
//! let reg_exp = Registry::new();
//! let exporter = Arc::new(OtlpGrpcExporter::new(
//!     "otelcol.exporter.otlp.default",
//!     OtlpGrpcConfig { endpoint: "127.0.0.1:4317".into(), ..Default::default() },
//!     &reg_exp,
//! )?);
//! let reg_batch = Registry::new();
//! let batch = BatchProcessor::new("otelcol.processor.batch.default", BatchConfig::default(),
//!     Outputs::all(vec![exporter.clone()]), &reg_batch)?;
//! let reg_recv = Registry::new();
//! let receiver = OtlpReceiver::new("otelcol.receiver.otlp.default",
//!     OtlpReceiverConfig { grpc: Some(GrpcServerConfig::default()), http: None },
//!     Outputs::all(vec![batch.clone()]), &reg_recv);
//! exporter.start().await?;
//! receiver.start().await?;
//! // ... later: stop roots first so downstream can drain.
//! let deadline = Instant::now() + Duration::from_secs(10);
//! receiver.shutdown(deadline).await?;
//! batch.shutdown(deadline).await?;
//! exporter.shutdown(deadline).await?;
//! let text = encode_text(&[
//!     (&reg_recv, &[("component_id", "otelcol.receiver.otlp.default"), ("component_path", "/")]),
//! ]);
//! # let _ = text; Ok(()) }
//! ```

pub mod connector;
pub mod consumer;
pub mod error;
pub mod exporter;
pub mod pdata;
pub mod processor;
pub mod receiver;
pub mod telemetry;
pub mod testing;
pub mod tls;

/// The OTLP protobuf types this crate's batches are made of.
pub use opentelemetry_proto::tonic as proto;

pub use consumer::{Consumer, Fanout, Outputs};
pub use error::{ConfigError, ConsumeError, ConsumeErrorKind, ShutdownError, StartError};
pub use exporter::debug::{DebugConfig, DebugExporter, Verbosity};
pub use exporter::otlp_grpc::{ClientKeepalive, OtlpGrpcConfig, OtlpGrpcExporter};
pub use exporter::otlp_http::{HttpEncoding, OtlpHttpConfig, OtlpHttpExporter};
pub use exporter::{Compression, ExporterSettings, QueueConfig, RetryConfig};
pub use pdata::{ClientInfo, Logs, Metrics, Signal, SignalKind, Traces};
pub use processor::attributes::{AttributesConfig, AttributesProcessor};
pub use processor::batch::{BatchConfig, BatchProcessor};
pub use processor::filter::{ContextConditions, FilterConfig, FilterProcessor};
pub use processor::ottl_common::ErrorMode;
pub use processor::resourcedetection::{ResourceDetectionConfig, ResourceDetectionProcessor};
pub use processor::transform::{ContextStatements, TransformConfig, TransformProcessor};
pub use receiver::otlp::cors::CorsConfig;
pub use receiver::otlp::{GrpcServerConfig, HttpServerConfig, OtlpReceiver, OtlpReceiverConfig};
pub use telemetry::{encode_text, FamilySnapshot, Registry, SampleValue};
pub use tls::{Pem, TlsClientConfig, TlsServerConfig, TlsVersion, TlsVersions};

//! receiver -> batch -> OTLP/gRPC exporter with nothing that reads spans in
//! between: trace requests travel encoded (`pdata/encoded.rs`). Checks that
//! every span arrives once and unchanged, also when batches are cut inside
//! a request and when decoded data (from the HTTP receiver) joins them.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_otelcol::testing::spans;
use alloy_otelcol::*;
use common::{http_post, wait_for, SinkPeer};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

/// Every span by (trace id, span id), with its resource's attributes.
fn index(traces: &[Traces]) -> BTreeMap<(Vec<u8>, Vec<u8>), (Span, String)> {
    let mut out = BTreeMap::new();
    for t in traces {
        assert!(!t.is_encoded(), "the sink reads decoded spans");
        for rs in &t.resource_spans {
            let res = format!("{:?}", rs.resource);
            for s in rs.scope_spans.iter().flat_map(|s| &s.spans) {
                let key = (s.trace_id.clone(), s.span_id.clone());
                assert!(
                    out.insert(key, (s.clone(), res.clone())).is_none(),
                    "span delivered twice"
                );
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encoded_requests_arrive_unchanged_through_batch_and_exporter() {
    let peer = SinkPeer::start().await;
    let reg = Registry::new();
    let exporter = Arc::new(
        OtlpGrpcExporter::new(
            "otelcol.exporter.otlp.default",
            OtlpGrpcConfig {
                endpoint: peer.grpc.to_string(),
                compression: Compression::None,
                tls: TlsClientConfig {
                    insecure: true,
                    ..Default::default()
                },
                ..Default::default()
            },
            &reg,
        )
        .expect("exporter config"),
    );
    exporter.start().await.expect("exporter start");
    // Batches of 250 from requests of 100: most batches end inside a request.
    let batch = BatchProcessor::new(
        "otelcol.processor.batch.default",
        BatchConfig {
            send_batch_size: 250,
            send_batch_max_size: 250,
            timeout: Duration::from_millis(100),
            ..Default::default()
        },
        Outputs::all(vec![exporter.clone()]),
        &reg,
    )
    .expect("batch config");
    assert!(batch.accepts_encoded(SignalKind::Traces));
    assert!(!batch.accepts_encoded(SignalKind::Logs));
    let receiver = OtlpReceiver::new(
        "otelcol.receiver.otlp.default",
        OtlpReceiverConfig {
            grpc: Some(GrpcServerConfig {
                endpoint: "127.0.0.1:0".into(),
                ..Default::default()
            }),
            http: Some(HttpServerConfig {
                endpoint: "127.0.0.1:0".into(),
                ..Default::default()
            }),
        },
        Outputs::all(vec![batch.clone()]),
        &reg,
    );
    receiver.start().await.expect("receiver start");
    let grpc = receiver.grpc_addr().expect("grpc");
    let http = receiver.http_addr().expect("http");

    let mut sent = Vec::new();
    let mut client = TraceServiceClient::connect(format!("http://{grpc}"))
        .await
        .expect("connect");
    for i in 0..12u64 {
        let t = spans(&format!("svc-{}", i % 3), 100, i + 1);
        sent.push(t.clone());
        client
            .export(ExportTraceServiceRequest {
                resource_spans: t.resource_spans,
            })
            .await
            .expect("accepted");
        if i % 4 == 1 {
            // Decoded data joining the encoded ones.
            let t = spans("http-client", 30, 100 + i);
            let body = ExportTraceServiceRequest {
                resource_spans: t.resource_spans.clone(),
            }
            .encode_to_vec();
            sent.push(t);
            let r = http_post(
                &format!("http://{http}/v1/traces"),
                "POST",
                "application/x-protobuf",
                None,
                body,
            )
            .await;
            assert_eq!(r.status, 200);
        }
    }
    let total = 12 * 100 + 3 * 30;
    wait_for("all spans at the sink", Duration::from_secs(20), || {
        peer.sink.items(SignalKind::Traces) >= total
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    receiver.shutdown(deadline).await.expect("receiver stop");
    batch.shutdown(deadline).await.expect("batch stop");
    exporter.shutdown(deadline).await.expect("exporter stop");
    let got = index(&peer.sink.traces.lock().expect("lock"));
    let (sink, _, _) = peer.stop().await;
    assert_eq!(sink.items(SignalKind::Traces), total);
    let want = index(&sent);
    assert_eq!(got.len(), want.len());
    assert!(got == want, "spans changed on the way");
}

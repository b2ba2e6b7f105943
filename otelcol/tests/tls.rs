//! TLS on both receiver transports and both exporters, with certificates
//! made by the `openssl` CLI (skipped with a message when it is missing).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_otelcol::testing::Sink;
use alloy_otelcol::{Pem, SignalKind, TlsClientConfig, TlsServerConfig, TlsVersion, TlsVersions};
use common::*;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

struct Certs {
    dir: PathBuf,
}

impl Drop for Certs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn openssl(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn make_certs(name: &str) -> Option<Certs> {
    let dir = std::env::temp_dir().join(format!("alloy-otelcol-tls-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .ok()?;
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let ok = openssl(
        &dir,
        &[
            &["req", "-x509"][..],
            &ec[..],
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "1",
                "-subj",
                "/CN=alloy-otelcol-test-ca",
            ][..],
        ]
        .concat(),
    ) && openssl(
        &dir,
        &[
            &["req"][..],
            &ec[..],
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ][..],
        ]
        .concat(),
    ) && openssl(
        &dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
        ],
    );
    if !ok {
        println!("skipped: openssl could not generate test certificates");
        let _ = std::fs::remove_dir_all(&dir);
        return None;
    }
    Some(Certs { dir })
}

impl Certs {
    fn server(&self) -> TlsServerConfig {
        TlsServerConfig {
            cert: self.dir.join("server.crt").into(),
            key: self.dir.join("server.key").into(),
            client_ca: None,
            versions: Default::default(),
        }
    }
    fn client(&self) -> TlsClientConfig {
        TlsClientConfig {
            ca: Some(self.dir.join("ca.crt").into()),
            server_name: Some("localhost".into()),
            ..Default::default()
        }
    }
}

fn req(n: usize) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: alloy_otelcol::testing::spans("tls", n, 7).resource_spans,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_receivers_and_exporters() {
    let Some(certs) = make_certs("e2e") else {
        return;
    };
    let sink = Arc::new(Sink::new());
    let peer = SinkPeer::start_on(
        "127.0.0.1:0",
        "127.0.0.1:0",
        sink.clone(),
        Some(certs.server()),
    )
    .await;

    // gRPC exporter over TLS into the TLS sink; the pipeline's own receiver is TLS too.
    let mut opts = PipelineOpts::to(&peer);
    opts.tls_client = certs.client();
    opts.tls_server = Some(certs.server());
    let p = Pipeline::start(opts).await;
    let ca = std::fs::read(certs.dir.join("ca.crt")).expect("ca");
    let tls = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(ca))
        .domain_name("localhost");
    let ch = tonic::transport::Endpoint::from_shared(format!(
        "https://{}",
        p.receiver.grpc_addr().expect("grpc")
    ))
    .expect("uri")
    .tls_config(tls)
    .expect("tls")
    .connect()
    .await
    .expect("tls connect");
    TraceServiceClient::new(ch)
        .export(req(40))
        .await
        .expect("export over TLS");
    wait_for("spans via TLS gRPC", Duration::from_secs(15), || {
        sink.items(SignalKind::Traces) >= 40
    })
    .await;

    // Plaintext to a TLS receiver fails, and is not counted as data.
    let plain =
        TraceServiceClient::connect(format!("http://{}", p.receiver.grpc_addr().expect("grpc")))
            .await;
    if let Ok(mut c) = plain {
        assert!(c.export(req(1)).await.is_err());
    }
    p.shutdown(Instant::now() + Duration::from_secs(5))
        .await
        .expect("clean");

    // otlphttp exporter over https into the TLS HTTP receiver, with the CA
    // given inline (`ca_pem`) and only TLS 1.3 allowed.
    let mut opts = PipelineOpts::to(&peer);
    opts.use_http_exporter = true;
    opts.exporter_endpoint = format!("https://localhost:{}", peer.http.port());
    let ca_text = std::fs::read_to_string(certs.dir.join("ca.crt")).expect("ca");
    opts.tls_client = TlsClientConfig {
        ca: Some(Pem::Inline(ca_text)),
        versions: TlsVersions {
            min: TlsVersion::V1_3,
            max: TlsVersion::V1_3,
        },
        ..certs.client()
    };
    let p = Pipeline::start(opts).await;
    TraceServiceClient::connect(p.grpc_url())
        .await
        .expect("connect")
        .export(req(60))
        .await
        .expect("export");
    wait_for("spans via https", Duration::from_secs(15), || {
        sink.items(SignalKind::Traces) >= 100
    })
    .await;
    assert_eq!(sink.items(SignalKind::Traces), 100);
    p.shutdown(Instant::now() + Duration::from_secs(5))
        .await
        .expect("clean");
    let _ = peer.stop().await;
}

#[test]
fn bad_certificate_paths_are_start_errors() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async {
        let cfg = alloy_otelcol::OtlpReceiverConfig {
            grpc: None,
            http: Some(alloy_otelcol::HttpServerConfig {
                endpoint: "127.0.0.1:0".into(),
                tls: Some(TlsServerConfig {
                    cert: PathBuf::from("/nonexistent.crt").into(),
                    key: PathBuf::from("/nonexistent.key").into(),
                    client_ca: None,
                    versions: Default::default(),
                }),
                ..Default::default()
            }),
        };
        let r = alloy_otelcol::OtlpReceiver::new(
            "x",
            cfg,
            alloy_otelcol::Outputs::default(),
            &alloy_otelcol::Registry::new(),
        );
        assert!(r.start().await.is_err());
    });
}

//! The processor against a fake metadata endpoint on 127.0.0.1 that speaks
//! just enough HTTP/1.1 and checks the headers each cloud requires.

use std::sync::Arc;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::common::v1::{any_value, KeyValue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::testing::{gauge_points, log_records, Sink};

/// Answers `(method, path, headers)` with `(status, body)`; `None` never
/// answers (a hung endpoint).
type Handler = Arc<dyn Fn(&str, &str, &str) -> Option<(u16, String)> + Send + Sync>;

async fn serve(handler: Handler) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let mut first = head.lines().next().unwrap_or("").split_whitespace();
                let method = first.next().unwrap_or("").to_owned();
                let path = first.next().unwrap_or("").to_owned();
                let Some((status, body)) = handler(&method, &path, &head.to_ascii_lowercase())
                else {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    return;
                };
                let resp = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

fn value(kvs: &[KeyValue], key: &str) -> Option<String> {
    kvs.iter()
        .find(|k| k.key == key)
        .and_then(|k| match k.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.clone()),
            any_value::Value::IntValue(i) => Some(i.to_string()),
            _ => None,
        })
}

fn processor(cfg: ResourceDetectionConfig) -> (Arc<ResourceDetectionProcessor>, Arc<Sink>) {
    let sink = Arc::new(Sink::new());
    let p = ResourceDetectionProcessor::new(
        "test",
        cfg,
        Outputs::all(vec![sink.clone()]),
        &Registry::new(),
    )
    .expect("valid config");
    (p, sink)
}

fn ec2_handler(require_token: bool) -> Handler {
    Arc::new(move |method, path, headers| {
        if method == "PUT" && path == "/latest/api/token" {
            return Some((200, "tok-1".into()));
        }
        if require_token && !headers.contains("x-aws-ec2-metadata-token: tok-1") {
            return Some((401, String::new()));
        }
        Some(match path {
            "/latest/dynamic/instance-identity/document" => (
                200,
                r#"{"accountId":"123456789012","availabilityZone":"eu-west-1a","region":"eu-west-1","instanceId":"i-0abc","imageId":"ami-1","instanceType":"t3.micro"}"#.into(),
            ),
            "/latest/meta-data/hostname" => (200, "ip-10-0-0-1.eu-west-1.compute.internal".into()),
            "/latest/meta-data/tags/instance" => (200, "Name\nteam".into()),
            "/latest/meta-data/tags/instance/Name" => (200, "web".into()),
            "/latest/meta-data/tags/instance/team" => (200, "obs".into()),
            _ => (404, String::new()),
        })
    })
}

#[tokio::test]
async fn ec2_reads_imdsv2_with_tags() {
    let base = serve(ec2_handler(true)).await;
    let mut cfg = ResourceDetectionConfig {
        detectors: vec!["ec2".into()],
        ..Default::default()
    };
    cfg.endpoints.ec2 = base;
    cfg.ec2.tags_from_imds = true;
    cfg.ec2
        .resource_attributes
        .0
        .insert("host.image.id".into(), false);
    let (p, _) = processor(cfg);
    p.start().await.expect("started");
    let found = p.detected().expect("detected");
    assert_eq!(value(&found, "cloud.provider").as_deref(), Some("aws"));
    assert_eq!(value(&found, "cloud.platform").as_deref(), Some("aws_ec2"));
    assert_eq!(
        value(&found, "cloud.account.id").as_deref(),
        Some("123456789012")
    );
    assert_eq!(value(&found, "cloud.region").as_deref(), Some("eu-west-1"));
    assert_eq!(value(&found, "host.id").as_deref(), Some("i-0abc"));
    assert_eq!(value(&found, "host.type").as_deref(), Some("t3.micro"));
    assert_eq!(
        value(&found, "host.name").as_deref(),
        Some("ip-10-0-0-1.eu-west-1.compute.internal")
    );
    assert_eq!(value(&found, "ec2.tag.team").as_deref(), Some("obs"));
    assert_eq!(value(&found, "host.image.id"), None, "switched off");
}

#[tokio::test]
async fn gcp_needs_the_flavor_header() {
    let base = serve(Arc::new(|_, path, headers| {
        if !headers.contains("metadata-flavor: google") {
            return Some((403, String::new()));
        }
        Some(match path {
            "/computeMetadata/v1/project/project-id" => (200, "proj-7".into()),
            "/computeMetadata/v1/instance/id" => (200, "4242".into()),
            "/computeMetadata/v1/instance/zone" => (200, "projects/99/zones/us-central1-b".into()),
            "/computeMetadata/v1/instance/machine-type" => {
                (200, "projects/99/machineTypes/e2-small".into())
            }
            "/computeMetadata/v1/instance/hostname" => (200, "vm1.c.proj-7.internal".into()),
            "/computeMetadata/v1/instance/name" => (200, "vm1".into()),
            _ => (404, String::new()),
        })
    }))
    .await;
    let mut cfg = ResourceDetectionConfig {
        detectors: vec!["gcp".into()],
        ..Default::default()
    };
    cfg.endpoints.gcp = base;
    let (p, _) = processor(cfg);
    p.start().await.expect("started");
    let found = p.detected().expect("detected");
    assert_eq!(
        value(&found, "cloud.platform").as_deref(),
        Some("gcp_compute_engine")
    );
    assert_eq!(
        value(&found, "cloud.region").as_deref(),
        Some("us-central1")
    );
    assert_eq!(
        value(&found, "cloud.availability_zone").as_deref(),
        Some("us-central1-b")
    );
    assert_eq!(value(&found, "host.type").as_deref(), Some("e2-small"));
    assert_eq!(value(&found, "host.id").as_deref(), Some("4242"));
}

#[tokio::test]
async fn azure_compute_document_and_tags() {
    let base = serve(Arc::new(|_, path, headers| {
        if !headers.contains("metadata: true") || !path.starts_with("/metadata/instance/compute?api-version=") {
            return Some((400, String::new()));
        }
        Some((
            200,
            r#"{"location":"westeurope","name":"vm-a","vmId":"uuid-1","vmSize":"Standard_B1s","subscriptionId":"sub-1","resourceGroupName":"rg","vmScaleSetName":"","zone":"2","tagsList":[{"name":"env","value":"prod"},{"name":"owner","value":"me"}]}"#.into(),
        ))
    }))
    .await;
    let mut cfg = ResourceDetectionConfig {
        detectors: vec!["azure".into()],
        ..Default::default()
    };
    cfg.endpoints.azure = base;
    cfg.azure.tags = vec!["^env$".into()];
    let (p, _) = processor(cfg);
    p.start().await.expect("started");
    let found = p.detected().expect("detected");
    assert_eq!(value(&found, "cloud.region").as_deref(), Some("westeurope"));
    assert_eq!(
        value(&found, "azure.vm.size").as_deref(),
        Some("Standard_B1s")
    );
    assert_eq!(value(&found, "azure.tag.env").as_deref(), Some("prod"));
    assert_eq!(value(&found, "azure.tag.owner"), None);
    assert_eq!(
        value(&found, "azure.vm.scaleset.name"),
        None,
        "empty values are left out"
    );
}

#[tokio::test]
async fn hung_endpoint_costs_at_most_the_timeout() {
    let base = serve(Arc::new(|_, _, _| None)).await;
    let mut cfg = ResourceDetectionConfig {
        detectors: vec!["ec2".into(), "env".into()],
        timeout: Duration::from_millis(300),
        env_override: Some("deployment.environment=test".into()),
        ..Default::default()
    };
    cfg.endpoints.ec2 = base;
    let (p, _) = processor(cfg.clone());
    let t0 = Instant::now();
    p.start().await.expect("a failed detector is skipped");
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "took {:?}",
        t0.elapsed()
    );
    // The whole budget went to ec2, so env ran out of time too: nothing is
    // half-detected.
    assert!(p.detected().expect("ran").len() <= 1);

    cfg.fail_on_missing_metadata = true;
    let (p, _) = processor(cfg);
    let e = p.start().await.expect_err("fails on missing metadata");
    assert!(e.to_string().contains("ec2"), "{e}");
}

#[tokio::test]
async fn env_and_system_merge_into_resources_with_override() {
    let cfg = ResourceDetectionConfig {
        detectors: vec!["env".into(), "system".into()],
        env_override: Some("service.name=from-env,host.name=env-host".into()),
        ..Default::default()
    };
    let (p, sink) = processor(cfg.clone());
    p.start().await.expect("started");
    let found = p.detected().expect("detected");
    // env came first, so its host.name wins over system's.
    assert_eq!(value(&found, "host.name").as_deref(), Some("env-host"));
    assert!(value(&found, "os.type").is_some());

    p.consume_metrics(gauge_points("original", 2))
        .await
        .expect("forwarded");
    p.consume_logs(log_records("original", 1))
        .await
        .expect("forwarded");
    let metrics = sink.metrics.lock().expect("lock").clone();
    let res = metrics[0].resource_metrics[0]
        .resource
        .as_ref()
        .expect("resource");
    assert_eq!(
        value(&res.attributes, "service.name").as_deref(),
        Some("from-env"),
        "override = true"
    );
    let logs = sink.logs.lock().expect("lock").clone();
    let res = logs[0].resource_logs[0]
        .resource
        .as_ref()
        .expect("resource");
    assert_eq!(
        value(&res.attributes, "host.name").as_deref(),
        Some("env-host")
    );

    let (p, sink) = processor(ResourceDetectionConfig {
        override_existing: false,
        ..cfg
    });
    p.start().await.expect("started");
    p.consume_metrics(gauge_points("original", 1))
        .await
        .expect("forwarded");
    let metrics = sink.metrics.lock().expect("lock").clone();
    let res = metrics[0].resource_metrics[0]
        .resource
        .as_ref()
        .expect("resource");
    assert_eq!(
        value(&res.attributes, "service.name").as_deref(),
        Some("original")
    );
    assert_eq!(
        value(&res.attributes, "host.name").as_deref(),
        Some("env-host")
    );
}

#[test]
fn other_detectors_are_refused_by_name() {
    for (name, msg) in [
        ("docker", "\"docker\" is not supported yet"),
        ("bogus", "unknown detector \"bogus\""),
    ] {
        let cfg = ResourceDetectionConfig {
            detectors: vec![name.into()],
            ..Default::default()
        };
        let e = ResourceDetectionProcessor::new("t", cfg, Outputs::default(), &Registry::new())
            .err()
            .expect("refused");
        assert!(e.to_string().contains(msg), "{e}");
    }
    let mut cfg = ResourceDetectionConfig::default();
    cfg.ec2.tags = vec!["Name".into()];
    let e = ResourceDetectionProcessor::new("t", cfg, Outputs::default(), &Registry::new())
        .err()
        .expect("refused");
    assert!(e.to_string().contains("ec2.tags"), "{e}");
}

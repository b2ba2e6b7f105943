//! `loki.source.api`'s server against real clients: curl (JSON, gzip JSON,
//! raw, protobuf + snappy bodies written by this crate's encoder) and the
//! `python-logging-loki` handler. Peer-gated tests skip when the peer is
//! absent unless `ALLOY_REQUIRE_PEERS=1`.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use alloy_loki::metrics::Registry;
use alloy_loki::receiver::Collect;
use alloy_loki::source::api::{ApiConfig, ApiServer};
use alloy_loki::{Entry, Fanout, Labels, Receiver, Timestamp};

fn peer(cmd: &str, args: &[&str], what: &str) -> bool {
    let ok = Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("ALLOY_REQUIRE_PEERS").as_deref() != Ok("1"),
            "ALLOY_REQUIRE_PEERS=1 but {what} is missing (scripts/setup.d/30-loki-peers.sh)"
        );
        println!("skipped: {what} not installed");
    }
    ok
}

async fn server(use_incoming_timestamp: bool) -> (ApiServer, Arc<Collect>) {
    let collect = Collect::new();
    let cfg = ApiConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        labels: [("source", "api")].into_iter().collect(),
        use_incoming_timestamp,
        max_message_size: 1 << 20,
        relabel: None,
        graceful_shutdown: Duration::from_secs(1),
    };
    let forward = Fanout::new(vec![collect.clone() as Arc<dyn Receiver>]);
    let server = ApiServer::start(cfg, forward, &Registry::new())
        .await
        .expect("server starts");
    (server, collect)
}

/// curl with a body on stdin; returns the HTTP status.
fn curl(url: &str, headers: &[&str], body: &[u8]) -> u16 {
    let mut args = vec![
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--data-binary",
        "@-",
    ];
    for h in headers {
        args.push("-H");
        args.push(h);
    }
    args.push(url);
    let mut child = Command::new("curl")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("curl runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body)
        .expect("write body");
    let out = child.wait_with_output().expect("curl ends");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_pushes_json_gzip_raw_and_protobuf() {
    if !peer("curl", &["--version"], "curl") {
        return;
    }
    let (server, collect) = server(true).await;
    let base = format!("http://{}", server.addr());
    let push = format!("{base}/loki/api/v1/push");
    let json = r#"{"streams":[{"stream":{"job":"curl"},"values":[["1700000000000000001","json line",{"trace_id":"t1"}]]}]}"#;
    let p2 = push.clone();
    let s1 = tokio::task::spawn_blocking(move || {
        curl(&p2, &["Content-Type: application/json"], json.as_bytes())
    })
    .await
    .expect("join");
    assert_eq!(s1, 204);

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(json.replace("json line", "gzip line").as_bytes())
        .expect("gzip");
    let gz = gz.finish().expect("gzip");
    let p2 = push.clone();
    let s2 = tokio::task::spawn_blocking(move || {
        curl(
            &p2,
            &["Content-Type: application/json", "Content-Encoding: gzip"],
            &gz,
        )
    })
    .await
    .expect("join");
    assert_eq!(s2, 204);

    let labels: Labels = [("job", "proto")].into_iter().collect();
    let proto = alloy_loki::push::encode_proto(&[Entry::new(
        labels,
        Timestamp::new(1_700_000_000, 5),
        "proto line",
    )]);
    let p2 = push.clone();
    let s3 = tokio::task::spawn_blocking(move || {
        curl(&p2, &["Content-Type: application/x-protobuf"], &proto)
    })
    .await
    .expect("join");
    assert_eq!(s3, 204);

    let raw = format!("{base}/loki/api/v1/raw");
    let s4 = tokio::task::spawn_blocking(move || curl(&raw, &[], b"raw one\nraw two\n"))
        .await
        .expect("join");
    assert_eq!(s4, 204);

    // A body that is not what its type says is refused, not half-taken.
    let p2 = push.clone();
    let s5 = tokio::task::spawn_blocking(move || {
        curl(
            &p2,
            &["Content-Type: application/x-protobuf"],
            b"{\"streams\":[]}",
        )
    })
    .await
    .expect("join");
    assert_eq!(s5, 400);
    let p2 = push.clone();
    let s6 = tokio::task::spawn_blocking(move || curl(&p2, &["Content-Type: text/csv"], b"a,b"))
        .await
        .expect("join");
    assert_eq!(s6, 415);

    let got = collect.wait_for(5, Duration::from_secs(5)).await;
    let lines: Vec<&str> = got.iter().map(|e| &*e.line).collect();
    assert_eq!(
        lines,
        ["json line", "gzip line", "proto line", "raw one", "raw two"]
    );
    assert_eq!(got[0].labels.get("source"), Some("api"));
    assert_eq!(
        got[0].timestamp,
        Timestamp::new(1_700_000_000, 1),
        "incoming timestamp kept"
    );
    assert_eq!(got[0].structured_metadata.get("trace_id"), Some("t1"));
    assert_eq!(got[2].labels.get("job"), Some("proto"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_logging_loki_handler_pushes() {
    if !peer(
        "python3",
        &["-c", "import logging_loki"],
        "python-logging-loki",
    ) {
        return;
    }
    let (server, collect) = server(false).await;
    let url = format!("http://{}/loki/api/v1/push", server.addr());
    let script = format!(
        r#"
import logging, logging_loki
handler = logging_loki.LokiHandler(url="{url}", tags={{"application": "pytest"}}, version="1")
logger = logging.getLogger("peer")
logger.addHandler(handler)
logger.error("something happened", extra={{"tags": {{"service": "svc"}}}})
logger.warning("second line")
"#
    );
    let status = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args(["-c", &script])
            .status()
            .expect("python runs")
    })
    .await
    .expect("join");
    assert!(status.success());
    let got = collect.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 2);
    assert_eq!(&*got[0].line, "something happened");
    assert_eq!(got[0].labels.get("application"), Some("pytest"));
    assert_eq!(got[0].labels.get("service"), Some("svc"));
    assert_eq!(got[0].labels.get("severity"), Some("error"));
    assert_eq!(got[0].labels.get("source"), Some("api"));
    let age = Timestamp::now().unix_nanos() - got[0].timestamp.unix_nanos();
    assert!(
        (0..10_000_000_000).contains(&age),
        "timestamp is the receive time"
    );
    server.stop().await;
}

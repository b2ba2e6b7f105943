//! `prometheus.receive_http` -> `prometheus.remote_write` in `alloy run`,
//! against Debian's Prometheus (2.42) started on 127.0.0.1 with
//! `--web.enable-remote-write-receiver` and no scrape jobs. Samples are
//! read back exactly through Prometheus's query API.
//!
//! * exact series, values and external labels arrive;
//! * SIGKILL in the middle of a stream, restart: no gap, no duplicate;
//! * the remote end down for a while: data waits in the WAL (pending and
//!   retried counts on /metrics) and is delivered afterwards;
//! * a sample Prometheus refuses (400) is dropped and counted.
//!
//! Skipped (a "skipped:" line) when `prometheus` is not installed, unless
//! `ALLOY_REQUIRE_PEERS=1` (`scripts/setup.d/30-prometheus.sh` installs it).

mod run_support;

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use alloy_prometheus::remote_write::client::{Client, ClientOptions};
use alloy_prometheus::remote_write::encode::{encode_labels, put_timeseries_v1};
use alloy_prometheus::remote_write::proto::Message;
use run_support::{eventually, free_port, metric, try_http, Alloy, TempDir};

fn prometheus_available() -> bool {
    let ok = Command::new("prometheus")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("ALLOY_REQUIRE_PEERS").as_deref() != Ok("1"),
            "ALLOY_REQUIRE_PEERS=1 but `prometheus` is not installed; run scripts/setup.d/30-prometheus.sh"
        );
        println!(
            "skipped: Debian's prometheus is not installed (scripts/setup.d/30-prometheus.sh)"
        );
    }
    ok
}

/// A Prometheus server owned by the test; killed on drop.
struct Prometheus {
    child: Child,
    addr: String,
}

impl Prometheus {
    fn start(dir: &TempDir, port: u16) -> Prometheus {
        let config = dir.write("prometheus.yml", "global:\n  scrape_interval: 1h\n");
        let data = dir.path().join(format!("promdata-{port}"));
        let addr = format!("127.0.0.1:{port}");
        let log =
            std::fs::File::create(dir.path().join(format!("prometheus-{port}.log"))).expect("log");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--web.enable-remote-write-receiver")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        let p = Prometheus { child, addr };
        assert!(
            eventually(Duration::from_secs(30), || try_http(
                &p.addr, "GET", "/-/ready"
            )
            .is_some_and(|(s, _)| s == 200)),
            "prometheus did not become ready"
        );
        p
    }

    /// Every raw sample of the series matching `selector` in the last
    /// `range`: labels (as `{a="b", ...}` sorted) -> [(t ms, v)].
    fn samples(&self, selector: &str, range: &str) -> BTreeMap<String, Vec<(i64, f64)>> {
        let query = format!("{selector}[{range}]");
        let path = format!("/api/v1/query?query={}", urlencode(&query));
        let (status, body) = try_http(&self.addr, "GET", &path).unwrap_or((0, String::new()));
        assert_eq!(status, 200, "query {query}: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("json");
        let mut out = BTreeMap::new();
        for series in json["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let labels: BTreeMap<String, String> = series["metric"]
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            let key = labels
                .iter()
                .map(|(k, v)| format!("{k}={v:?}"))
                .collect::<Vec<_>>()
                .join(", ");
            let values = series["values"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|pair| {
                    let t = (pair[0].as_f64().unwrap_or_default() * 1000.0).round() as i64;
                    let v: f64 = pair[1]
                        .as_str()
                        .unwrap_or_default()
                        .parse()
                        .unwrap_or(f64::NAN);
                    (t, v)
                })
                .collect();
            out.insert(format!("{{{key}}}"), values);
        }
        out
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn config(receive_port: u16, prom_addr: &str, deadline: &str, per_send: usize) -> String {
    format!(
        r#"prometheus.receive_http "in" {{
  http {{
    listen_address = "127.0.0.1"
    listen_port    = {receive_port}
  }}
  forward_to = [prometheus.remote_write.out.receiver]
  accepted_remote_write_protobuf_messages = ["prometheus.WriteRequest", "io.prometheus.write.v2.Request"]
}}

prometheus.remote_write "out" {{
  external_labels = {{ cluster = "test" }}
  endpoint {{
    name = "prom"
    url  = "http://{prom_addr}/api/v1/write"
    queue_config {{
      batch_send_deadline  = "{deadline}"
      max_samples_per_send = {per_send}
      min_backoff          = "50ms"
      max_backoff          = "500ms"
    }}
    metadata_config {{
      send = false
    }}
    write_relabel_config {{
      source_labels = ["__name__", "i"]
      regex         = "rw_exact_v1;0"
      action        = "drop"
    }}
    write_relabel_config {{
      source_labels = ["__name__"]
      regex         = "rw_exact_v2"
      target_label  = "relabelled"
      replacement   = "yes"
    }}
  }}
  wal {{
    truncate_frequency = "1s"
    min_keepalive_time = "1s"
  }}
}}
"#
    )
}

/// A pusher of remote-write requests into `alloy run`'s receive_http.
struct Pusher {
    rt: tokio::runtime::Runtime,
    v1: Client,
    v2: Client,
}

impl Pusher {
    /// A pusher for `alloy run`'s receive_http on `port`, once it listens.
    fn new(port: u16) -> Pusher {
        assert!(
            eventually(Duration::from_secs(20), || std::net::TcpStream::connect((
                "127.0.0.1",
                port
            ))
            .is_ok()),
            "receive_http does not listen on {port}"
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let url = format!("http://127.0.0.1:{port}/api/v1/metrics/write");
        let client = |message| {
            let _g = rt.enter();
            Client::new(ClientOptions {
                timeout: Duration::from_secs(5),
                ..ClientOptions::new(url.parse().expect("url"), message)
            })
            .expect("client")
        };
        let v1 = client(Message::V1);
        let v2 = client(Message::V2);
        Pusher { rt, v1, v2 }
    }

    /// Pushes `series` (labels) with one sample each at `t`; true on 2xx.
    fn push(
        &self,
        message: Message,
        series: &[Vec<(&str, String)>],
        t: i64,
        v: impl Fn(usize) -> f64,
    ) -> bool {
        let mut labels_bytes = Vec::new();
        let points: Vec<[(i64, f64); 1]> = (0..series.len()).map(|i| [(t, v(i))]).collect();
        let encoded: Vec<Vec<u8>> = series
            .iter()
            .map(|s| {
                let mut sorted: Vec<(&str, &str)> =
                    s.iter().map(|(k, v)| (*k, v.as_str())).collect();
                sorted.sort();
                let mut b = Vec::new();
                encode_labels(&mut b, sorted);
                b
            })
            .collect();
        let body = match message {
            Message::V1 => {
                for (l, p) in encoded.iter().zip(&points) {
                    put_timeseries_v1(&mut labels_bytes, l, p);
                }
                labels_bytes
            }
            Message::V2 => alloy_prometheus::remote_write::encode::encode_v2(
                encoded.iter().zip(&points).map(|(l, p)| (&l[..], &p[..])),
            ),
        };
        let client = if message == Message::V1 {
            &self.v1
        } else {
            &self.v2
        };
        self.rt.block_on(client.send(&body)).is_ok()
    }
}

fn series(name: &str, n: usize) -> Vec<Vec<(&'static str, String)>> {
    (0..n)
        .map(|i| {
            vec![
                ("__name__", name.to_owned()),
                ("i", i.to_string()),
                ("job", "rw".to_owned()),
            ]
        })
        .collect()
}

#[test]
fn remote_write_delivers_exact_series_and_values_to_prometheus() {
    if !prometheus_available() {
        return;
    }
    let dir = TempDir::new("rw-exact");
    let prom = Prometheus::start(&dir, free_port());
    let receive = free_port();
    let cfg = dir.write("config.alloy", &config(receive, &prom.addr, "200ms", 500));
    let mut alloy = Alloy::start(&dir, &cfg, &[]);
    alloy.wait_ready();
    let pusher = Pusher::new(receive);
    let t0 = now_ms() - 120_000;
    let v1 = series("rw_exact_v1", 3);
    let v2 = series("rw_exact_v2", 2);
    for k in 0..20i64 {
        let t = t0 + k * 1000;
        assert!(pusher.push(Message::V1, &v1, t, |i| (k as f64) * 10.0 + i as f64 + 0.25));
        assert!(pusher.push(Message::V2, &v2, t, |i| -(k as f64) - i as f64));
    }
    let ok = eventually(Duration::from_secs(20), || {
        let got = prom.samples("{__name__=~\"rw_exact_.*\"}", "10m");
        got.len() == 4 && got.values().all(|s| s.len() == 20)
    });
    let got = prom.samples("{__name__=~\"rw_exact_.*\"}", "10m");
    assert!(
        ok,
        "prometheus holds {got:?}; alloy stderr:\n{}",
        alloy.stderr()
    );
    let key = r#"{__name__="rw_exact_v1", cluster="test", i="2", job="rw"}"#;
    let expected: Vec<(i64, f64)> = (0..20)
        .map(|k| (t0 + k * 1000, (k as f64) * 10.0 + 2.25))
        .collect();
    assert_eq!(got.get(key), Some(&expected), "{got:?}");
    let key = r#"{__name__="rw_exact_v2", cluster="test", i="1", job="rw", relabelled="yes"}"#;
    let expected: Vec<(i64, f64)> = (0..20)
        .map(|k| (t0 + k * 1000, -(k as f64) - 1.0))
        .collect();
    assert_eq!(got.get(key), Some(&expected));
    let (_, metrics) = alloy.get("/metrics");
    assert_eq!(
        metric(&metrics, "prometheus_remote_storage_samples_total{"),
        Some(80.0),
        "{metrics}"
    );
    // The series write relabelling dropped: counted, not sent.
    assert_eq!(
        metric(&metrics, "prometheus_remote_storage_samples_dropped_total{"),
        Some(20.0)
    );
    assert!(!got
        .keys()
        .any(|k| k.contains(r#"i="0""#) && k.contains("rw_exact_v1")));
    assert_eq!(
        metric(
            &metrics,
            "prometheus_remote_write_wal_samples_appended_total{"
        ),
        Some(100.0)
    );
    assert_eq!(
        metric(
            &metrics,
            "prometheus_remote_write_wal_storage_active_series{"
        ),
        Some(5.0)
    );
    // A sample older than what Prometheus holds is refused with 400:
    // dropped and counted, not retried.
    assert!(pusher.push(Message::V1, &v1[1..2], t0 - 3_600_000, |_| 1.0));
    assert!(eventually(Duration::from_secs(10), || {
        let (_, m) = alloy.get("/metrics");
        metric(&m, "prometheus_remote_storage_samples_failed_total{") == Some(1.0)
    }));
}

#[test]
fn sigkill_mid_stream_then_restart_leaves_no_gap_and_no_duplicate() {
    if !prometheus_available() {
        return;
    }
    let dir = TempDir::new("rw-sigkill");
    let prom = Prometheus::start(&dir, free_port());
    let receive = free_port();
    // Batches wait up to 3 s or 5,000 samples: at the kill (after 2,660 to
    // 8,000 samples) acknowledged samples are still unsent, so the restart
    // must replay them from the WAL.
    let cfg = dir.write("config.alloy", &config(receive, &prom.addr, "3s", 5000));
    let mut alloy = Alloy::start(&dir, &cfg, &[]);
    alloy.wait_ready();
    const STEPS: usize = 400;
    const SERIES: usize = 20;
    let t0 = now_ms() - 600_000;
    let acked = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let pusher = {
        let acked = acked.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let p = Pusher::new(receive);
            let s = series("rw_kill", SERIES);
            let mut k = 0;
            let deadline = Instant::now() + Duration::from_secs(90);
            while k < STEPS && Instant::now() < deadline {
                // Retried until acknowledged: what a remote-write sender does.
                if p.push(Message::V1, &s, t0 + k as i64 * 1000, |i| {
                    (k * 1000 + i) as f64
                }) {
                    k += 1;
                    acked.store(k, Ordering::SeqCst);
                } else {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    assert!(eventually(Duration::from_secs(30), || acked
        .load(Ordering::SeqCst)
        >= STEPS / 3));
    alloy.signal("KILL");
    let _ = alloy.wait_exit(Duration::from_secs(10));
    let killed_at = acked.load(Ordering::SeqCst);
    let held: usize = prom.samples("rw_kill", "20m").values().map(Vec::len).sum();
    assert!(
        held < killed_at * SERIES,
        "all {held} acknowledged samples were sent before the kill; the test proves nothing"
    );
    // The killed process is reaped; a new one starts on the same storage.
    drop(alloy);
    let mut alloy = Alloy::start(&dir, &cfg, &[]);
    alloy.wait_ready();
    let _ = pusher.join();
    assert_eq!(
        acked.load(Ordering::SeqCst),
        STEPS,
        "the pusher finished; killed at {killed_at}"
    );
    let ok = eventually(Duration::from_secs(60), || {
        let got = prom.samples("rw_kill", "20m");
        got.len() == SERIES && got.values().all(|s| s.len() >= STEPS)
    });
    let got = prom.samples("rw_kill", "20m");
    assert!(
        ok,
        "series: {}, lengths: {:?}; stderr:\n{}",
        got.len(),
        got.values().map(Vec::len).collect::<Vec<_>>(),
        alloy.stderr()
    );
    for (labels, samples) in &got {
        let i: usize = labels
            .split("i=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|n| n.parse().ok())
            .expect("i label");
        let expected: Vec<(i64, f64)> = (0..STEPS)
            .map(|k| (t0 + k as i64 * 1000, (k * 1000 + i) as f64))
            .collect();
        assert_eq!(
            samples, &expected,
            "series {labels} (killed after {killed_at} steps)"
        );
    }
}

#[test]
fn remote_end_down_data_waits_in_the_wal_and_is_delivered_afterwards() {
    if !prometheus_available() {
        return;
    }
    let dir = TempDir::new("rw-outage");
    let prom_port = free_port();
    let receive = free_port();
    let prom_addr = format!("127.0.0.1:{prom_port}");
    let cfg = dir.write("config.alloy", &config(receive, &prom_addr, "200ms", 500));
    let mut alloy = Alloy::start(&dir, &cfg, &[]);
    alloy.wait_ready();
    let pusher = Pusher::new(receive);
    let s = series("rw_outage", 10);
    let t0 = now_ms() - 300_000;
    for k in 0..50i64 {
        assert!(
            pusher.push(Message::V1, &s, t0 + k * 1000, |i| (k * 100 + i as i64)
                as f64)
        );
    }
    // Nothing listens: retries pile up, samples wait.
    assert!(eventually(Duration::from_secs(10), || {
        let (_, m) = alloy.get("/metrics");
        metric(&m, "prometheus_remote_storage_samples_retried_total{").unwrap_or(0.0) > 0.0
            && metric(&m, "prometheus_remote_storage_samples_pending{").unwrap_or(0.0) > 0.0
    }));
    std::thread::sleep(Duration::from_secs(3));
    let (_, m) = alloy.get("/metrics");
    assert!(
        metric(&m, "prometheus_remote_write_wal_storage_size_bytes{").unwrap_or(0.0) > 0.0,
        "{m}"
    );
    assert_eq!(
        metric(&m, "prometheus_remote_storage_samples_total{"),
        Some(0.0)
    );
    let prom = Prometheus::start(&dir, prom_port);
    let ok = eventually(Duration::from_secs(30), || {
        let got = prom.samples("rw_outage", "20m");
        got.len() == 10 && got.values().all(|v| v.len() == 50)
    });
    assert!(
        ok,
        "after the outage: {:?}",
        prom.samples("rw_outage", "20m")
            .values()
            .map(Vec::len)
            .collect::<Vec<_>>()
    );
    assert!(eventually(Duration::from_secs(10), || {
        let (_, m) = alloy.get("/metrics");
        metric(&m, "prometheus_remote_storage_samples_pending{") == Some(0.0)
            && metric(&m, "prometheus_remote_storage_samples_total{") == Some(500.0)
    }));
}

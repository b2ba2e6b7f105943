//! The scrape engine: a body to a batch (target labels, honor_labels,
//! timestamps, stale markers, limits, report series) and a real HTTP
//! target served by a local server (negotiation, gzip, failures).

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use alloy_metrics::Registry;
use alloy_prometheus::model::{is_stale_nan, Labels, Recorder};
use alloy_prometheus::scrape::http::{HttpOptions, ScrapeClient};
use alloy_prometheus::scrape::pool::ScrapePool;
use alloy_prometheus::scrape::scrape_loop::{ScrapeMetrics, Scraper};
use alloy_prometheus::scrape::target::{populate, TargetDefaults};
use alloy_prometheus::scrape::{accept_header, LoopOptions, Protocol};
use alloy_prometheus::textparse::Format;
use alloy_prometheus::Fanout;

fn opts() -> LoopOptions {
    LoopOptions {
        honor_labels: false,
        honor_timestamps: true,
        track_timestamps_staleness: false,
        sample_limit: 0,
        label_limit: 0,
        label_name_length_limit: 0,
        label_value_length_limit: 0,
        extra_metrics: false,
        fallback: Some(Format::PrometheusText),
        legacy_names: true,
        type_and_unit_labels: false,
        offset_seed: 0,
        timeout: Duration::from_secs(10),
    }
}

fn defaults(interval: Duration) -> TargetDefaults {
    TargetDefaults {
        job: "prometheus.scrape.t".into(),
        scheme: "http".into(),
        metrics_path: "/metrics".into(),
        interval,
        timeout: interval / 2,
        params: vec![],
    }
}

fn scraper(o: LoopOptions) -> Scraper {
    let target = populate(
        &Labels::from_pairs([("__address__", "h:1"), ("env", "a")]),
        &defaults(Duration::from_secs(60)),
    )
    .expect("valid")
    .expect("kept");
    Scraper::new(
        target,
        Arc::new(o),
        ScrapeMetrics::new(&Registry::new(), "t"),
    )
}

fn names(s: &Scraper) -> Vec<(String, f64, i64)> {
    s.batch
        .iter_samples()
        .map(|(e, x)| (e.labels.to_string(), x.v, x.t))
        .collect()
}

#[test]
fn samples_get_target_labels_and_conflicts_are_exported() {
    let mut s = scraper(opts());
    let stats = s
        .scrape_body(
            b"# TYPE m counter\nm{job=\"x\",a=\"1\"} 2 123\nn 3\n",
            "text/plain; version=0.0.4",
            1000,
        )
        .expect("scraped");
    assert_eq!((stats.scraped, stats.appended, stats.added), (2, 2, 2));
    assert_eq!(
        names(&s),
        vec![
            (
                "{__name__=\"m\", a=\"1\", env=\"a\", exported_job=\"x\", instance=\"h:1\", job=\"prometheus.scrape.t\"}".to_owned(),
                2.0,
                123
            ),
            (
                "{__name__=\"n\", env=\"a\", instance=\"h:1\", job=\"prometheus.scrape.t\"}".to_owned(),
                3.0,
                1000
            ),
        ]
    );
    let mut honor = opts();
    honor.honor_labels = true;
    honor.honor_timestamps = false;
    let mut s = scraper(honor);
    s.scrape_body(b"m{job=\"x\"} 2 123\n", "text/plain", 1000)
        .expect("scraped");
    assert_eq!(
        names(&s),
        vec![(
            "{__name__=\"m\", env=\"a\", instance=\"h:1\", job=\"x\"}".to_owned(),
            2.0,
            1000
        )]
    );
}

#[test]
fn vanished_series_and_failed_scrapes_get_stale_markers() {
    let mut s = scraper(opts());
    s.scrape_body(b"a 1\nb 2\n", "text/plain", 1000)
        .expect("ok");
    let stats = s.scrape_body(b"a 1\n", "text/plain", 2000).expect("ok");
    assert_eq!(stats.stale, 1);
    let stale: Vec<_> = s
        .batch
        .iter_samples()
        .filter(|(_, x)| is_stale_nan(x.v))
        .map(|(e, x)| (e.labels.metric_name().to_owned(), x.t))
        .collect();
    assert_eq!(stale, vec![("b".to_owned(), 2000)]);
    // A parse error: nothing of it is kept and `a` goes stale.
    let err = s
        .scrape_body(b"a 1\nc{ 2\n", "text/plain", 3000)
        .expect_err("bad body");
    assert!(err.contains("expected label name"), "{err}");
    let got: Vec<_> = s
        .batch
        .iter_samples()
        .map(|(e, x)| (e.labels.metric_name().to_owned(), is_stale_nan(x.v)))
        .collect();
    assert_eq!(got, vec![("a".to_owned(), true)]);
    s.add_report(3000, false, Duration::from_millis(5), Default::default(), 0);
    assert!(s
        .batch
        .iter_samples()
        .any(|(e, x)| e.labels.metric_name() == "up" && x.v == 0.0));
}

#[test]
fn limits_fail_the_scrape() {
    let mut o = opts();
    o.sample_limit = 1;
    let mut s = scraper(o);
    assert_eq!(
        s.scrape_body(b"a 1\nb 2\n", "text/plain", 1),
        Err("sample limit exceeded".to_owned())
    );
    let mut o = opts();
    o.label_limit = 4;
    let mut s = scraper(o);
    let err = s
        .scrape_body(b"a{x=\"1\"} 1\n", "text/plain", 1)
        .expect_err("too many labels");
    assert!(
        err.starts_with("label_limit exceeded (metric: a, number of labels: 5, limit: 4)"),
        "{err}"
    );
    let mut s = scraper(opts());
    let err = s
        .scrape_body(b"{\"a.b\"} 1\n", "text/plain", 1)
        .expect_err("legacy names");
    assert!(err.starts_with("invalid metric name"), "{err}");
    let mut o = opts();
    o.fallback = None;
    let mut s = scraper(o);
    assert!(s.scrape_body(b"a 1\n", "", 1).is_err());
}

#[test]
fn accept_header_matches_upstream() {
    let all = [
        Protocol::OpenMetricsText1_0_0,
        Protocol::OpenMetricsText0_0_1,
        Protocol::PrometheusText1_0_0,
        Protocol::PrometheusText0_0_4,
    ];
    assert_eq!(
        accept_header(&all, "underscores"),
        "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,\
application/openmetrics-text;version=0.0.1;q=0.5,\
text/plain;version=1.0.0;escaping=underscores;q=0.4,\
text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
    );
}

/// A one-connection-at-a-time HTTP server answering every request with
/// `response` (raw bytes) and recording the request heads.
fn serve(response: Vec<u8>) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            log.lock().expect("log").push(head);
            let mut stream = stream;
            let _ = stream.write_all(&response);
        }
    });
    (addr, seen)
}

fn client(accept: String) -> ScrapeClient {
    ScrapeClient::new(HttpOptions {
        headers: vec![],
        tls: None,
        follow_redirects: true,
        enable_http2: true,
        enable_compression: true,
        body_size_limit: 1000,
        accept,
        user_agent: "Alloy/test".into(),
    })
    .expect("client")
}

#[tokio::test]
async fn fetches_gzip_bodies_and_reports_failures() {
    let body = b"# TYPE x gauge\nx 1\n# EOF\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(body).expect("gzip");
    let gz = gz.finish().expect("gzip");
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/openmetrics-text; version=1.0.0\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        gz.len()
    )
    .into_bytes();
    response.extend_from_slice(&gz);
    let (addr, seen) = serve(response);
    let c = client(accept_header(
        &[Protocol::OpenMetricsText1_0_0],
        "underscores",
    ));
    let mut out = Vec::new();
    let f = c
        .fetch(
            &format!("http://{addr}/metrics"),
            Duration::from_secs(5),
            &mut out,
        )
        .await
        .expect("fetched");
    assert_eq!(out, body);
    assert!(f.content_type.starts_with("application/openmetrics-text"));
    let head = seen.lock().expect("log")[0].to_lowercase();
    assert!(
        head.contains("accept: application/openmetrics-text;version=1.0.0"),
        "{head}"
    );
    assert!(head.contains("accept-encoding: gzip"));
    assert!(head.contains("x-prometheus-scrape-timeout-seconds: 5"));

    let (addr, _) = serve(
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            .to_vec(),
    );
    let e = c
        .fetch(
            &format!("http://{addr}/metrics"),
            Duration::from_secs(5),
            &mut out,
        )
        .await
        .expect_err("503");
    assert_eq!(e, "server returned HTTP status 503 Service Unavailable");

    let big = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n{}",
        "x".repeat(5000)
    );
    let (addr, _) = serve(big.into_bytes());
    let e = c
        .fetch(
            &format!("http://{addr}/metrics"),
            Duration::from_secs(5),
            &mut out,
        )
        .await
        .expect_err("too big");
    assert_eq!(e, "body size limit exceeded");

    // A target that never answers times out.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let e = c
        .fetch(
            &format!("http://{addr}/metrics"),
            Duration::from_millis(300),
            &mut out,
        )
        .await
        .expect_err("hung");
    assert!(e.ends_with("context deadline exceeded"), "{e}");
    drop(listener);
}

#[tokio::test]
async fn pool_scrapes_targets_and_marks_removed_ones_stale() {
    let body = "a 1\n";
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (addr, _) = serve(response.into_bytes());
    let sink = Arc::new(Recorder::new());
    let registry = Registry::new();
    let mut pool = ScrapePool::new(
        Fanout::new(vec![sink.clone()]),
        ScrapeMetrics::new(&registry, "prometheus.scrape.t"),
    );
    let d = defaults(Duration::from_millis(200));
    let c = client(accept_header(
        &[Protocol::PrometheusText0_0_4],
        "underscores",
    ));
    let o = Arc::new(opts());
    let targets = vec![Labels::from_pairs([("__address__", addr.as_str())])];
    pool.sync(&targets, &d, &c, &o, 0, false).expect("synced");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while sink
        .samples()
        .iter()
        .filter(|(l, _)| l.metric_name() == "up")
        .count()
        < 2
    {
        assert!(std::time::Instant::now() < deadline, "no scrapes");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let up = sink
        .samples()
        .into_iter()
        .find(|(l, _)| l.metric_name() == "up")
        .expect("up");
    assert_eq!(up.1.v, 1.0);
    assert_eq!(up.0.get("instance"), Some(addr.as_str()));
    assert_eq!(pool.targets()[0].status.up, Some(true));
    assert!(registry.sum("prometheus_forwarded_samples_total", &[]) >= 12.0);
    pool.sync(&[], &d, &c, &o, 0, false).expect("synced");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !sink
        .samples()
        .iter()
        .any(|(l, s)| l.metric_name() == "a" && is_stale_nan(s.v))
    {
        assert!(std::time::Instant::now() < deadline, "no stale marker");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(pool.is_empty());
}

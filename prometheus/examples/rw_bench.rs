//! Benchmark: batches -> WAL -> queue -> remote write 1.0 over HTTP to an
//! in-process sink that reads each body and answers 204 (it does not
//! decode, so the figures are the sender's).
//!
//! `cargo run --release -p alloy-prometheus --example rw_bench -- SERIES ROUNDS`
//! prints samples/s (wall and per CPU second of the whole process) and the
//! resident memory per active series after everything was sent. Run it
//! under `/usr/bin/time -v` for the peak RSS.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_metrics::Registry;
use alloy_prometheus::model::{Appendable, Batch, Labels, SeriesRef};
use alloy_prometheus::remote_write::client::ClientOptions;
use alloy_prometheus::remote_write::proto::Message;
use alloy_prometheus::remote_write::queue::{EndpointOptions, Queue, QueueOptions};
use alloy_prometheus::remote_write::storage::Storage;
use alloy_prometheus::wal::{Wal, WalOptions};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn cpu_seconds() -> f64 {
    // utime + stime of the process from /proc/self/stat (clock ticks).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

async fn sink(bytes: Arc<AtomicU64>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let bytes = bytes.clone();
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let bytes = bytes.clone();
                        async move {
                            let body = req
                                .into_body()
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
                            let mut r = http::Response::new(Full::new(Bytes::new()));
                            *r.status_mut() = http::StatusCode::NO_CONTENT;
                            Ok::<_, Infallible>(r)
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    format!("http://{addr}/api/v1/write")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let series: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let dir = tempfile::tempdir().expect("tempdir");
        let registry = Registry::new();
        let received = Arc::new(AtomicU64::new(0));
        let url = sink(received.clone()).await;
        let (wal, _) = Wal::open(dir.path(), WalOptions::default(), &registry).expect("wal");
        let storage = Storage::new(wal.clone(), &registry);
        let endpoint = EndpointOptions {
            name: "bench".into(),
            client: ClientOptions::new(url.parse().expect("url"), Message::V1),
            queue: QueueOptions { min_shards: 2, max_shards: 2, ..QueueOptions::default() },
            external_labels: vec![],
            relabel: None,
            metadata: None,
        };
        // Label sets like a node exporter's: name, job, instance, two more.
        let labels: Vec<Labels> = (0..series)
            .map(|i| {
                Labels::from_pairs([
                    ("__name__", format!("node_metric_{}", i % 500).as_str()),
                    ("cpu", (i % 64).to_string().as_str()),
                    ("instance", format!("host-{}.example.com:9100", i / 2000).as_str()),
                    ("job", "node"),
                    ("mode", ["user", "system", "idle", "iowait"][i % 4]),
                ])
            })
            .collect();
        let base_rss = rss_kib();
        let q = Queue::start(wal.clone(), endpoint, &registry).expect("queue");
        storage.set_queues(vec![q.clone()]).await;
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        let mut batch = Batch::new();
        let chunk = 5_000;
        for round in 0..rounds {
            for (c, part) in labels.chunks(chunk).enumerate() {
                batch.clear();
                for (j, l) in part.iter().enumerate() {
                    batch.add(SeriesRef((c * chunk + j) as u64 + 1), l.clone(), 1_700_000_000_000 + round as i64 * 15_000, j as f64);
                }
                storage.append(&batch).expect("append");
            }
        }
        let appended = t0.elapsed();
        let total = (series * rounds) as u64;
        while q.metrics.samples_sent.get() < total {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let wall = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        drop(labels);
        let rss = rss_kib();
        println!("series {series} rounds {rounds} samples {total}");
        println!("append into WAL: {:.3} s ({:.0} samples/s)", appended.as_secs_f64(), total as f64 / appended.as_secs_f64());
        println!("WAL -> remote write done: {wall:.3} s wall, {cpu:.3} s CPU (process)");
        println!("throughput: {:.0} samples/s wall, {:.0} samples/s per CPU second", total as f64 / wall, total as f64 / cpu);
        println!("compressed bytes received: {}", received.load(Ordering::Relaxed));
        println!("RSS before the queue started {base_rss} KiB (includes the producer's label sets), after sending {rss} KiB");
        println!("RSS after sending / active series: {:.0} bytes (upper bound: whole process)", rss as f64 * 1024.0 / series as f64);
        storage.set_queues(vec![]).await;
    });
}

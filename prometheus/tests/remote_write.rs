//! The WAL -> queue -> HTTP -> receiver path inside one process: a
//! receiver of this crate on 127.0.0.1 records what arrives, sometimes
//! answering 500/429/400 to exercise retries and drops.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use alloy_metrics::Registry;
use alloy_prometheus::model::{AppendError, Appendable, Batch, Labels, Recorder, SeriesRef};
use alloy_prometheus::remote_write::client::ClientOptions;
use alloy_prometheus::remote_write::proto::Message;
use alloy_prometheus::remote_write::queue::{EndpointOptions, Queue, QueueOptions};
use alloy_prometheus::remote_write::receive::{ReceiveMetrics, Receiver, RefCache};
use alloy_prometheus::remote_write::storage::Storage;
use alloy_prometheus::wal::{Wal, WalOptions};
use tokio_util::sync::CancellationToken;

/// Fails the first `fail` requests with `status` (500 or 429 or 400).
struct Flaky {
    inner: Arc<Recorder>,
    fail: AtomicUsize,
    error: AppendError,
}

impl Appendable for Flaky {
    fn append(&self, batch: &Batch) -> Result<(), AppendError> {
        if self.fail.load(Ordering::SeqCst) > 0 {
            self.fail.fetch_sub(1, Ordering::SeqCst);
            return Err(self.error.clone());
        }
        self.inner.append(batch)
    }
}

async fn sink(
    fail: usize,
    error: AppendError,
    accepted: Vec<Message>,
) -> (String, Arc<Recorder>, CancellationToken) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let recorder = Arc::new(Recorder::new());
    let receiver = Arc::new(Receiver {
        forward: Arc::new(Flaky {
            inner: recorder.clone(),
            fail: AtomicUsize::new(fail),
            error,
        }),
        accepted,
        refs: RefCache::default(),
        metrics: ReceiveMetrics::new(&Registry::new()),
    });
    let stop = CancellationToken::new();
    tokio::spawn(receiver.serve(listener, stop.clone()));
    (
        format!("http://{addr}/api/v1/metrics/write"),
        recorder,
        stop,
    )
}

fn endpoint(url: &str, message: Message) -> EndpointOptions {
    EndpointOptions {
        name: "test".into(),
        client: ClientOptions {
            timeout: Duration::from_secs(5),
            ..ClientOptions::new(url.parse().expect("url"), message)
        },
        queue: QueueOptions {
            batch_send_deadline: Duration::from_millis(50),
            min_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            max_samples_per_send: 100,
            min_shards: 2,
            ..QueueOptions::default()
        },
        external_labels: vec![],
        relabel: None,
        metadata: None,
    }
}

fn batch(series: usize, t: i64) -> Batch {
    let mut b = Batch::new();
    for i in 0..series {
        let labels = Labels::from_pairs([("__name__", "m"), ("i", &i.to_string())]);
        b.add(SeriesRef(i as u64 + 1), labels, t, (t as f64) + i as f64);
    }
    b
}

/// (labels, t) -> v of everything recorded; panics on a duplicate.
fn received(rec: &Recorder) -> BTreeMap<(String, i64), f64> {
    let mut out = BTreeMap::new();
    for (l, s) in rec.samples() {
        let prev = out.insert((l.to_string(), s.t), s.v);
        assert!(prev.is_none(), "duplicate sample {l} @ {}", s.t);
    }
    out
}

async fn wait_for(rec: &Recorder, n: usize) {
    for _ in 0..400 {
        if rec.samples().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("only {} of {n} samples arrived", rec.samples().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_reach_the_receiver_after_5xx_and_429_retries_v1_and_v2() {
    for (message, error) in [
        (Message::V1, AppendError::Io("disk".into())),
        (Message::V2, AppendError::Full { samples: 1 }),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (url, rec, stop) = sink(3, error, vec![Message::V1, Message::V2]).await;
        let (wal, _) =
            Wal::open(dir.path(), WalOptions::default(), &Registry::new()).expect("open");
        let storage = Storage::new(wal.clone(), &Registry::new());
        let q =
            Queue::start(wal.clone(), endpoint(&url, message), &Registry::new()).expect("queue");
        storage.set_queues(vec![q.clone()]).await;
        for t in 0..20 {
            storage.append(&batch(30, 1000 + t)).expect("append");
        }
        wait_for(&rec, 600).await;
        let got = received(&rec);
        assert_eq!(got.len(), 600);
        assert_eq!(
            got.get(&(r#"{__name__="m", i="7"}"#.to_string(), 1005)),
            Some(&1012.0)
        );
        assert!(q.metrics.samples_retried.get() > 0);
        assert_eq!(q.metrics.samples_sent.get(), 600);
        assert_eq!(q.metrics.samples_pending.get(), 0);
        storage.set_queues(vec![]).await;
        stop.cancel();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_4xx_drops_the_batch_and_counts_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, rec, stop) = sink(
        1,
        AppendError::Rejected {
            samples: 1,
            reason: "bad".into(),
        },
        vec![Message::V1],
    )
    .await;
    let (wal, _) = Wal::open(dir.path(), WalOptions::default(), &Registry::new()).expect("open");
    let storage = Storage::new(wal.clone(), &Registry::new());
    let mut ep = endpoint(&url, Message::V1);
    ep.queue.min_shards = 1;
    let q = Queue::start(wal.clone(), ep, &Registry::new()).expect("queue");
    storage.set_queues(vec![q.clone()]).await;
    storage.append(&batch(10, 1)).expect("append");
    for _ in 0..200 {
        if q.metrics.samples_failed.get() == 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(q.metrics.samples_failed.get(), 10);
    storage.append(&batch(10, 2)).expect("append");
    wait_for(&rec, 10).await;
    assert_eq!(received(&rec).len(), 10);
    storage.set_queues(vec![]).await;
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsent_samples_are_replayed_after_a_restart_and_sent_ones_are_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, rec, stop) = sink(0, AppendError::Closed, vec![Message::V1]).await;
    {
        let (wal, _) =
            Wal::open(dir.path(), WalOptions::default(), &Registry::new()).expect("open");
        let storage = Storage::new(wal.clone(), &Registry::new());
        let q = Queue::start(wal.clone(), endpoint(&url, Message::V1), &Registry::new())
            .expect("queue");
        storage.set_queues(vec![q]).await;
        for t in 0..10 {
            storage.append(&batch(25, t)).expect("append");
        }
        wait_for(&rec, 250).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        storage.set_queues(vec![]).await;
        // Written while no queue runs: must be sent after the restart.
        for t in 10..20 {
            storage.append(&batch(25, t)).expect("append");
        }
    }
    let (wal, report) =
        Wal::open(dir.path(), WalOptions::default(), &Registry::new()).expect("reopen");
    assert_eq!(report.series, 25);
    let storage = Storage::new(wal.clone(), &Registry::new());
    let q =
        Queue::start(wal.clone(), endpoint(&url, Message::V1), &Registry::new()).expect("queue");
    storage.set_queues(vec![q]).await;
    storage.append(&batch(25, 20)).expect("append");
    wait_for(&rec, 525).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let got = received(&rec);
    assert_eq!(got.len(), 525);
    storage.set_queues(vec![]).await;
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncation_keeps_unsent_segments_and_removes_sent_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = WalOptions {
        segment_size: 4096,
        min_keepalive: Duration::ZERO,
        ..WalOptions::default()
    };
    let (url, rec, stop) = sink(0, AppendError::Closed, vec![Message::V1]).await;
    let (wal, _) = Wal::open(dir.path(), options, &Registry::new()).expect("open");
    let storage = Storage::new(wal.clone(), &Registry::new());
    // Nothing sends yet: truncation must keep everything.
    let dead = endpoint("http://127.0.0.1:9/api/v1/write", Message::V1);
    let q = Queue::start(wal.clone(), dead, &Registry::new()).expect("queue");
    storage.set_queues(vec![q]).await;
    for t in 0..200 {
        storage.append(&batch(20, t)).expect("append");
    }
    assert!(wal.head_segment() > 3);
    storage.truncate(std::time::SystemTime::now());
    assert_eq!(wal.metrics.samples_dropped_keepalive.get(), 0);
    let q =
        Queue::start(wal.clone(), endpoint(&url, Message::V1), &Registry::new()).expect("queue");
    storage.set_queues(vec![q]).await;
    wait_for(&rec, 4000).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let before = wal.update_size();
    storage.truncate(std::time::SystemTime::now());
    assert!(wal.update_size() < before, "sent segments were removed");
    assert_eq!(received(&rec).len(), 4000);
    storage.set_queues(vec![]).await;
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_is_sent_every_interval_with_remote_write_1_0() {
    use alloy_prometheus::model::{Metadata, MetricType};
    use alloy_prometheus::remote_write::queue::MetadataOptions;
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, _rec, stop) = sink(0, AppendError::Closed, vec![Message::V1]).await;
    let (wal, _) = Wal::open(dir.path(), WalOptions::default(), &Registry::new()).expect("open");
    let storage = Storage::new(wal.clone(), &Registry::new());
    let mut ep = endpoint(&url, Message::V1);
    ep.metadata = Some(MetadataOptions {
        send_interval: Duration::from_millis(50),
        max_samples_per_send: 1,
    });
    let q = Queue::start(wal.clone(), ep, &Registry::new()).expect("queue");
    storage.set_queues(vec![q.clone()]).await;
    let mut b = batch(2, 1);
    for (i, name) in [(0u32, "counter"), (1, "gauge")] {
        b.push_metadata(
            i,
            Metadata {
                metric_type: if name == "counter" {
                    MetricType::Counter
                } else {
                    MetricType::Gauge
                },
                help: format!("a {name}"),
                unit: String::new(),
            },
        );
    }
    storage.append(&b).expect("append");
    // Both series are named "m": one family, one entry per interval.
    for _ in 0..200 {
        if q.metrics.metadata_sent.get() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(q.metrics.metadata_sent.get() >= 2);
    assert_eq!(wal.metadata().len(), 1);
    storage.set_queues(vec![]).await;
    stop.cancel();
}

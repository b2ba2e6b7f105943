//! The queue manager of one endpoint: a reader task tails the WAL and
//! hands each sample to shard `ref % shards`; each shard batches up to
//! `max_samples_per_send` samples or `batch_send_deadline`, sends, retries
//! recoverable failures with exponential backoff (forever: the WAL holds
//! the data meanwhile, bounded by `max_keepalive_time`), and records what
//! was acknowledged in the progress file ([`super::progress`]) so that a
//! restart resends nothing twice and skips nothing.
//!
//! Resharding waits until every shard drained (upstream does the same), so
//! the progress file always describes one shard count.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use prost::Message as _;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::client::{Client, ClientOptions, SendError};
use super::encode;
use super::metrics::QueueMetrics;
use super::progress::{Progress, SamplePos, Saved};
use super::proto::Message;
use crate::wal::reader::WalReader;
use crate::wal::record::{self, Decoder, RefSample};
use crate::wal::{segment, Wal};

/// `queue_config`.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueOptions {
    pub capacity: usize,
    pub min_shards: usize,
    pub max_shards: usize,
    pub max_samples_per_send: usize,
    pub batch_send_deadline: Duration,
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    pub retry_on_http_429: bool,
    /// Samples older than this are dropped instead of sent (0 = never).
    pub sample_age_limit: Duration,
}

impl Default for QueueOptions {
    fn default() -> QueueOptions {
        QueueOptions {
            capacity: 10_000,
            min_shards: 1,
            max_shards: 50,
            max_samples_per_send: 2_000,
            batch_send_deadline: Duration::from_secs(5),
            min_backoff: Duration::from_millis(30),
            max_backoff: Duration::from_secs(5),
            retry_on_http_429: true,
            sample_age_limit: Duration::ZERO,
        }
    }
}

/// Rewrites a series' labels before sending (`write_relabel_config`):
/// `None` drops the series.
pub type LabelTransform =
    Arc<dyn Fn(Vec<(String, String)>) -> Option<Vec<(String, String)>> + Send + Sync>;

/// Everything one `endpoint` block configures.
#[derive(Clone)]
pub struct EndpointOptions {
    /// `name`, or a name derived from the URL; labels the metrics and names
    /// the progress file.
    pub name: String,
    pub client: ClientOptions,
    pub queue: QueueOptions,
    /// Top-level `external_labels`: added to every series that does not
    /// have the label.
    pub external_labels: Vec<(String, String)>,
    pub relabel: Option<LabelTransform>,
    /// `metadata_config`: send the known metadata every `send_interval`
    /// (remote write 1.0; `None` = `send = false`).
    pub metadata: Option<MetadataOptions>,
}

/// `metadata_config` with `send = true`.
#[derive(Clone, Debug, PartialEq)]
pub struct MetadataOptions {
    pub send_interval: Duration,
    pub max_samples_per_send: usize,
}

impl Default for MetadataOptions {
    fn default() -> MetadataOptions {
        MetadataOptions {
            send_interval: Duration::from_secs(60),
            max_samples_per_send: 2000,
        }
    }
}

fn metric_type_number(t: crate::model::MetricType) -> i32 {
    use crate::model::MetricType as T;
    match t {
        T::Unknown => 0,
        T::Counter => 1,
        T::Gauge => 2,
        T::Histogram => 3,
        T::GaugeHistogram => 4,
        T::Summary => 5,
        T::Info => 6,
        T::StateSet => 7,
    }
}

/// Sends the WAL's metadata every interval until `stop` (upstream's
/// `MetadataWatcher`): requests of at most `max_samples_per_send` entries,
/// recoverable failures retried with backoff.
async fn send_metadata(
    queue: Arc<Queue>,
    wal: Arc<Wal>,
    client: Arc<Client>,
    options: MetadataOptions,
    q: QueueOptions,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(options.send_interval) => {}
            () = queue.stop.cancelled() => return,
        }
        let all = wal.metadata();
        for chunk in all.chunks(options.max_samples_per_send.max(1)) {
            let request = super::proto::WriteRequest {
                timeseries: Vec::new(),
                metadata: chunk
                    .iter()
                    .map(|(family, m)| super::proto::MetricMetadata {
                        r#type: metric_type_number(m.metric_type),
                        metric_family_name: family.clone(),
                        help: m.help.clone(),
                        unit: m.unit.clone(),
                    })
                    .collect(),
            }
            .encode_to_vec();
            let mut backoff = q.min_backoff;
            loop {
                match client.send(&request).await {
                    Ok(bytes) => {
                        queue.metrics.metadata_sent.inc_by(chunk.len() as u64);
                        queue.metrics.metadata_bytes.inc_by(bytes as u64);
                        break;
                    }
                    Err(SendError::Unrecoverable { reason }) => {
                        tracing::error!(remote_name = %queue.name, err = %reason, "non-recoverable error while sending metadata");
                        queue.metrics.metadata_failed.inc_by(chunk.len() as u64);
                        break;
                    }
                    Err(SendError::Recoverable { retry_after, .. }) => {
                        queue.metrics.metadata_retried.inc_by(chunk.len() as u64);
                        tokio::select! {
                            () = tokio::time::sleep(retry_after.unwrap_or(backoff)) => {}
                            () = queue.stop.cancelled() => return,
                        }
                        backoff = (backoff * 2).min(q.max_backoff.max(q.min_backoff));
                    }
                }
            }
        }
    }
}

enum Item {
    /// Samples of the record at (segment, offset), with their index in it.
    Samples {
        segment: u32,
        offset: u64,
        samples: Vec<(u32, RefSample)>,
    },
    /// Every sample of this shard before `pos` was handed over already.
    Mark(SamplePos),
}

struct ShardState {
    done: Mutex<SamplePos>,
}

/// A running endpoint queue.
pub struct Queue {
    name: String,
    url: String,
    pub metrics: Arc<QueueMetrics>,
    shards: Mutex<Vec<Arc<ShardState>>>,
    stop: CancellationToken,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    retrying: Arc<AtomicBool>,
}

/// The progress file of endpoint `name` in the WAL directory's parent.
pub fn progress_path(wal: &Wal, name: &str) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    wal.dir()
        .parent()
        .unwrap_or(wal.dir())
        .join(format!("remote-{safe}.progress"))
}

impl Queue {
    /// Starts sending what `wal` holds (and will hold) to the endpoint.
    pub fn start(
        wal: Arc<Wal>,
        options: EndpointOptions,
        registry: &alloy_metrics::Registry,
    ) -> Result<Arc<Queue>, String> {
        let client = Arc::new(Client::new(options.client.clone())?);
        let url = options.client.url.to_string();
        let metrics = Arc::new(QueueMetrics::new(registry, &options.name, &url));
        metrics.shards_min.set(options.queue.min_shards as i64);
        metrics.shards_max.set(options.queue.max_shards as i64);
        metrics.shard_capacity.set(options.queue.capacity as i64);
        let queue = Arc::new(Queue {
            name: options.name.clone(),
            url,
            metrics,
            shards: Mutex::new(Vec::new()),
            stop: CancellationToken::new(),
            task: Mutex::new(None),
            retrying: Arc::new(AtomicBool::new(false)),
        });
        if let (Some(meta), Message::V1) = (options.metadata.clone(), options.client.message) {
            tokio::spawn(send_metadata(
                queue.clone(),
                wal.clone(),
                client.clone(),
                meta,
                options.queue.clone(),
            ));
        }
        let path = progress_path(&wal, &options.name);
        let saved =
            Progress::load(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let q = queue.clone();
        let handle = tokio::spawn(async move {
            if let Err(e) = q.clone().run(wal, options, client, path, saved).await {
                tracing::error!(remote_name = %q.name, err = %e, "remote write queue stopped");
            }
        });
        *queue.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
        Ok(queue)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The oldest segment that still holds samples this queue has not sent.
    pub fn oldest_unsent_segment(&self) -> Option<u32> {
        let shards = self.shards.lock().unwrap_or_else(|e| e.into_inner());
        shards
            .iter()
            .map(|s| s.done.lock().unwrap_or_else(|e| e.into_inner()).segment)
            .min()
    }

    /// Stops reading and sending; what was not acknowledged stays in the
    /// WAL for the next start.
    pub async fn stop(&self) {
        self.stop.cancel();
        let handle = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = handle {
            let _ = h.await;
        }
    }

    async fn run(
        self: Arc<Self>,
        wal: Arc<Wal>,
        options: EndpointOptions,
        client: Arc<Client>,
        path: PathBuf,
        saved: Option<Saved>,
    ) -> Result<(), String> {
        let wal_metrics = wal.metrics.clone();
        let segments = segment::list_segments(wal.dir()).map_err(|e| e.to_string())?;
        let start = match saved.as_ref().and_then(Saved::start) {
            Some(p) => p,
            None => SamplePos::record(segments.first().copied().unwrap_or(wal.head_segment()), 0),
        };
        let mut shard_count = saved
            .as_ref()
            .map_or(options.queue.min_shards.max(1), |s| s.done.len().max(1));
        let progress = match &saved {
            Some(s) if s.done.len() == shard_count => {
                // Keep the file: its slots still say what was sent.
                Progress::create(&path, &s.done).map_err(|e| e.to_string())?
            }
            _ => Progress::create(&path, &vec![start; shard_count]).map_err(|e| e.to_string())?,
        };
        let replay_end = saved.as_ref().and_then(|s| s.done.iter().max().copied());
        let mut progress = Arc::new(progress);
        let mut reader = WalReader::at(wal.dir(), start.segment, start.offset, None);
        let mut senders = self.spawn_shards(
            &wal,
            shard_count,
            &saved,
            start,
            &options,
            &client,
            &progress,
        );
        let mut last_mark = Instant::now();
        let mut marked = SamplePos::record(start.segment, start.offset);
        let mut samples = Vec::new();
        let mut per_shard: Vec<Vec<(u32, RefSample)>> = vec![Vec::new(); shard_count];
        let mut rate_window = (Instant::now(), 0u64);
        loop {
            let appended = wal.appended().notified();
            tokio::pin!(appended);
            appended.as_mut().enable();
            let head = wal.head_segment();
            let mut read_any = false;
            let mut budget = 256;
            while budget > 0 {
                let pos = reader
                    .next_record(head, &wal_metrics)
                    .map_err(|e| e.to_string())?;
                let Some(pos) = pos else { break };
                budget -= 1;
                read_any = true;
                let rec = reader.record();
                if rec.first() != Some(&record::SAMPLES) {
                    continue;
                }
                samples.clear();
                if let Err(e) = record::decode_samples(Decoder::new(&rec[1..]), &mut samples) {
                    tracing::warn!(err = %e, "WAL: samples record skipped");
                    wal_metrics.corruptions.inc();
                    continue;
                }
                for (i, s) in samples.iter().enumerate() {
                    let sp = SamplePos {
                        segment: pos.segment,
                        offset: pos.offset,
                        index: i as u32,
                    };
                    if saved.as_ref().is_some_and(|sv| sv.was_sent(s.series, sp)) {
                        continue;
                    }
                    self.metrics.note_in(s.t);
                    per_shard[(s.series % shard_count as u64) as usize].push((i as u32, *s));
                }
                for (k, batch) in per_shard.iter_mut().enumerate() {
                    if batch.is_empty() {
                        continue;
                    }
                    let n = batch.len();
                    self.metrics.samples_in.inc_by(n as u64);
                    self.metrics.samples_pending.add(n as i64);
                    rate_window.1 += n as u64;
                    let item = Item::Samples {
                        segment: pos.segment,
                        offset: pos.offset,
                        samples: std::mem::take(batch),
                    };
                    tokio::select! {
                        r = senders[k].send(item) => { if r.is_err() { return Ok(()); } }
                        () = self.stop.cancelled() => return Ok(()),
                    }
                }
            }
            let here = {
                let p = reader.position();
                SamplePos::record(p.segment, p.offset)
            };
            if here != marked && (!read_any || last_mark.elapsed() >= Duration::from_millis(200)) {
                for tx in &senders {
                    tokio::select! {
                        r = tx.send(Item::Mark(here)) => { if r.is_err() { return Ok(()); } }
                        () = self.stop.cancelled() => return Ok(()),
                    }
                }
                marked = here;
                last_mark = Instant::now();
            }
            // Reshard between records, once past the replayed region and
            // while nothing is being retried.
            let past_replay = replay_end.is_none_or(|e| here >= e);
            if past_replay && rate_window.0.elapsed() >= Duration::from_secs(10) {
                let desired = self.desired_shards(&options.queue, rate_window, shard_count);
                self.metrics.shards_desired.set(desired as i64);
                rate_window = (Instant::now(), 0);
                if desired != shard_count && !self.retrying.load(Ordering::Relaxed) {
                    drop(std::mem::take(&mut senders));
                    self.wait_drained().await;
                    if self.stop.is_cancelled() {
                        return Ok(());
                    }
                    shard_count = desired;
                    progress = Arc::new(
                        Progress::create(&path, &vec![here; shard_count])
                            .map_err(|e| e.to_string())?,
                    );
                    senders = self.spawn_shards(
                        &wal,
                        shard_count,
                        &None,
                        here,
                        &options,
                        &client,
                        &progress,
                    );
                    per_shard = vec![Vec::new(); shard_count];
                    marked = here;
                }
            }
            if read_any && budget == 0 {
                tokio::task::yield_now().await;
                continue;
            }
            if !read_any {
                tokio::select! {
                    () = &mut appended => {}
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    () = self.stop.cancelled() => return Ok(()),
                }
            }
        }
    }

    /// Upstream's idea in short: enough shards that the samples read in the
    /// last window are sent in about a second at the observed batch speed.
    fn desired_shards(&self, q: &QueueOptions, window: (Instant, u64), current: usize) -> usize {
        let secs = window.0.elapsed().as_secs_f64().max(1e-3);
        let rate_in = window.1 as f64 / secs;
        let Some(mean) = self.metrics.mean_send_seconds() else {
            return current.clamp(q.min_shards.max(1), q.max_shards.max(1));
        };
        let per_batch = mean.max(1e-4);
        let per_shard_rate = q.max_samples_per_send as f64 / per_batch;
        let mut want = (rate_in / per_shard_rate * 1.3).ceil() as usize;
        // Hysteresis: only move for a change of more than 30 %.
        let lo = (current as f64 * 0.7) as usize;
        let hi = (current as f64 * 1.3).ceil() as usize;
        if want >= lo && want <= hi {
            want = current;
        }
        want.clamp(q.min_shards.max(1), q.max_shards.max(1))
    }

    async fn wait_drained(&self) {
        // Shards exit when their channel closes and their last batch went
        // out; the pending gauge reaches zero then.
        while self.metrics.samples_pending.get() > 0 && !self.stop.is_cancelled() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn spawn_shards(
        self: &Arc<Self>,
        wal: &Arc<Wal>,
        n: usize,
        saved: &Option<Saved>,
        start: SamplePos,
        options: &EndpointOptions,
        client: &Arc<Client>,
        progress: &Arc<Progress>,
    ) -> Vec<mpsc::Sender<Item>> {
        let mut senders = Vec::with_capacity(n);
        let mut states = Vec::with_capacity(n);
        let chunks =
            (options.queue.capacity / options.queue.max_samples_per_send.max(1)).clamp(4, 1024);
        for k in 0..n {
            let (tx, rx) = mpsc::channel(chunks);
            let done = saved
                .as_ref()
                .and_then(|s| s.done.get(k).copied())
                .unwrap_or(start);
            let state = Arc::new(ShardState {
                done: Mutex::new(done),
            });
            states.push(state.clone());
            let shard = Shard {
                index: k,
                wal: wal.clone(),
                queue: self.clone(),
                options: options.clone(),
                client: client.clone(),
                progress: progress.clone(),
                state,
                labels_cache: HashMap::new(),
            };
            tokio::spawn(shard.run(rx));
            senders.push(tx);
        }
        self.metrics.shards.set(n as i64);
        *self.shards.lock().unwrap_or_else(|e| e.into_inner()) = states;
        senders
    }
}

/// A series' labels (as sent) and its samples in one request.
type SeriesPoints = (Box<[u8]>, Vec<(i64, f64)>);

struct Shard {
    index: usize,
    wal: Arc<Wal>,
    queue: Arc<Queue>,
    options: EndpointOptions,
    client: Arc<Client>,
    progress: Arc<Progress>,
    state: Arc<ShardState>,
    /// Labels after external labels and write relabelling, per series.
    labels_cache: HashMap<u64, Option<Box<[u8]>>>,
}

struct Pending {
    samples: Vec<RefSample>,
    /// Position after the last sample taken.
    end: SamplePos,
    mark: Option<SamplePos>,
    since: Option<Instant>,
}

impl Shard {
    async fn run(mut self, mut rx: mpsc::Receiver<Item>) {
        let max = self.options.queue.max_samples_per_send.max(1);
        let mut pending = Pending {
            samples: Vec::with_capacity(max),
            end: *self.state.done.lock().unwrap_or_else(|e| e.into_inner()),
            mark: None,
            since: None,
        };
        loop {
            let deadline = pending
                .since
                .map(|s| s + self.options.queue.batch_send_deadline)
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            let item = tokio::select! {
                item = rx.recv() => item,
                () = tokio::time::sleep_until(deadline.into()), if pending.since.is_some() => {
                    if !self.flush(&mut pending).await { return; }
                    continue;
                }
                () = self.queue.stop.cancelled() => return,
            };
            match item {
                None => {
                    self.flush(&mut pending).await;
                    return;
                }
                Some(Item::Mark(pos)) => {
                    if pending.samples.is_empty() {
                        self.commit(pos);
                    } else {
                        pending.mark = Some(pos);
                    }
                }
                Some(Item::Samples {
                    segment,
                    offset,
                    samples,
                }) => {
                    for (i, s) in samples {
                        if pending.samples.is_empty() {
                            pending.since = Some(Instant::now());
                        }
                        pending.samples.push(s);
                        pending.end = SamplePos {
                            segment,
                            offset,
                            index: i + 1,
                        };
                        if pending.samples.len() >= max && !self.flush(&mut pending).await {
                            return;
                        }
                    }
                }
            }
        }
    }

    fn commit(&self, pos: SamplePos) {
        let mut done = self.state.done.lock().unwrap_or_else(|e| e.into_inner());
        if pos > *done {
            *done = pos;
            if let Err(e) = self.progress.set(self.index, pos) {
                tracing::warn!(err = %e, "remote write: recording progress failed (data may be resent after a restart)");
            }
        }
    }

    /// Sends what is pending; false when the queue is stopping (the batch
    /// stays unacknowledged, to be resent after a restart).
    async fn flush(&mut self, pending: &mut Pending) -> bool {
        if pending.samples.is_empty() {
            pending.since = None;
            if let Some(m) = pending.mark.take() {
                self.commit(m);
            }
            return true;
        }
        let n = pending.samples.len();
        let (body, dropped, highest) = self.encode(&pending.samples);
        let metrics = self.queue.metrics.clone();
        if dropped > 0 {
            metrics.samples_dropped.inc_by(dropped as u64);
        }
        let to_send = n - dropped;
        let mut backoff = self.options.queue.min_backoff;
        if to_send > 0 {
            loop {
                let began = Instant::now();
                let result = self.client.send(&body).await;
                metrics
                    .sent_batch_duration
                    .observe(began.elapsed().as_secs_f64());
                match result {
                    Ok(bytes) => {
                        metrics.samples_sent.inc_by(to_send as u64);
                        metrics.bytes_sent.inc_by(bytes as u64);
                        metrics.note_sent(highest);
                        self.queue.retrying.store(false, Ordering::Relaxed);
                        break;
                    }
                    Err(SendError::Unrecoverable { reason }) => {
                        tracing::error!(remote_name = %self.queue.name, url = %self.queue.url, count = to_send, err = %reason, "non-recoverable error while sending samples; dropping them");
                        metrics.samples_failed.inc_by(to_send as u64);
                        break;
                    }
                    Err(SendError::Recoverable {
                        reason,
                        retry_after,
                    }) => {
                        if reason.contains("429") && !self.options.queue.retry_on_http_429 {
                            tracing::error!(remote_name = %self.queue.name, count = to_send, err = %reason, "HTTP 429 and retry_on_http_429 is false; dropping samples");
                            metrics.samples_failed.inc_by(to_send as u64);
                            break;
                        }
                        self.queue.retrying.store(true, Ordering::Relaxed);
                        metrics.samples_retried.inc_by(to_send as u64);
                        tracing::warn!(remote_name = %self.queue.name, url = %self.queue.url, err = %reason, backoff = ?backoff, "failed to send batch, retrying");
                        let wait = retry_after.unwrap_or(backoff);
                        tokio::select! {
                            () = tokio::time::sleep(wait) => {}
                            () = self.queue.stop.cancelled() => return false,
                        }
                        backoff = (backoff * 2).min(
                            self.options
                                .queue
                                .max_backoff
                                .max(self.options.queue.min_backoff),
                        );
                    }
                }
            }
        }
        metrics.samples_pending.add(-(n as i64));
        pending.samples.clear();
        pending.since = None;
        let end = pending.mark.take().unwrap_or(pending.end).max(pending.end);
        self.commit(end);
        true
    }

    /// The request body for `samples`; also how many were dropped (unknown
    /// series, relabelled away, too old) and the highest timestamp.
    fn encode(&mut self, samples: &[RefSample]) -> (Vec<u8>, usize, i64) {
        let mut order: Vec<u64> = Vec::new();
        let mut grouped: HashMap<u64, Vec<(i64, f64)>> = HashMap::new();
        let mut dropped = 0;
        let mut highest = i64::MIN;
        let age_limit = self.options.queue.sample_age_limit;
        let oldest = if age_limit.is_zero() {
            i64::MIN
        } else {
            SystemTime::now()
                .checked_sub(age_limit)
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map_or(i64::MIN, |d| d.as_millis() as i64)
        };
        for s in samples {
            if s.t < oldest {
                dropped += 1;
                continue;
            }
            highest = highest.max(s.t);
            grouped
                .entry(s.series)
                .or_insert_with(|| {
                    order.push(s.series);
                    Vec::new()
                })
                .push((s.t, s.v));
        }
        let plain = self.options.external_labels.is_empty() && self.options.relabel.is_none();
        if plain && self.options.client.message == Message::V1 {
            // The common case: the WAL's label bytes go out as they are.
            let mut out = Vec::with_capacity(samples.len() * 40);
            for r in order {
                let Some(points) = grouped.remove(&r) else {
                    continue;
                };
                self.wal.series().with_labels(r, |labels| match labels {
                    Some(l) => encode::put_timeseries_v1(&mut out, l, &points),
                    None => dropped += points.len(),
                });
            }
            return (out, dropped, highest);
        }
        let mut series: Vec<SeriesPoints> = Vec::with_capacity(order.len());
        for r in order {
            let Some(points) = grouped.remove(&r) else {
                continue;
            };
            match self.send_labels(r) {
                Some(labels) => series.push((labels, points)),
                None => dropped += points.len(),
            }
        }
        let body = match self.options.client.message {
            Message::V1 => {
                let mut out = Vec::with_capacity(
                    series.iter().map(|(l, p)| l.len() + 24 * p.len() + 8).sum(),
                );
                for (labels, points) in &series {
                    encode::put_timeseries_v1(&mut out, labels, points);
                }
                out
            }
            Message::V2 => {
                encode::build_v2(series.iter().map(|(l, p)| (&l[..], &p[..]))).encode_to_vec()
            }
        };
        (body, dropped, highest)
    }

    /// The labels series `r` is sent with (None: unknown or dropped).
    fn send_labels(&mut self, r: u64) -> Option<Box<[u8]>> {
        let plain = self.options.external_labels.is_empty() && self.options.relabel.is_none();
        if !plain {
            if let Some(v) = self.labels_cache.get(&r) {
                return v.clone();
            }
        }
        let raw: Box<[u8]> = self.wal.series().with_labels(r, |l| l.map(Box::from))?;
        if plain {
            return Some(raw);
        }
        let mut pairs = encode::decode_labels(&raw);
        for (k, v) in &self.options.external_labels {
            if !pairs.iter().any(|(n, _)| n == k) {
                pairs.push((k.clone(), v.clone()));
            }
        }
        pairs.sort();
        let out = match &self.options.relabel {
            Some(f) => f(pairs),
            None => Some(pairs),
        }
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut b = Vec::new();
            encode::encode_labels(&mut b, p.iter().map(|(a, b)| (a.as_str(), b.as_str())));
            b.into_boxed_slice()
        });
        self.labels_cache.insert(r, out.clone());
        out
    }
}

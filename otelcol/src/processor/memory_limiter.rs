//! `otelcol.processor.memory_limiter`: refuses data while the process uses
//! more memory than the soft limit (`limit - spike_limit`), so that senders
//! back off and retry instead of the process running out of memory.
//!
//! Upstream measures the Go heap; there is no such heap here, so usage is
//! the process's resident set size (`VmRSS` of `/proc/self/status`), read
//! every `check_interval`. Refusals are retryable: receivers answer gRPC
//! `UNAVAILABLE` / HTTP 503 and nothing accepted is lost. Percentages are
//! of the machine's memory (`MemTotal`), or of the cgroup's `memory.max`
//! when that is lower.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::consumer::{Consumer, Outputs};
use crate::error::{ConfigError, ConsumeError, ShutdownError};
use crate::pdata::{ConsumeFuture, Logs, Metrics, Signal, SignalKind, Traces};
use crate::telemetry::{ProcessorObs, Registry};

const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct MemoryLimiterConfig {
    pub check_interval: Duration,
    /// Bytes; 0 when `limit_percentage` is used.
    pub limit: u64,
    /// Bytes; `None` for upstream's default, 20 % of the limit.
    pub spike_limit: Option<u64>,
    pub limit_percentage: u32,
    pub spike_limit_percentage: u32,
}

impl MemoryLimiterConfig {
    /// Upstream's validation, then the limits in bytes: (hard, soft).
    pub fn limits(
        &self,
        total_memory: impl FnOnce() -> Option<u64>,
    ) -> Result<(u64, u64), ConfigError> {
        if self.check_interval.is_zero() {
            return Err(ConfigError::invalid(
                "check_interval",
                "'check_interval' must be greater than zero",
            ));
        }
        let limit_mib = self.limit / MIB;
        let spike_mib = self.spike_limit.map(|s| s / MIB);
        if limit_mib == 0 && self.limit_percentage == 0 {
            return Err(ConfigError::invalid(
                "limit",
                "'limit_mib' or 'limit_percentage' must be greater than zero",
            ));
        }
        if self.limit_percentage > 100 || self.spike_limit_percentage > 100 {
            return Err(ConfigError::invalid(
                "limit_percentage",
                "'limit_percentage' and 'spike_limit_percentage' must be at most 100",
            ));
        }
        if limit_mib > 0 {
            let spike = spike_mib.unwrap_or(limit_mib / 5);
            if spike >= limit_mib {
                return Err(ConfigError::invalid(
                    "spike_limit",
                    "'spike_limit_mib' must be smaller than 'limit_mib'",
                ));
            }
            return Ok((limit_mib * MIB, (limit_mib - spike) * MIB));
        }
        if self.spike_limit_percentage >= self.limit_percentage {
            return Err(ConfigError::invalid(
                "spike_limit_percentage",
                "'spike_limit_percentage' must be smaller than 'limit_percentage'",
            ));
        }
        let total = total_memory().ok_or_else(|| {
            ConfigError::invalid(
                "limit_percentage",
                "cannot read the total memory of this machine",
            )
        })?;
        let hard = total / 100 * u64::from(self.limit_percentage);
        let spike = total / 100 * u64::from(self.spike_limit_percentage);
        Ok((hard, hard - spike))
    }
}

/// The process's resident set size in bytes.
pub fn rss_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Total memory available to the process: `MemTotal`, capped by the cgroup
/// v2 `memory.max`.
pub fn total_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    let mut total = kb * 1024;
    if let Ok(max) = std::fs::read_to_string("/sys/fs/cgroup/memory.max") {
        if let Ok(limit) = max.trim().parse::<u64>() {
            total = total.min(limit);
        }
    }
    Some(total)
}

/// The `otelcol.processor.memory_limiter` component.
pub struct MemoryLimiter {
    soft_limit: u64,
    hard_limit: u64,
    over: AtomicBool,
    last_rss: AtomicU64,
    outputs: Outputs,
    obs: [ProcessorObs; 3],
    checker: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl MemoryLimiter {
    /// Builds the limiter and starts its checker (call within a Tokio runtime).
    pub fn new(
        component_id: &str,
        cfg: MemoryLimiterConfig,
        outputs: Outputs,
        registry: &Registry,
    ) -> Result<Arc<Self>, ConfigError> {
        let (hard_limit, soft_limit) = cfg.limits(total_memory)?;
        let label = format!("memory_limiter/{component_id}");
        let this = Arc::new(Self {
            soft_limit,
            hard_limit,
            over: AtomicBool::new(false),
            last_rss: AtomicU64::new(0),
            outputs,
            obs: [
                ProcessorObs::new(registry, &label, SignalKind::Traces),
                ProcessorObs::new(registry, &label, SignalKind::Metrics),
                ProcessorObs::new(registry, &label, SignalKind::Logs),
            ],
            checker: Mutex::new(None),
        });
        this.check();
        let weak: Weak<Self> = Arc::downgrade(&this);
        let every = cfg.check_interval;
        let handle = tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                let Some(me) = weak.upgrade() else { return };
                me.check();
            }
        });
        *this.checker.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        Ok(this)
    }

    /// Reads the RSS and updates whether data is refused.
    pub fn check(&self) {
        let Some(rss) = rss_bytes() else { return };
        self.last_rss.store(rss, Ordering::Relaxed);
        let over = rss > self.soft_limit;
        let was = self.over.swap(over, Ordering::Relaxed);
        if over && !was {
            tracing::warn!(
                rss_mib = rss / MIB,
                soft_limit_mib = self.soft_limit / MIB,
                hard_limit_mib = self.hard_limit / MIB,
                "memory usage is above the soft limit; refusing data"
            );
        } else if was && !over {
            tracing::info!(
                rss_mib = rss / MIB,
                "memory usage is below the soft limit again"
            );
        }
    }

    /// Whether data is being refused.
    pub fn is_refusing(&self) -> bool {
        self.over.load(Ordering::Relaxed)
    }

    pub async fn shutdown(&self, _deadline: Instant) -> Result<(), ShutdownError> {
        if let Some(h) = self
            .checker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            h.abort();
        }
        Ok(())
    }

    async fn forward<S: Signal>(&self, data: S) -> Result<(), ConsumeError> {
        let n = data.item_count() as u64;
        let obs = &self.obs[S::KIND as usize];
        obs.incoming.inc_by(n);
        if self.is_refusing() {
            return Err(ConsumeError::retryable(
                "data refused due to high memory usage",
            ));
        }
        self.outputs.for_signal(S::KIND).consume(data).await?;
        obs.outgoing.inc_by(n);
        Ok(())
    }
}

impl Consumer for MemoryLimiter {
    fn consume_traces(&self, data: Traces) -> ConsumeFuture<'_> {
        Box::pin(self.forward(data))
    }
    fn consume_metrics(&self, data: Metrics) -> ConsumeFuture<'_> {
        Box::pin(self.forward(data))
    }
    fn consume_logs(&self, data: Logs) -> ConsumeFuture<'_> {
        Box::pin(self.forward(data))
    }
    fn has_capacity(&self, kind: SignalKind) -> bool {
        !self.is_refusing() && self.outputs.for_signal(kind).has_capacity(kind)
    }
    fn accepts_encoded(&self, kind: SignalKind) -> bool {
        self.outputs.for_signal(kind).accepts_encoded(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(limit: u64, spike: Option<u64>) -> MemoryLimiterConfig {
        MemoryLimiterConfig {
            check_interval: Duration::from_secs(1),
            limit,
            spike_limit: spike,
            ..Default::default()
        }
    }

    #[test]
    fn limits_follow_upstream_rules() {
        assert_eq!(
            cfg(1000 * MIB, None).limits(|| None).expect("valid"),
            (1000 * MIB, 800 * MIB)
        );
        assert!(cfg(0, None).limits(|| None).is_err());
        assert!(cfg(100 * MIB, Some(100 * MIB)).limits(|| None).is_err());
        let pct = MemoryLimiterConfig {
            check_interval: Duration::from_secs(1),
            limit_percentage: 50,
            spike_limit_percentage: 10,
            ..Default::default()
        };
        assert_eq!(
            pct.limits(|| Some(1000 * MIB)).expect("valid"),
            (500 * MIB, 400 * MIB)
        );
        let no_interval = MemoryLimiterConfig {
            limit: 100 * MIB,
            ..Default::default()
        };
        assert!(no_interval.limits(|| None).is_err());
    }

    #[test]
    fn rss_and_total_memory_are_read() {
        let rss = rss_bytes().expect("rss");
        assert!(rss > MIB);
        assert!(total_memory().expect("total") > rss);
    }
}

//! The targets of one `prometheus.scrape`: a loop per target, started,
//! kept or stopped as the target list changes.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use super::http::ScrapeClient;
use super::scrape_loop::{spawn, LoopHandle, ScrapeMetrics, TargetStatus};
use super::target::{populate, Target, TargetDefaults};
use super::LoopOptions;
use crate::model::{Fanout, Labels};

/// What a target looks like in debug info.
#[derive(Clone, Debug)]
pub struct TargetInfo {
    pub url: String,
    pub labels: Labels,
    pub discovered: Labels,
    pub status: TargetStatus,
}

/// The running loops of one component.
pub struct ScrapePool {
    loops: BTreeMap<String, (Target, LoopHandle)>,
    forward: Arc<RwLock<Fanout>>,
    metrics: ScrapeMetrics,
    /// Targets refused by [`populate`], with the reason.
    pub dropped: Vec<(Labels, String)>,
}

impl ScrapePool {
    pub fn new(forward: Fanout, metrics: ScrapeMetrics) -> ScrapePool {
        ScrapePool {
            loops: BTreeMap::new(),
            forward: Arc::new(RwLock::new(forward)),
            metrics,
            dropped: Vec::new(),
        }
    }

    pub fn set_forward(&self, forward: Fanout) {
        *self.forward.write().unwrap_or_else(|p| p.into_inner()) = forward;
    }

    /// Brings the loops in line with `targets`: new ones start, vanished
    /// ones stop (and write their stale markers), unchanged ones keep
    /// running. `restart` stops every loop first (new settings).
    pub fn sync(
        &mut self,
        discovered: &[Labels],
        defaults: &TargetDefaults,
        client: &ScrapeClient,
        opts: &Arc<LoopOptions>,
        target_limit: usize,
        restart: bool,
    ) -> Result<(), String> {
        self.dropped.clear();
        let mut wanted: BTreeMap<String, Target> = BTreeMap::new();
        for d in discovered {
            match populate(d, defaults) {
                Ok(Some(t)) => {
                    wanted.insert(format!("{}{}", t.url, t.labels), t);
                }
                Ok(None) => {}
                Err(e) => self.dropped.push((d.clone(), e)),
            }
        }
        if target_limit > 0 && wanted.len() > target_limit {
            self.stop_all();
            return Err(format!(
                "target_limit exceeded (number of targets: {}, limit: {target_limit})",
                wanted.len()
            ));
        }
        if restart {
            self.stop_all();
        }
        let gone: Vec<String> = self
            .loops
            .keys()
            .filter(|k| !wanted.contains_key(*k))
            .cloned()
            .collect();
        for key in gone {
            if let Some((_, handle)) = self.loops.remove(&key) {
                handle.cancel.cancel();
            }
        }
        for (key, target) in wanted {
            if self.loops.contains_key(&key) {
                continue;
            }
            let handle = spawn(
                target.clone(),
                client.clone(),
                opts.clone(),
                self.forward.clone(),
                self.metrics.clone(),
            );
            self.loops.insert(key, (target, handle));
        }
        Ok(())
    }

    pub fn stop_all(&mut self) {
        for (_, (_, handle)) in std::mem::take(&mut self.loops) {
            handle.cancel.cancel();
        }
    }

    /// Stops every loop and waits for their last stale markers.
    pub async fn shutdown(&mut self) {
        let loops = std::mem::take(&mut self.loops);
        for (_, handle) in loops.values() {
            handle.cancel.cancel();
        }
        for (_, (_, handle)) in loops {
            let _ = handle.task.await;
        }
    }

    pub fn len(&self) -> usize {
        self.loops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.loops.is_empty()
    }

    pub fn targets(&self) -> Vec<TargetInfo> {
        self.loops
            .values()
            .map(|(t, h)| TargetInfo {
                url: t.url.clone(),
                labels: t.labels.clone(),
                discovered: t.discovered.clone(),
                status: h.status.lock().map(|s| s.clone()).unwrap_or_default(),
            })
            .collect()
    }
}

impl Drop for ScrapePool {
    fn drop(&mut self) {
        self.stop_all();
    }
}

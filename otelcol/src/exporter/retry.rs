//! `retry_on_failure`: exponential backoff with jitter, upstream's defaults.

use std::time::Duration;

use rand::Rng;

/// The `retry_on_failure` block.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryConfig {
    pub enabled: bool,
    pub initial_interval: Duration,
    /// The delay is drawn from `[I - f·I, I + f·I]`.
    pub randomization_factor: f64,
    pub multiplier: f64,
    pub max_interval: Duration,
    /// Give up after this long (0 = retry forever).
    pub max_elapsed_time: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            initial_interval: Duration::from_secs(5),
            randomization_factor: 0.5,
            multiplier: 1.5,
            max_interval: Duration::from_secs(30),
            max_elapsed_time: Duration::from_secs(300),
        }
    }
}

/// Backoff state for one request.
pub(crate) struct Backoff<'a> {
    cfg: &'a RetryConfig,
    current: Duration,
}

impl<'a> Backoff<'a> {
    pub(crate) fn new(cfg: &'a RetryConfig) -> Self {
        Self {
            cfg,
            current: cfg.initial_interval,
        }
    }

    /// The next jittered delay; the base interval then grows by `multiplier`
    /// up to `max_interval` (the cenkalti/backoff scheme upstream uses).
    pub(crate) fn next_delay(&mut self) -> Duration {
        let base = self.current.as_secs_f64();
        let f = self.cfg.randomization_factor.clamp(0.0, 1.0);
        let delay = if f > 0.0 {
            rand::rng().random_range((base * (1.0 - f))..=(base * (1.0 + f)))
        } else {
            base
        };
        let grown = (base * self.cfg.multiplier.max(1.0)).min(self.cfg.max_interval.as_secs_f64());
        self.current = Duration::from_secs_f64(grown.max(0.0));
        Duration::from_secs_f64(delay.max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_within_jitter_bounds() {
        let cfg = RetryConfig::default();
        let mut b = Backoff::new(&cfg);
        let d1 = b.next_delay().as_secs_f64();
        assert!((2.5..=7.5).contains(&d1), "{d1}");
        let d2 = b.next_delay().as_secs_f64();
        assert!((3.75..=11.25).contains(&d2), "{d2}");
        for _ in 0..20 {
            assert!(b.next_delay().as_secs_f64() <= 45.0);
        }
    }
}

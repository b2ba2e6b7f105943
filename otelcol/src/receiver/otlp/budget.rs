//! A receiver-wide bound on the memory requests take while they are decoded
//! and handed downstream.
//!
//! Every request reserves [`DECODE_FACTOR`] times its (decompressed) size
//! ([`ENCODED_FACTOR`] when it stays encoded, see `pdata/encoded.rs`) from
//! the receiver's budget before it is decoded, and gives it back once
//! the pipeline has taken or refused the data. When the budget is spent, a
//! request is refused with a retryable error (gRPC `UNAVAILABLE`, HTTP 503,
//! with a retry delay) and counted in
//! `otelcol_receiver_memory_limited_requests_total`, instead of the process
//! growing with every concurrent large request (24 concurrent 16 MB requests
//! took 1.47 GB). Data held after hand-off is bounded by the batch processor
//! and the exporter queue, not here.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ConsumeError;
use crate::telemetry::{Counter, Registry};

/// Bytes reserved per byte of a request that is decoded: the body and the
/// decoded batch. Measured (docs/benchmarks.md, "OTLP decoding memory"): a
/// 16.8 MB trace request with five attributes per span took 100 MB of RSS
/// decoded, 6.0 times its size.
pub const DECODE_FACTOR: usize = 6;

/// Bytes reserved per byte of a trace request kept encoded: the body, and
/// the exporter's request made of it. Measured: 1.1 times its size.
pub const ENCODED_FACTOR: usize = 2;

/// The receiver's own limit on the memory of requests in flight.
pub const DEFAULT_DECODE_MEMORY_LIMIT: usize = 512 << 20;

/// How long a refused client should wait.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Reservations are counted in KiB so that the limit fits the semaphore.
const UNIT: usize = 1024;

pub(crate) struct DecodeBudget {
    permits: Arc<Semaphore>,
    limit: usize,
    limited: Counter,
}

/// Memory reserved for one request; returned when dropped.
#[derive(Debug)]
pub(crate) struct Reservation(#[allow(dead_code)] Option<OwnedSemaphorePermit>);

impl DecodeBudget {
    pub(crate) fn new(limit: usize, registry: &Registry, receiver: &str) -> Self {
        let units = (limit / UNIT).clamp(1, Semaphore::MAX_PERMITS);
        Self {
            permits: Arc::new(Semaphore::new(units)),
            limit,
            limited: registry.int_counter(
                "otelcol_receiver_memory_limited_requests_total",
                "Requests refused because the receiver's decoding memory limit was reached.",
                &[("receiver", receiver)],
            ),
        }
    }

    /// Reserves memory for a request of `len` bytes that will be decoded
    /// (or kept encoded). A request larger than the whole budget may still
    /// run, alone.
    pub(crate) fn reserve(&self, len: usize, decoded: bool) -> Result<Reservation, ConsumeError> {
        if len == 0 {
            return Ok(Reservation(None));
        }
        let total = (self.limit / UNIT).max(1);
        let factor = if decoded {
            DECODE_FACTOR
        } else {
            ENCODED_FACTOR
        };
        let want = len.saturating_mul(factor).div_ceil(UNIT).clamp(1, total);
        let want = u32::try_from(want).unwrap_or(u32::MAX);
        match self.permits.clone().try_acquire_many_owned(want) {
            Ok(permit) => Ok(Reservation(Some(permit))),
            Err(_) => {
                self.limited.inc();
                Err(ConsumeError::retryable(format!(
                    "the receiver's decoding memory limit ({} MiB) is reached; retry later",
                    self.limit >> 20
                ))
                .with_retry_after(RETRY_AFTER))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_are_bounded_and_returned() {
        let reg = Registry::new();
        let budget = DecodeBudget::new(12 << 20, &reg, "otlp/t");
        let a = budget.reserve(1 << 20, true).expect("6 MiB of 12");
        let _b = budget.reserve(1 << 20, true).expect("12 MiB of 12");
        let refused = budget.reserve(1 << 20, true).expect_err("over the limit");
        assert!(!refused.is_permanent());
        assert_eq!(
            reg.sum("otelcol_receiver_memory_limited_requests_total", &[]),
            1.0
        );
        drop(a);
        budget.reserve(1 << 20, true).expect("returned on drop");
        // Larger than the whole budget: alone it may run.
        drop(_b);
    }
}

//! Processors: components between receivers and exporters.

pub mod attributes;
pub mod batch;
pub mod probabilistic_sampler;
pub mod tail_sampling;
pub mod span;
pub mod memory_limiter;

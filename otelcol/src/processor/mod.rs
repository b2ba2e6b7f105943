//! Processors: components between receivers and exporters.

pub mod attributes;
pub mod batch;
pub mod memory_limiter;
pub mod probabilistic_sampler;
pub mod span;
pub mod tail_sampling;

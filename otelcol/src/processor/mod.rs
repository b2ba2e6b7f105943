//! Processors: components between receivers and exporters.

pub mod attributes;
pub mod batch;
pub mod filter;
pub mod ottl_common;
pub mod transform;

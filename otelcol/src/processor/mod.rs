//! Processors: components between receivers and exporters.

pub mod attributes;
pub mod batch;
pub mod resourcedetection;

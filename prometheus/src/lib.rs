//! The Prometheus pipeline: sample and label model, write-ahead log and
//! remote write (sender and receiver).
//!
//! This crate knows nothing of Alloy syntax or the controller: the runtime
//! decodes component arguments into the option types here.

pub mod remote_write;
pub mod wal;

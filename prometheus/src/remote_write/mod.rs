//! Remote write: the wire messages, their encoders, the queue manager that
//! sends what the WAL holds, and the receiver.

pub mod client;
pub mod encode;
pub mod metrics;
pub mod progress;
pub mod proto;
pub mod queue;
pub mod receive;
pub mod storage;

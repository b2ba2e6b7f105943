//! Remote write: the wire messages, their encoders, the queue manager that
//! sends what the WAL holds, and the receiver.

pub mod encode;
pub mod proto;

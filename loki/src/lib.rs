//! The Loki log pipeline, independent of Alloy syntax and of the runtime's
//! controller.
//!
//! * [`entry`]: the entry model (labels, timestamp, line, structured
//!   metadata). Entries are cheap to clone: labels, line and metadata are
//!   shared until a stage changes them, so fanning out to several receivers
//!   copies pointers, not text.
//! * [`receiver`]: what a component sends entries to ([`Receiver`]) and
//!   fan-out to several of them.
//! * [`push`]: Loki's push wire formats (protobuf + snappy block, JSON with
//!   optional gzip), both directions.
//! * [`write`]: the `loki.write` client: one bounded queue and worker per
//!   endpoint, batching, retries with backoff, upstream's metrics.
//! * [`process`]: the `loki.process` stages.
//! * [`source`]: sources (the push API server).
//! * [`sink`]: a Loki-compatible push sink that records what it decodes
//!   (test support for this crate, the runtime and the binary).
//! * [`metrics`]: the counters and histograms the components expose.

pub mod entry;
pub mod metrics;
pub mod process;
pub mod push;
pub mod receiver;
pub mod sink;
pub mod source;
pub mod time;
pub mod write;

pub use entry::{Entry, Labels, Timestamp};
pub use receiver::{Fanout, Receiver};

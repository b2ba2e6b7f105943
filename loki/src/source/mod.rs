//! Sources: where entries enter a pipeline.
//!
//! * [`api`]: Loki's push API (`loki.source.api`).

pub mod api;

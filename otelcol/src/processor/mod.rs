//! Processors: components between receivers and exporters.

pub mod attributes;
pub mod batch;
pub mod filter;
pub mod memory_limiter;
pub mod ottl_common;
pub mod probabilistic_sampler;
pub mod resourcedetection;
pub mod span;
pub mod tail_sampling;
pub mod transform;

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};

/// Sets string attribute `key` (replacing its value in place if present,
/// as pdata's `PutStr` does).
pub(crate) fn upsert_str(attrs: &mut Vec<KeyValue>, key: &str, value: String) {
    let value = Some(AnyValue {
        value: Some(any_value::Value::StringValue(value)),
    });
    match attrs.iter_mut().find(|kv| kv.key == key) {
        Some(kv) => kv.value = value,
        None => attrs.push(KeyValue {
            key: key.to_owned(),
            value,
            ..Default::default()
        }),
    }
}

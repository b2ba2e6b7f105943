//! The `env` detector: `OTEL_RESOURCE_ATTRIBUTES` as the OpenTelemetry
//! specification defines it (`key=value` pairs separated by commas, values
//! percent-encoded).

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};

use super::DetectError;

pub(super) fn string_kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
        ..Default::default()
    }
}

/// Parses the variable's value; a malformed pair fails the whole value, as
/// upstream (half a resource is worse than none).
pub fn parse_resource_attributes(raw: &str) -> Result<Vec<KeyValue>, DetectError> {
    let mut out = Vec::new();
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(out);
    }
    for pair in raw.split(',') {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!(
                "invalid format for OTEL_RESOURCE_ATTRIBUTES: {pair:?}, expected key=value"
            ));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(format!(
                "invalid format for OTEL_RESOURCE_ATTRIBUTES: {pair:?}, empty key"
            ));
        }
        let value = percent_decode(value.trim()).ok_or_else(|| {
            format!("invalid percent-encoding in OTEL_RESOURCE_ATTRIBUTES value {value:?}")
        })?;
        match out.iter_mut().find(|kv: &&mut KeyValue| kv.key == key) {
            Some(existing) => *existing = string_kv(key, &value),
            None => out.push(string_kv(key, &value)),
        }
    }
    Ok(out)
}

/// Go's `url.QueryUnescape`: `%XX` escapes and `+` as a space.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_trimmed_and_decoded() {
        let kvs = parse_resource_attributes(" service.name = api , team=a%2Cb+c,service.name=web")
            .expect("valid");
        let got: Vec<(String, String)> = kvs
            .iter()
            .map(|kv| {
                let v = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                    Some(any_value::Value::StringValue(s)) => s.clone(),
                    _ => String::new(),
                };
                (kv.key.clone(), v)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("service.name".into(), "web".into()),
                ("team".into(), "a,b c".into())
            ]
        );
        assert!(parse_resource_attributes("novalue").is_err());
        assert!(parse_resource_attributes("k=%zz").is_err());
        assert!(parse_resource_attributes("").expect("empty").is_empty());
    }
}

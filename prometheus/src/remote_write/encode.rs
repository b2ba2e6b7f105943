//! Label and request encoding for remote write.
//!
//! Series labels are kept as the protobuf bytes of `repeated Label` (field
//! 1 of `TimeSeries`), so a 1.0 request is assembled by copying them next
//! to freshly encoded samples, without building message structs.

use prost::Message as _;

use super::proto;
use crate::wal::record::{put_uvarint, Decoder};

fn put_string_field(out: &mut Vec<u8>, tag: u8, s: &[u8]) {
    out.push(tag);
    put_uvarint(out, s.len() as u64);
    out.extend_from_slice(s);
}

fn uvarint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// Encodes labels (must be sorted by name) as `repeated Label` field 1.
pub fn encode_labels<'a>(out: &mut Vec<u8>, labels: impl IntoIterator<Item = (&'a str, &'a str)>) {
    for (name, value) in labels {
        let mut inner = 0;
        if !name.is_empty() {
            inner += 1 + uvarint_len(name.len() as u64) + name.len();
        }
        if !value.is_empty() {
            inner += 1 + uvarint_len(value.len() as u64) + value.len();
        }
        out.push(0x0a);
        put_uvarint(out, inner as u64);
        if !name.is_empty() {
            put_string_field(out, 0x0a, name.as_bytes());
        }
        if !value.is_empty() {
            put_string_field(out, 0x12, value.as_bytes());
        }
    }
}

/// The (name, value) pairs of encoded labels. Invalid bytes end the list.
pub fn decode_labels(bytes: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut d = Decoder::new(bytes);
    while !d.is_empty() {
        let Ok(tag) = d.uvarint() else { break };
        let Ok(len) = d.uvarint() else { break };
        let Ok(inner) = d.bytes(len as usize) else {
            break;
        };
        if tag != 0x0a {
            continue;
        }
        let Ok(label) = proto::Label::decode(inner) else {
            break;
        };
        out.push((label.name, label.value));
    }
    out
}

/// Appends one 1.0 `TimeSeries` (field 1 of `WriteRequest`) with the
/// given encoded labels and samples.
pub fn put_timeseries_v1(out: &mut Vec<u8>, labels: &[u8], samples: &[(i64, f64)]) {
    let mut body = labels.len();
    for &(t, _) in samples {
        let inner = 9 + if t == 0 { 0 } else { 1 + uvarint_len(t as u64) };
        body += 1 + uvarint_len(inner as u64) + inner;
    }
    out.push(0x0a);
    put_uvarint(out, body as u64);
    out.extend_from_slice(labels);
    for &(t, v) in samples {
        let inner = 9 + if t == 0 { 0 } else { 1 + uvarint_len(t as u64) };
        out.push(0x12);
        put_uvarint(out, inner as u64);
        out.push(0x09);
        out.extend_from_slice(&v.to_bits().to_le_bytes());
        if t != 0 {
            out.push(0x10);
            put_uvarint(out, t as u64);
        }
    }
}

/// The encoded 2.0 request for (encoded labels, samples) series.
pub fn encode_v2<'a>(series: impl IntoIterator<Item = (&'a [u8], &'a [(i64, f64)])>) -> Vec<u8> {
    build_v2(series).encode_to_vec()
}

/// Builds a 2.0 request from (encoded labels, samples) series.
pub fn build_v2<'a>(
    series: impl IntoIterator<Item = (&'a [u8], &'a [(i64, f64)])>,
) -> proto::v2::Request {
    let mut symbols = vec![String::new()];
    let mut index: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut intern = |s: String, symbols: &mut Vec<String>| -> u32 {
        if s.is_empty() {
            return 0;
        }
        if let Some(&i) = index.get(&s) {
            return i;
        }
        let i = symbols.len() as u32;
        index.insert(s.clone(), i);
        symbols.push(s);
        i
    };
    let mut timeseries = Vec::new();
    for (labels, samples) in series {
        let mut refs = Vec::new();
        for (n, v) in decode_labels(labels) {
            refs.push(intern(n, &mut symbols));
            refs.push(intern(v, &mut symbols));
        }
        timeseries.push(proto::v2::TimeSeries {
            labels_refs: refs,
            samples: samples
                .iter()
                .map(|&(t, v)| proto::Sample {
                    value: v,
                    timestamp: t,
                })
                .collect(),
            ..Default::default()
        });
    }
    proto::v2::Request {
        symbols,
        timeseries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_encoded_v1_equals_prost() {
        let mut labels = Vec::new();
        encode_labels(
            &mut labels,
            [("__name__", "up"), ("empty", ""), ("job", "x")],
        );
        let samples = [(0i64, 1.0f64), (1_700_000_000_000, -2.5), (-5, f64::NAN)];
        let mut ours = Vec::new();
        put_timeseries_v1(&mut ours, &labels, &samples);
        let theirs = proto::WriteRequest {
            timeseries: vec![proto::TimeSeries {
                labels: vec![
                    proto::Label {
                        name: "__name__".into(),
                        value: "up".into(),
                    },
                    proto::Label {
                        name: "empty".into(),
                        value: String::new(),
                    },
                    proto::Label {
                        name: "job".into(),
                        value: "x".into(),
                    },
                ],
                samples: samples
                    .iter()
                    .map(|&(t, v)| proto::Sample {
                        value: v,
                        timestamp: t,
                    })
                    .collect(),
                ..Default::default()
            }],
            metadata: vec![],
        }
        .encode_to_vec();
        assert_eq!(ours, theirs);
        let pairs = decode_labels(&labels);
        assert_eq!(pairs[2], ("job".to_owned(), "x".to_owned()));
    }

    #[test]
    fn v2_interns_symbols_once() {
        let mut a = Vec::new();
        encode_labels(&mut a, [("__name__", "up"), ("job", "up")]);
        let s = [(5i64, 1.0f64)];
        let req = build_v2([(&a[..], &s[..])]);
        assert_eq!(req.symbols, vec!["", "__name__", "up", "job"]);
        assert_eq!(req.timeseries[0].labels_refs, vec![1, 2, 3, 2]);
    }
}

//! Loki's push API wire formats.
//!
//! * `application/x-protobuf` with `Content-Encoding: snappy`: a
//!   [`proto::PushRequest`] compressed with snappy's *block* format (what
//!   Loki, Promtail and Alloy send; not the framed stream format).
//! * `application/json`, optionally gzip: `{"streams":[{"stream":{..},
//!   "values":[["<unix ns>","line",{metadata}]]}]}`.
//!
//! [`encode_proto`] builds a request from entries (grouped by stream, order
//! kept); [`decode`] reads either format back into entries, refusing a body
//! that is not what its headers say with a [`DecodeError`].

pub mod proto;
pub mod selector;

use std::collections::HashMap;
use std::io::Read;

use prost::Message;

use crate::entry::{Entry, Labels, Metadata, Timestamp};
use proto::{EntryAdapter, LabelPairAdapter, ProtoTimestamp, PushRequest, StreamAdapter};

/// Why a push body was refused. The text is what the push API answers with
/// (HTTP 400 or 415).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("unsupported Content-Type {0:?}")]
    UnsupportedContentType(String),
    #[error("unsupported Content-Encoding {0:?}")]
    UnsupportedEncoding(String),
    #[error("decompressing snappy body: {0}")]
    Snappy(String),
    #[error("decompressing gzip body: {0}")]
    Gzip(String),
    #[error("decoding protobuf push request: {0}")]
    Proto(String),
    #[error("decoding JSON push request: {0}")]
    Json(String),
    #[error("invalid labels {labels:?}: {reason}")]
    Labels { labels: String, reason: String },
    #[error("invalid timestamp {0:?}: expected unix nanoseconds")]
    Timestamp(String),
    #[error("body exceeds the limit of {0} bytes")]
    TooLarge(usize),
}

/// Groups entries by stream (in order of first appearance; entries of one
/// stream keep their order) into a push request.
pub fn build_request(entries: &[Entry]) -> PushRequest {
    let mut index: HashMap<&Labels, usize> = HashMap::new();
    let mut streams: Vec<StreamAdapter> = Vec::new();
    for entry in entries {
        let i = *index.entry(&entry.labels).or_insert_with(|| {
            streams.push(StreamAdapter {
                labels: entry.labels.to_string(),
                entries: Vec::new(),
                hash: 0,
            });
            streams.len() - 1
        });
        streams[i].entries.push(EntryAdapter {
            timestamp: Some(ProtoTimestamp {
                seconds: entry.timestamp.secs,
                nanos: entry.timestamp.nanos as i32,
            }),
            line: entry.line.to_string(),
            structured_metadata: entry
                .structured_metadata
                .iter()
                .map(|(name, value)| LabelPairAdapter {
                    name: name.to_owned(),
                    value: value.to_owned(),
                })
                .collect(),
            parsed: Vec::new(),
        });
    }
    PushRequest { streams }
}

/// Protobuf-encodes and snappy-compresses (block format) a push request.
pub fn encode_proto(entries: &[Entry]) -> Vec<u8> {
    let raw = build_request(entries).encode_to_vec();
    // Compressing into a buffer of `max_compress_len` cannot fail.
    snap::raw::Encoder::new()
        .compress_vec(&raw)
        .unwrap_or_default()
}

/// JSON push body (the format `curl` users and some clients send).
pub fn encode_json(entries: &[Entry]) -> Vec<u8> {
    let request = build_request(entries);
    let streams: Vec<serde_json::Value> = request
        .streams
        .iter()
        .zip(group_labels(entries))
        .map(|(stream, labels)| {
            let values: Vec<serde_json::Value> = stream
                .entries
                .iter()
                .map(|e| {
                    let ts = e
                        .timestamp
                        .map(|t| t.seconds as i128 * 1_000_000_000 + t.nanos as i128)
                        .unwrap_or(0);
                    let mut v = vec![
                        serde_json::Value::String(ts.to_string()),
                        serde_json::Value::String(e.line.clone()),
                    ];
                    if !e.structured_metadata.is_empty() {
                        let sm: serde_json::Map<String, serde_json::Value> = e
                            .structured_metadata
                            .iter()
                            .map(|p| (p.name.clone(), serde_json::Value::String(p.value.clone())))
                            .collect();
                        v.push(serde_json::Value::Object(sm));
                    }
                    serde_json::Value::Array(v)
                })
                .collect();
            let stream_labels: serde_json::Map<String, serde_json::Value> = labels
                .iter()
                .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v.to_owned())))
                .collect();
            serde_json::json!({"stream": stream_labels, "values": values})
        })
        .collect();
    serde_json::json!({ "streams": streams })
        .to_string()
        .into_bytes()
}

fn group_labels(entries: &[Entry]) -> Vec<Labels> {
    let mut seen: Vec<Labels> = Vec::new();
    let mut index: HashMap<&Labels, ()> = HashMap::new();
    for e in entries {
        if index.insert(&e.labels, ()).is_none() {
            seen.push(e.labels.clone());
        }
    }
    seen
}

/// What kind of body a push carries, from its headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/x-protobuf` (snappy unless told otherwise).
    Proto,
    /// `application/json` (or no content type, as Loki assumes JSON).
    Json,
}

impl BodyFormat {
    pub fn from_content_type(content_type: Option<&str>) -> Result<BodyFormat, DecodeError> {
        let ct = content_type.unwrap_or("application/json");
        let media = ct.split(';').next().unwrap_or("").trim();
        match media.to_ascii_lowercase().as_str() {
            "application/x-protobuf" | "application/protobuf" => Ok(BodyFormat::Proto),
            "application/json" | "" => Ok(BodyFormat::Json),
            _ => Err(DecodeError::UnsupportedContentType(ct.to_owned())),
        }
    }
}

/// Decodes a push body into entries. `content_encoding` is the header's
/// value: protobuf bodies are snappy-compressed unless it says otherwise,
/// JSON bodies may be gzip. `limit` bounds the decompressed size.
pub fn decode(
    body: &[u8],
    content_type: Option<&str>,
    content_encoding: Option<&str>,
    limit: usize,
) -> Result<Vec<Entry>, DecodeError> {
    let format = BodyFormat::from_content_type(content_type)?;
    let encoding = content_encoding.map(|e| e.trim().to_ascii_lowercase());
    let raw: std::borrow::Cow<'_, [u8]> = match (format, encoding.as_deref()) {
        (BodyFormat::Proto, None | Some("snappy")) | (BodyFormat::Json, Some("snappy")) => {
            let len =
                snap::raw::decompress_len(body).map_err(|e| DecodeError::Snappy(e.to_string()))?;
            if len > limit {
                return Err(DecodeError::TooLarge(limit));
            }
            snap::raw::Decoder::new()
                .decompress_vec(body)
                .map_err(|e| DecodeError::Snappy(e.to_string()))?
                .into()
        }
        (_, Some("gzip")) => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(body)
                .take(limit as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| DecodeError::Gzip(e.to_string()))?;
            if out.len() > limit {
                return Err(DecodeError::TooLarge(limit));
            }
            out.into()
        }
        (_, None | Some("identity") | Some("")) => body.into(),
        (_, Some(other)) => return Err(DecodeError::UnsupportedEncoding(other.to_owned())),
    };
    match format {
        BodyFormat::Proto => decode_proto(&raw),
        BodyFormat::Json => decode_json(&raw),
    }
}

/// Decodes an uncompressed protobuf push request.
pub fn decode_proto(raw: &[u8]) -> Result<Vec<Entry>, DecodeError> {
    let request = PushRequest::decode(raw).map_err(|e| DecodeError::Proto(e.to_string()))?;
    let mut out = Vec::new();
    for stream in request.streams {
        let labels = Labels::parse(&stream.labels).map_err(|reason| DecodeError::Labels {
            labels: stream.labels.clone(),
            reason,
        })?;
        for e in stream.entries {
            let ts = e.timestamp.unwrap_or_default();
            let nanos = ts.nanos.clamp(0, 999_999_999) as u32;
            out.push(Entry {
                labels: labels.clone(),
                timestamp: Timestamp::new(ts.seconds, nanos),
                line: e.line.into(),
                structured_metadata: e
                    .structured_metadata
                    .into_iter()
                    .map(|p| (p.name, p.value))
                    .collect::<Metadata>(),
            });
        }
    }
    Ok(out)
}

#[derive(serde::Deserialize)]
struct JsonPush {
    #[serde(default)]
    streams: Vec<JsonStream>,
}

#[derive(serde::Deserialize)]
struct JsonStream {
    #[serde(default)]
    stream: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<JsonValue>,
}

/// `["<ns>", "line"]` or `["<ns>", "line", {metadata}]`.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum JsonValue {
    Plain((String, String)),
    WithMetadata((String, String, std::collections::BTreeMap<String, String>)),
}

/// Decodes an uncompressed JSON push request.
pub fn decode_json(raw: &[u8]) -> Result<Vec<Entry>, DecodeError> {
    let request: JsonPush =
        serde_json::from_slice(raw).map_err(|e| DecodeError::Json(e.to_string()))?;
    let mut out = Vec::new();
    for stream in request.streams {
        for (name, _) in stream.stream.iter() {
            if !selector::valid_label_name(name) {
                return Err(DecodeError::Labels {
                    labels: format!("{:?}", stream.stream),
                    reason: format!("invalid label name {name:?}"),
                });
            }
        }
        let labels = Labels::from(stream.stream);
        for value in stream.values {
            let (ts, line, metadata) = match value {
                JsonValue::Plain((ts, line)) => (ts, line, Default::default()),
                JsonValue::WithMetadata((ts, line, sm)) => (ts, line, sm),
            };
            let nanos: i128 = ts.parse().map_err(|_| DecodeError::Timestamp(ts.clone()))?;
            out.push(Entry {
                labels: labels.clone(),
                timestamp: Timestamp::from_unix_nanos(nanos),
                line: line.into(),
                structured_metadata: metadata.into_iter().collect(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Vec<Entry> {
        let a: Labels = [("job", "a")].into_iter().collect();
        let b: Labels = [("job", "b"), ("env", "x\"y")].into_iter().collect();
        let mut e1 = Entry::new(a.clone(), Timestamp::new(1, 5), "one");
        e1.structured_metadata = [("trace_id", "abc")].into_iter().collect();
        vec![
            e1,
            Entry::new(b.clone(), Timestamp::new(2, 0), "two"),
            Entry::new(a, Timestamp::new(3, 0), "three"),
            Entry::new(b, Timestamp::new(-5, 7), "four"),
        ]
    }

    fn sorted_by_stream(mut v: Vec<Entry>) -> Vec<Entry> {
        v.sort_by(|x, y| x.labels.cmp(&y.labels));
        v
    }

    #[test]
    fn proto_snappy_round_trip_keeps_stream_order() {
        let body = encode_proto(&entries());
        let back = decode(&body, Some("application/x-protobuf"), None, 1 << 20).expect("decodes");
        assert_eq!(sorted_by_stream(back), sorted_by_stream(entries()));
        let request = build_request(&entries());
        assert_eq!(request.streams.len(), 2);
        assert_eq!(request.streams[0].labels, "{job=\"a\"}");
        assert_eq!(request.streams[1].labels, "{env=\"x\\\"y\", job=\"b\"}");
    }

    #[test]
    fn json_and_gzip_round_trip() {
        use std::io::Write;
        let body = encode_json(&entries());
        let back = decode(&body, Some("application/json"), None, 1 << 20).expect("decodes");
        assert_eq!(sorted_by_stream(back), sorted_by_stream(entries()));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&body).expect("gzip");
        let gz = gz.finish().expect("gzip");
        let back = decode(&gz, Some("application/json"), Some("gzip"), 1 << 20).expect("decodes");
        assert_eq!(back.len(), 4);
    }

    #[test]
    fn a_body_that_is_not_what_its_type_says_is_refused() {
        let json = encode_json(&entries());
        assert!(matches!(
            decode(&json, Some("application/x-protobuf"), None, 1 << 20),
            Err(DecodeError::Snappy(_))
        ));
        let proto = encode_proto(&entries());
        assert!(matches!(
            decode(&proto, Some("application/json"), None, 1 << 20),
            Err(DecodeError::Json(_))
        ));
        assert!(matches!(
            decode(b"x", Some("text/plain"), None, 1 << 20),
            Err(DecodeError::UnsupportedContentType(_))
        ));
        assert!(matches!(
            decode(&proto, Some("application/x-protobuf"), None, 3),
            Err(DecodeError::TooLarge(3))
        ));
    }
}

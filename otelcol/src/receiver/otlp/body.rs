//! OTLP/HTTP request bodies: content negotiation, decompression with a size
//! cap (so a small gzip bomb cannot expand past `max_request_body_size`), and
//! protobuf / OTLP-JSON decoding.

use std::io::Read;

use bytes::Bytes;

/// The two OTLP/HTTP encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Proto,
    Json,
}

impl Encoding {
    /// Parses a `Content-Type` the way Go's `mime.ParseMediaType` is used
    /// upstream: parameters are ignored, the type is case-insensitive.
    pub fn from_content_type(ct: &str) -> Option<Self> {
        let media = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/x-protobuf" => Some(Encoding::Proto),
            "application/json" => Some(Encoding::Json),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Proto => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// Why a body could not be turned into a request; all are client errors (400).
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("request body too large (limit {limit} bytes)")]
    TooLarge { limit: usize },
    #[error("unsupported Content-Encoding {0:?}")]
    UnsupportedEncoding(String),
    #[error("decompressing {encoding} body: {source}")]
    Decompress {
        encoding: &'static str,
        source: std::io::Error,
    },
    #[error("decoding protobuf: {0}")]
    Proto(#[from] prost::DecodeError),
    #[error("decoding JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Upstream's own text, so clients see the collector's message.
    #[error("{0}")]
    Ids(&'static str),
}

/// Undoes `Content-Encoding` with the output capped at `limit` bytes.
pub fn decompress(content_encoding: &str, body: Bytes, limit: usize) -> Result<Bytes, BodyError> {
    let enc = content_encoding.trim().to_ascii_lowercase();
    let capped = |mut r: Box<dyn Read + '_>, encoding: &'static str| -> Result<Bytes, BodyError> {
        let mut out = Vec::new();
        (&mut r)
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|source| BodyError::Decompress { encoding, source })?;
        if out.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        Ok(Bytes::from(out))
    };
    match enc.as_str() {
        "" | "identity" => Ok(body),
        "gzip" | "x-gzip" => capped(
            Box::new(flate2::read::MultiGzDecoder::new(&body[..])),
            "gzip",
        ),
        // Go's confighttp reads both names with a zlib reader.
        "deflate" | "zlib" => capped(Box::new(flate2::read::ZlibDecoder::new(&body[..])), "zlib"),
        other => Err(BodyError::UnsupportedEncoding(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use serde::de::DeserializeOwned;
    use serde::Serialize;

    pub fn decode<T: Message + Default + DeserializeOwned>(
        enc: Encoding,
        body: &[u8],
    ) -> Result<T, BodyError> {
        match enc {
            Encoding::Proto => Ok(T::decode(body)?),
            Encoding::Json => Ok(serde_json::from_slice(body)?),
        }
    }

    pub fn encode<T: Message + Serialize>(enc: Encoding, msg: &T) -> Vec<u8> {
        match enc {
            Encoding::Proto => msg.encode_to_vec(),
            // Serialising a generated OTLP message to a Vec cannot fail.
            Encoding::Json => serde_json::to_vec(msg).unwrap_or_else(|_| b"{}".to_vec()),
        }
    }
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use std::io::Write;

    #[test]
    fn content_type_parsing() {
        assert_eq!(
            Encoding::from_content_type("application/json; charset=utf-8"),
            Some(Encoding::Json)
        );
        assert_eq!(
            Encoding::from_content_type("Application/X-Protobuf"),
            Some(Encoding::Proto)
        );
        assert_eq!(Encoding::from_content_type("text/plain"), None);
    }

    #[test]
    fn gzip_bomb_is_capped_and_truncation_is_an_error() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&vec![0u8; 1 << 20]).unwrap_or_default();
        let full = gz.finish().unwrap_or_default();
        assert!(matches!(
            decompress("gzip", Bytes::from(full.clone()), 1000),
            Err(BodyError::TooLarge { .. })
        ));
        assert_eq!(
            decompress("gzip", Bytes::from(full.clone()), 1 << 20)
                .map(|b| b.len())
                .ok(),
            Some(1 << 20)
        );
        let truncated = Bytes::from(full[..full.len() / 2].to_vec());
        assert!(matches!(
            decompress("gzip", truncated, 1 << 21),
            Err(BodyError::Decompress { .. })
        ));
    }

    #[test]
    fn otlp_json_rules() {
        let json = br#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
            "scopeSpans":[{"scope":{"name":"lib"},"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",
            "spanId":"eee19b7ec3c1b174","name":"op","kind":2,"startTimeUnixNano":"1544712660000000000",
            "endTimeUnixNano":1544712661000000000,"unknownField":{"x":1},
            "attributes":[{"key":"n","value":{"intValue":"42"}}],"status":{"code":1}}]}]}]}"#;
        let req: ExportTraceServiceRequest = decode(Encoding::Json, json).expect("valid OTLP JSON");
        let span = &req.resource_spans[0].scope_spans[0].spans[0];
        assert_eq!(span.trace_id.len(), 16);
        assert_eq!(
            span.span_id,
            vec![0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74]
        );
        assert_eq!(span.kind, 2);
        assert_eq!(span.end_time_unix_nano, 1544712661000000000);
        let out = String::from_utf8(encode(Encoding::Json, &req)).unwrap_or_default();
        assert!(
            out.contains("\"traceId\":\"5b8efff798038103d269b633813fc60c\""),
            "{out}"
        );
        assert!(
            out.contains("\"startTimeUnixNano\":\"1544712660000000000\""),
            "{out}"
        );
    }
}

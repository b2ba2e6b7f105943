//! How a downstream refusal is reported to OTLP clients.
//!
//! Mirrors upstream's `otlpreceiver/internal/errors`: non-permanent errors
//! become `UNAVAILABLE` (HTTP 503) so clients retry, permanent ones become
//! `INTERNAL` (500). Backpressure with a delay hint becomes
//! `RESOURCE_EXHAUSTED` + `RetryInfo` (HTTP 429 + `Retry-After`), the only
//! form of `RESOURCE_EXHAUSTED` the OTLP spec lets clients retry.

use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use prost::Message;
use tonic::Code;

use crate::error::{ConsumeError, ConsumeErrorKind};

/// `google.rpc.Status`, the error body of OTLP/HTTP and the detail payload of
/// gRPC errors.
#[derive(Clone, PartialEq, Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<ProtoAny>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Message)]
pub struct ProtoAny {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.rpc.RetryInfo`.
#[derive(Clone, PartialEq, Message)]
pub struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    pub retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, Message)]
pub struct ProtoDuration {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

pub const RETRY_INFO_TYPE: &str = "type.googleapis.com/google.rpc.RetryInfo";

impl RetryInfo {
    pub fn from_delay(d: Duration) -> Self {
        RetryInfo {
            retry_delay: Some(ProtoDuration {
                seconds: d.as_secs().min(i64::MAX as u64) as i64,
                nanos: d.subsec_nanos() as i32,
            }),
        }
    }

    pub fn delay(&self) -> Option<Duration> {
        let d = self.retry_delay.as_ref()?;
        if d.seconds < 0 || d.nanos < 0 {
            return None;
        }
        Some(Duration::new(d.seconds as u64, d.nanos as u32))
    }
}

/// Finds a `RetryInfo` delay in an encoded `google.rpc.Status`.
pub fn retry_delay_from_details(details: &[u8]) -> Option<Duration> {
    let st = RpcStatus::decode(details).ok()?;
    st.details
        .iter()
        .filter(|a| a.type_url == RETRY_INFO_TYPE)
        .find_map(|a| RetryInfo::decode(a.value.as_slice()).ok()?.delay())
}

/// The gRPC code for a consumer refusal.
pub fn grpc_code(err: &ConsumeError) -> Code {
    match err.kind() {
        ConsumeErrorKind::Permanent => Code::Internal,
        ConsumeErrorKind::Retryable => Code::Unavailable,
        ConsumeErrorKind::Backpressure if err.retry_after().is_some() => Code::ResourceExhausted,
        ConsumeErrorKind::Backpressure => Code::Unavailable,
    }
}

/// `google.rpc.Status` for a refusal, with `RetryInfo` when there is a hint.
pub fn rpc_status(code: Code, message: &str, retry_after: Option<Duration>) -> RpcStatus {
    RpcStatus {
        code: code as i32,
        message: message.to_string(),
        details: retry_after
            .map(|d| ProtoAny {
                type_url: RETRY_INFO_TYPE.to_string(),
                value: RetryInfo::from_delay(d).encode_to_vec(),
            })
            .into_iter()
            .collect(),
    }
}

/// A tonic status for a refusal.
pub fn to_grpc_status(err: &ConsumeError) -> tonic::Status {
    let code = grpc_code(err);
    match err.retry_after() {
        Some(d) => tonic::Status::with_details(
            code,
            err.message().to_string(),
            Bytes::from(rpc_status(code, err.message(), Some(d)).encode_to_vec()),
        ),
        None => tonic::Status::new(code, err.message().to_string()),
    }
}

/// Upstream's gRPC-code → HTTP-status table (`GetHTTPStatusCodeFromStatus`).
pub fn http_status_for(code: Code) -> StatusCode {
    match code {
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss => StatusCode::SERVICE_UNAVAILABLE,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::InvalidArgument => StatusCode::BAD_REQUEST,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::Unimplemented => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_to_retryable_codes() {
        let e = ConsumeError::backpressure("queue full");
        assert_eq!(grpc_code(&e), Code::Unavailable);
        assert_eq!(
            http_status_for(grpc_code(&e)),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let e = e.with_retry_after(Duration::from_secs(3));
        assert_eq!(
            http_status_for(grpc_code(&e)),
            StatusCode::TOO_MANY_REQUESTS
        );
        let st = to_grpc_status(&e);
        assert_eq!(
            retry_delay_from_details(st.details()),
            Some(Duration::from_secs(3))
        );
        assert_eq!(grpc_code(&ConsumeError::permanent("x")), Code::Internal);
    }
}

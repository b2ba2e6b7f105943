//! A guard in front of tower-lsp-server's decoder.
//!
//! tower-lsp-server reads messages with a `tokio_util` `FramedRead`, which
//! ends the stream after the first decoding error: one message that is not
//! valid JSON-RPC (bad JSON, a wrong `jsonrpc` version, an `id` that is an
//! object) would stop the server. So the input is framed here first; every
//! message that the decoder would reject is replaced by a request to
//! [`INVALID_MESSAGE`], which answers with the JSON-RPC error the client
//! should get (`-32700` parse error, `-32600` invalid request, with the
//! message's `id` when it has a usable one, else `null`). Valid messages pass
//! through byte for byte.

use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tower_lsp_server::jsonrpc;

/// The method that answers for a message the server could not read.
pub const INVALID_MESSAGE: &str = "alloy/internal/invalidMessage";

/// Parameters of [`INVALID_MESSAGE`].
#[derive(Debug, Deserialize)]
pub struct InvalidMessage {
    pub code: i64,
    pub message: String,
}

impl InvalidMessage {
    pub fn error(&self) -> jsonrpc::Error {
        let code = match self.code {
            -32700 => jsonrpc::ErrorCode::ParseError,
            _ => jsonrpc::ErrorCode::InvalidRequest,
        };
        jsonrpc::Error {
            code,
            message: self.message.clone().into(),
            data: None,
        }
    }
}

/// Bodies larger than this are refused (and skipped) rather than buffered.
const MAX_BODY: usize = 256 << 20;

/// The fields tower-lsp-server's decoder checks, read without building
/// values (a `didChange` carries the whole document, so this is on the
/// typing path; other fields are skipped unread). Its `Request` accepts any
/// object with `"jsonrpc": "2.0"`, a string `method` (or none) and an
/// integer, string or null `id` (or none).
#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(borrow)]
    jsonrpc: std::borrow::Cow<'a, str>,
    #[serde(default, borrow, rename = "method")]
    _method: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, rename = "id")]
    _id: Option<ProbeId>,
}

/// An `id` as the decoder's `Id` accepts it; only validated, never read.
#[derive(Deserialize)]
#[serde(untagged)]
#[allow(dead_code)]
enum ProbeId {
    Number(i64),
    String(String),
}

/// What the server's decoder accepts: a response or a request. The cheap
/// probe decides the common case; anything it rejects is checked again
/// with the decoder's own types, so the guard never refuses a message the
/// server would have read.
fn is_valid(body: &[u8]) -> bool {
    if serde_json::from_slice::<Probe<'_>>(body).is_ok_and(|p| p.jsonrpc == "2.0") {
        return true;
    }
    serde_json::from_slice::<jsonrpc::Response>(body).is_ok()
        || serde_json::from_slice::<jsonrpc::Request>(body).is_ok()
}

/// The stand-in request for an unreadable message.
fn replacement(body: &[u8]) -> Vec<u8> {
    let (id, code, message) = match serde_json::from_slice::<Value>(body) {
        Err(err) => (Value::Null, -32700, format!("parse error: {err}")),
        Ok(value) => {
            let id = match value.get("id") {
                Some(id @ Value::String(_)) => id.clone(),
                Some(Value::Number(n)) if n.as_i64().is_some() => Value::Number(n.clone()),
                _ => Value::Null,
            };
            (
                id,
                -32600,
                "invalid request: not a JSON-RPC 2.0 message".to_owned(),
            )
        }
    };
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "method": INVALID_MESSAGE,
        "params": { "code": code, "message": message },
    })
    .to_string()
    .into_bytes()
}

async fn write_frame<W: AsyncWrite + Unpin>(out: &mut W, body: &[u8]) -> std::io::Result<()> {
    out.write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes())
        .await?;
    out.write_all(body).await?;
    out.flush().await
}

/// Copies framed messages from `input` to `output`, replacing the ones the
/// server could not decode. Ends at the end of the input.
pub async fn guard<R, W>(input: R, mut output: W)
where
    R: tokio::io::AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut reader = BufReader::new(input);
    let mut line = Vec::new();
    loop {
        // Headers, up to an empty line.
        let mut length: Option<usize> = None;
        let mut saw_header = false;
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim();
            if text.is_empty() {
                if saw_header {
                    break;
                }
                continue;
            }
            saw_header = true;
            if let Some((name, value)) = text.split_once(':') {
                if name.trim().eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().ok();
                }
            }
        }
        let Some(length) = length else {
            // No usable length: nothing to read; wait for the next header.
            continue;
        };
        if length > MAX_BODY {
            let mut skip = (&mut reader).take(length as u64);
            if tokio::io::copy(&mut skip, &mut tokio::io::sink())
                .await
                .is_err()
            {
                return;
            }
            let body = replacement(b"");
            if write_frame(&mut output, &body).await.is_err() {
                return;
            }
            continue;
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        if body.is_empty() {
            continue;
        }
        let result = if is_valid(&body) {
            write_frame(&mut output, &body).await
        } else {
            write_frame(&mut output, &replacement(&body)).await
        };
        if result.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_invalid_messages() {
        assert!(is_valid(br#"{"jsonrpc":"2.0","id":1,"method":"x"}"#));
        assert!(is_valid(br#"{"jsonrpc":"2.0","id":1,"result":null}"#));
        assert!(!is_valid(b"{ nope"));
        assert!(!is_valid(br#"{"jsonrpc":"1.0","id":1,"method":"x"}"#));
        assert!(!is_valid(br#"{"jsonrpc":"2.0","id":{},"method":"x"}"#));
        let r: Value =
            serde_json::from_slice(&replacement(br#"{"jsonrpc":"1.0","id":7}"#)).expect("json");
        assert_eq!(r["id"], 7);
        assert_eq!(r["params"]["code"], -32600);
        let r: Value = serde_json::from_slice(&replacement(b"{ nope")).expect("json");
        assert_eq!(r["id"], Value::Null);
        assert_eq!(r["params"]["code"], -32700);
    }
}

//! A guard in front of tower-lsp-server's decoder.
//!
//! tower-lsp-server reads messages with a `tokio_util` `FramedRead`, which
//! ends the stream after the first decoding error: one message that is not
//! valid JSON-RPC (bad JSON, a wrong `jsonrpc` version, an `id` that is an
//! object, `params` nested deeper than serde_json's recursion limit of 128)
//! would stop the server. So the input is framed here first ([`Framer`]);
//! every message that the decoder would reject is replaced by a request to
//! [`INVALID_MESSAGE`], which answers with the JSON-RPC error the client
//! should get (`-32700` parse error, `-32600` invalid request, with the
//! message's `id` when it has a usable one, else `null`). Valid messages pass
//! through byte for byte, except `shutdown`/`exit` with empty `params`
//! (`{}`, `[]`), which lose them: clients send that and the server's typed
//! handler would refuse it.
//!
//! Framing recovers from bad frames instead of losing sync for good:
//!
//! - Bytes before a `Content-Length` header are dropped, wherever it starts.
//! - A header block that is not headers, has no usable length, or declares
//!   more than [`MAX_BODY`] is dropped (the last one answered with an error)
//!   and the search goes on after its first byte. Nothing is allocated for
//!   a declared length: the body buffer grows with the bytes that arrive.
//! - A body is checked as it arrives by a lexical JSON scan ([`JsonScan`]).
//!   The next frame's header can never be part of a JSON text (a bare `C`
//!   outside a string, a raw CR inside one), so when a declared length runs
//!   into the next frame, the body is cut where the scan fails, answered
//!   (passed on if what came before is a whole valid message, as with a
//!   `Content-Length` larger than the body), and the search for a header
//!   resumes at the body's start. So does it after a whole body that is
//!   not a message: its bytes may be the start of the next frame.

use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
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

/// Bodies declared larger than this are refused without being read.
pub const MAX_BODY: usize = 64 << 20;

/// Deepest `[`/`{` nesting passed to the server; serde_json (inside the
/// server's decoder) stops at 128 and ends the stream.
pub const MAX_DEPTH: usize = 100;

/// Longest header block looked at before giving up on it.
const MAX_HEADER: usize = 4096;

const CONTENT_LENGTH: &[u8] = b"content-length";

/// Lexical state of a JSON text seen so far: enough to tell that bytes can
/// no longer be (a prefix of) one JSON value, and how deep it nests.
#[derive(Debug, Default, Clone)]
pub struct JsonScan {
    /// Bytes scanned.
    pos: usize,
    depth: usize,
    max_depth: usize,
    in_string: bool,
    /// Inside a string after a backslash.
    escape: bool,
    /// Hex digits still expected after `\u`.
    hex: u8,
    /// Where the first top-level value ended, if it has.
    end: Option<usize>,
}

impl JsonScan {
    /// Scans `bytes[self.pos..]`; `Err(offset)` at the first byte no JSON
    /// text could contain there.
    fn feed(&mut self, bytes: &[u8]) -> Result<(), usize> {
        while self.pos < bytes.len() {
            let b = bytes[self.pos];
            let ok = if self.in_string {
                self.string_byte(b)
            } else if self.end.is_some() {
                b.is_ascii_whitespace()
            } else {
                self.structural_byte(b)
            };
            if !ok {
                return Err(self.pos);
            }
            self.pos += 1;
        }
        Ok(())
    }

    fn string_byte(&mut self, b: u8) -> bool {
        if b < 0x20 {
            return false;
        }
        if self.hex > 0 {
            self.hex -= 1;
            return b.is_ascii_hexdigit();
        }
        if self.escape {
            self.escape = false;
            if b == b'u' {
                self.hex = 4;
            }
            return matches!(
                b,
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' | b'u'
            );
        }
        match b {
            b'\\' => self.escape = true,
            b'"' => self.in_string = false,
            _ => {}
        }
        true
    }

    fn structural_byte(&mut self, b: u8) -> bool {
        match b {
            b'{' | b'[' => {
                self.depth += 1;
                self.max_depth = self.max_depth.max(self.depth);
            }
            b'}' | b']' => {
                if self.depth == 0 {
                    return false;
                }
                self.depth -= 1;
                if self.depth == 0 {
                    self.end = Some(self.pos + 1);
                }
            }
            b'"' => self.in_string = true,
            b',' | b':' | b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' => {}
            // The letters of `true`, `false` and `null`.
            b't' | b'r' | b'u' | b'f' | b'a' | b'l' | b's' | b'n' => {}
            b if b.is_ascii_whitespace() => {}
            _ => return false,
        }
        true
    }
}

/// Where the framer is.
#[derive(Debug)]
enum State {
    /// Looking for a `Content-Length` header.
    Seeking,
    /// `len` bytes of body, starting at the buffer's start.
    Body { len: usize, scan: JsonScan },
}

/// Splits a byte stream into message bodies for the server, recovering
/// from bad frames (see the module docs). Synchronous, so it is fuzzed and
/// property-tested on its own.
#[derive(Debug)]
pub struct Framer {
    buf: Vec<u8>,
    state: State,
}

impl Default for Framer {
    fn default() -> Self {
        Self {
            buf: Vec::new(),
            state: State::Seeking,
        }
    }
}

/// A header block's verdict.
enum Header {
    /// Not complete yet.
    Partial,
    /// Not a header block we can use; search again after its first byte.
    Bad,
    /// A usable header: its length in bytes and the body's.
    Good { header: usize, body: u64 },
}

impl Framer {
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Bytes held (for the memory bound's tests).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next body to hand to the server (the message itself or its
    /// replacement), or `None` until more input arrives.
    pub fn next_body(&mut self) -> Option<Vec<u8>> {
        loop {
            match &mut self.state {
                State::Seeking => {
                    let Some(start) = find_content_length(&self.buf) else {
                        // Keep what could be the start of a header.
                        let keep = self.buf.len().min(CONTENT_LENGTH.len() - 1);
                        self.buf.drain(..self.buf.len() - keep);
                        return None;
                    };
                    self.buf.drain(..start);
                    match parse_header(&self.buf) {
                        Header::Partial => return None,
                        Header::Bad => {
                            self.buf.drain(..1);
                        }
                        Header::Good { header, body } => {
                            self.buf.drain(..header);
                            match usize::try_from(body) {
                                Ok(0) => {}
                                Ok(len) if len <= MAX_BODY => {
                                    self.state = State::Body {
                                        len,
                                        scan: JsonScan::default(),
                                    };
                                }
                                _ => {
                                    return Some(error_request(
                                        Value::Null,
                                        -32600,
                                        format!(
                                            "invalid request: a body of {body} bytes exceeds the limit of {MAX_BODY}"
                                        ),
                                    ))
                                }
                            }
                        }
                    }
                }
                State::Body { len, scan } => {
                    let len = *len;
                    let available = self.buf.len().min(len);
                    if let Err(bad) = scan.feed(&self.buf[..available]) {
                        // The declared length ran into other bytes: answer
                        // for what came before, then look for a header from
                        // the body's start.
                        let end = scan.end;
                        self.state = State::Seeking;
                        return Some(match end {
                            Some(end) if is_valid(&self.buf[..end]) => {
                                let body = normalize(&self.buf[..end]);
                                self.buf.drain(..end);
                                body
                            }
                            _ => replacement(&self.buf[..bad]),
                        });
                    }
                    if available < len {
                        return None;
                    }
                    let deep = scan.max_depth > MAX_DEPTH;
                    self.state = State::Seeking;
                    let body = &self.buf[..len];
                    if !deep && !is_valid(body) {
                        // Not a message: it may hold the start of the next
                        // frame (`Content-Length: 2` then `"`), so the
                        // search resumes at its start.
                        return Some(replacement(body));
                    }
                    let answer = if deep {
                        error_request(
                            probe_id(body),
                            -32600,
                            format!("invalid request: nested deeper than {MAX_DEPTH} levels"),
                        )
                    } else {
                        normalize(body)
                    };
                    self.buf.drain(..len);
                    return Some(answer);
                }
            }
        }
    }
}

/// Offset of the first `Content-Length` (any case).
fn find_content_length(buf: &[u8]) -> Option<usize> {
    buf.windows(CONTENT_LENGTH.len())
        .position(|w| w.eq_ignore_ascii_case(CONTENT_LENGTH))
}

/// Reads the header block at the start of `buf` (which starts with
/// `Content-Length`). Lines end with LF (CR optional); an empty line ends
/// the block. With several `Content-Length` lines the last wins: the
/// earlier ones are what is left of broken frames.
fn parse_header(buf: &[u8]) -> Header {
    let mut at = 0;
    let mut length = None;
    loop {
        let Some(nl) = buf[at..].iter().position(|&b| b == b'\n') else {
            return if buf.len() > MAX_HEADER {
                Header::Bad
            } else {
                Header::Partial
            };
        };
        let line = &buf[at..at + nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        at += nl + 1;
        if at > MAX_HEADER {
            return Header::Bad;
        }
        if line.is_empty() {
            return match length {
                Some(body) => Header::Good { header: at, body },
                None => Header::Bad,
            };
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Header::Bad;
        };
        // Only the two headers LSP defines; and a `Content-Length` anywhere
        // but at the start of a line is the next frame running into this
        // one, so the block is not taken.
        let name = line[..colon].trim_ascii();
        if !(name.eq_ignore_ascii_case(CONTENT_LENGTH)
            || name.eq_ignore_ascii_case(b"content-type"))
            || find_content_length(&line[1..]).is_some()
        {
            return Header::Bad;
        }
        if name.eq_ignore_ascii_case(CONTENT_LENGTH) {
            match std::str::from_utf8(line[colon + 1..].trim_ascii())
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
            {
                Some(n) => length = Some(n),
                None => return Header::Bad,
            }
        }
    }
}

/// The `id` of a message too deep to parse as a value: every other field
/// is skipped unread, so no recursion limit applies.
fn probe_id(body: &[u8]) -> Value {
    #[derive(Deserialize)]
    struct IdOnly {
        #[serde(default)]
        id: Option<ProbeId>,
    }
    match serde_json::from_slice::<IdOnly>(body) {
        Ok(IdOnly {
            id: Some(ProbeId::Number(n)),
        }) => json!(n),
        Ok(IdOnly {
            id: Some(ProbeId::String(s)),
        }) => json!(s),
        _ => Value::Null,
    }
}

/// `shutdown` and `exit` take no parameters; an empty object or array
/// (some clients send `{}`) is dropped so the server's handler accepts it.
fn normalize(body: &[u8]) -> Vec<u8> {
    #[derive(Deserialize)]
    struct MethodOnly<'a> {
        #[serde(default, borrow)]
        method: Option<std::borrow::Cow<'a, str>>,
    }
    let is_lifecycle = serde_json::from_slice::<MethodOnly<'_>>(body)
        .ok()
        .and_then(|m| m.method)
        .is_some_and(|m| m == "shutdown" || m == "exit");
    if !is_lifecycle {
        return body.to_vec();
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(body) else {
        return body.to_vec();
    };
    let empty = match value.get("params") {
        Some(Value::Object(o)) => o.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    };
    if let (true, Some(object)) = (empty, value.as_object_mut()) {
        object.remove("params");
        return value.to_string().into_bytes();
    }
    body.to_vec()
}

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
    error_request(id, code, message)
}

/// A request to [`INVALID_MESSAGE`] that answers `id` with this error.
fn error_request(id: Value, code: i64, message: String) -> Vec<u8> {
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
/// server could not decode and recovering from bad frames. Ends at the end
/// of the input.
pub async fn guard<R, W>(mut input: R, mut output: W)
where
    R: tokio::io::AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut framer = Framer::default();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        while let Some(body) = framer.next_body() {
            if write_frame(&mut output, &body).await.is_err() {
                return;
            }
        }
        match input.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => framer.push(&chunk[..n]),
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

    fn frame(body: &str) -> Vec<u8> {
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    fn bodies(input: &[u8]) -> Vec<Value> {
        let mut f = Framer::default();
        f.push(input);
        std::iter::from_fn(|| f.next_body())
            .map(|b| serde_json::from_slice(&b).expect("json"))
            .collect()
    }

    const PING: &str = r#"{"jsonrpc":"2.0","id":9,"method":"x"}"#;

    #[test]
    fn recovers_at_the_next_header_after_a_bad_frame() {
        let short = br#"{"jsonrpc":"2.0"}"#;
        let cases: Vec<Vec<u8>> = vec![
            [b"Content-Length: 60\r\n\r\n".as_slice(), short].concat(),
            b"Content-Length: abc\r\n\r\n".to_vec(),
            (0..300u32).map(|i| (i * 7 % 251) as u8 | 0x80).collect(),
            b"Content-Length: 4611686018427387904\r\n\r\n".to_vec(),
            b"Content-Length: 1000\r\n\r\n{\"a\":\"\\u".to_vec(),
            b"Content-Length: 5\r\n".to_vec(),
        ];
        for garbage in cases {
            let input = [garbage.clone(), frame(PING)].concat();
            let out = bodies(&input);
            let answered: Vec<_> = out.iter().filter(|m| m["id"] == 9).collect();
            assert_eq!(
                answered.len(),
                1,
                "{:?}: {out:?}",
                String::from_utf8_lossy(&garbage)
            );
            assert_eq!(answered[0]["method"], "x");
        }
    }

    #[test]
    fn a_declared_length_allocates_nothing_ahead() {
        let mut f = Framer::default();
        f.push(b"Content-Length: 60000000\r\n\r\n[");
        assert!(f.next_body().is_none());
        assert!(f.buffered() < 16);
        assert!(f.buf.capacity() < 4096);
        let mut f = Framer::default();
        f.push(b"Content-Length: 99999999999\r\n\r\n");
        let r: Value = serde_json::from_slice(&f.next_body().expect("refused")).expect("json");
        assert_eq!(r["params"]["code"], -32600);
    }

    #[test]
    fn deep_nesting_is_answered_with_its_id() {
        let deep = format!(
            r#"{{"jsonrpc":"2.0","id":4,"method":"x","params":{}{}}}"#,
            "[".repeat(125),
            "]".repeat(125)
        );
        let out = bodies(&frame(&deep));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["id"], 4);
        assert_eq!(out[0]["method"], INVALID_MESSAGE);
        assert_eq!(out[0]["params"]["code"], -32600);
    }

    #[test]
    fn shutdown_with_empty_params_loses_them() {
        let out = bodies(&frame(
            r#"{"jsonrpc":"2.0","id":1,"method":"shutdown","params":{}}"#,
        ));
        assert_eq!(out[0]["method"], "shutdown");
        assert!(out[0].get("params").is_none());
        let kept = r#"{"jsonrpc":"2.0","id":1,"method":"x","params":{}}"#;
        let mut f = Framer::default();
        f.push(&frame(kept));
        assert_eq!(f.next_body().expect("body"), kept.as_bytes());
    }

    mod property {
        use super::*;
        use proptest::prelude::*;

        fn garbage() -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..300),
                (0u64..u64::MAX).prop_map(|n| format!("Content-Length: {n}\r\n\r\n").into_bytes()),
                (0usize..400).prop_map(|n| format!("Content-Length: {n}\r\n\r\n{{}}").into_bytes()),
                (1usize..40).prop_map(|n| format!("content-length: {n}\n").into_bytes()),
                ("[ -~]{0,60}", 0usize..80)
                    .prop_map(|(s, n)| format!("Content-Length: {n}\r\n\r\n{s}").into_bytes()),
                (90usize..200).prop_map(|n| frame(&format!(
                    "[{}{}",
                    "[".repeat(n),
                    "]".repeat(n + 1)
                ))),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

            /// Each well-formed frame after any garbage comes out once,
            /// however the input is split into reads, and the buffer
            /// stays bounded.
            #[test]
            fn well_formed_frames_survive_garbage_and_any_chunking(
                pieces in proptest::collection::vec((proptest::collection::vec(garbage(), 0..3), "[a-z]{0,12}"), 1..5),
                split in proptest::collection::vec(1usize..97, 1..40),
            ) {
                let mut input = Vec::new();
                let mut expected = Vec::new();
                for (i, (junk, text)) in pieces.iter().enumerate() {
                    for g in junk {
                        input.extend_from_slice(g);
                    }
                    let body = json!({"jsonrpc": "2.0", "id": format!("want-{i}"), "method": "m", "params": {"t": text}});
                    input.extend_from_slice(&frame(&body.to_string()));
                    expected.push(format!("want-{i}"));
                }
                let mut f = Framer::default();
                let mut out = Vec::new();
                let mut rest = input.as_slice();
                let mut k = 0;
                while !rest.is_empty() {
                    let n = split[k % split.len()].min(rest.len());
                    f.push(&rest[..n]);
                    rest = &rest[n..];
                    k += 1;
                    while let Some(b) = f.next_body() {
                        out.push(serde_json::from_slice::<Value>(&b).expect("json"));
                    }
                    prop_assert!(f.buffered() <= MAX_BODY + MAX_HEADER + 97);
                }
                for want in expected {
                    let n = out.iter().filter(|m| m["id"] == want.as_str() && m["method"] == "m").count();
                    prop_assert_eq!(n, 1, "{}: {:?}", want, out);
                }
            }
        }
    }
}

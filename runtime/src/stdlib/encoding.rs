//! The `encoding` namespace: JSON, YAML, base64 and URL query escaping.
//!
//! Base64 and URL escaping are small enough to write out, which gives Go's
//! exact behaviour and messages (`illegal base64 data at input byte 4`,
//! `invalid URL escape "%zz"`), including Go's tolerance of line breaks
//! inside base64 input.

use super::args;
use super::serde_value;
use crate::value::{CallError, Value};

pub(crate) fn from_json(a: &[Value]) -> Result<Value, CallError> {
    let text = args::string(a, 0)?;
    serde_value::from_json(&text).map_err(CallError::Failed)
}

pub(crate) fn from_yaml(a: &[Value]) -> Result<Value, CallError> {
    let text = args::string(a, 0)?;
    serde_value::from_yaml(&text).map_err(CallError::Failed)
}

/// `encoding.to_json(object)`: only objects, as upstream (`jsonEncode
/// only supports map`). A value holding a secret encodes to a secret.
pub(crate) fn to_json(a: &[Value]) -> Result<Value, CallError> {
    let value = args::arg(a, 0);
    if !matches!(value, Value::Object(_)) {
        return Err(CallError::failed("jsonEncode only supports map"));
    }
    let text = serde_value::to_json(value).map_err(CallError::failed)?;
    if value.contains_secret() {
        Ok(Value::secret(text))
    } else {
        Ok(Value::from(text))
    }
}

const STD_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Standard padded base64 (HTTP basic authentication headers).
pub(crate) fn base64_std(input: &[u8]) -> String {
    base64_encode(input, STD_ALPHABET)
}

fn base64_encode(input: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let symbols = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (i, s) in symbols.iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(alphabet[*s as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `base64.Encoding.DecodeString` (padded, non-strict): `\r` and
/// `\n` are skipped; the error is the offset of the first bad byte.
fn base64_decode(input: &[u8], alphabet: &[u8; 64]) -> Result<Vec<u8>, usize> {
    let mut map = [0xffu8; 256];
    for (i, &c) in alphabet.iter().enumerate() {
        map[usize::from(c)] = i as u8;
    }
    let is_newline = |c: u8| c == b'\n' || c == b'\r';
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let mut si = 0;
    while si < input.len() {
        let mut quantum = [0u8; 4];
        let mut len = 4;
        let mut j = 0;
        let mut trailing_error = None;
        while j < 4 {
            if si == input.len() {
                if j == 0 {
                    return Ok(out);
                }
                // Padding is required.
                return Err(si - j);
            }
            let c = input[si];
            si += 1;
            let decoded = map[usize::from(c)];
            if decoded != 0xff {
                quantum[j] = decoded;
                j += 1;
                continue;
            }
            if is_newline(c) {
                continue;
            }
            if c != b'=' {
                return Err(si - 1);
            }
            // Padding: only after two or three symbols.
            match j {
                0 | 1 => return Err(si - 1),
                2 => {
                    while si < input.len() && is_newline(input[si]) {
                        si += 1;
                    }
                    if si == input.len() {
                        return Err(input.len());
                    }
                    if input[si] != b'=' {
                        return Err(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < input.len() && is_newline(input[si]) {
                si += 1;
            }
            if si < input.len() {
                trailing_error = Some(si);
            }
            len = j;
            break;
        }
        let n = (u32::from(quantum[0]) << 18)
            | (u32::from(quantum[1]) << 12)
            | (u32::from(quantum[2]) << 6)
            | u32::from(quantum[3]);
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..len - 1]);
        if let Some(at) = trailing_error {
            return Err(at);
        }
    }
    Ok(out)
}

fn decode_with(a: &[Value], alphabet: &[u8; 64]) -> Result<Value, CallError> {
    let text = args::string(a, 0)?;
    let bytes = base64_decode(text.as_bytes(), alphabet)
        .map_err(|at| CallError::Failed(format!("illegal base64 data at input byte {at}")))?;
    // Go returns bytes that the language treats as a string; bytes that
    // are not UTF-8 become U+FFFD here.
    Ok(Value::from(String::from_utf8_lossy(&bytes).into_owned()))
}

pub(crate) fn from_base64(a: &[Value]) -> Result<Value, CallError> {
    decode_with(a, STD_ALPHABET)
}

pub(crate) fn from_url_base64(a: &[Value]) -> Result<Value, CallError> {
    decode_with(a, URL_ALPHABET)
}

pub(crate) fn to_base64(a: &[Value]) -> Result<Value, CallError> {
    let text = args::string(a, 0)?;
    Ok(Value::from(base64_encode(text.as_bytes(), STD_ALPHABET)))
}

pub(crate) fn to_url_base64(a: &[Value]) -> Result<Value, CallError> {
    let text = args::string(a, 0)?;
    Ok(Value::from(base64_encode(text.as_bytes(), URL_ALPHABET)))
}

/// Go's `url.QueryEscape`: everything but letters, digits and `-_.~` is
/// percent-encoded, and spaces become `+`.
pub(crate) fn url_encode(a: &[Value]) -> Result<Value, CallError> {
    let text = args::string(a, 0)?;
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::from(out))
}

/// Go's `url.QueryUnescape`: `%XX` sequences and `+` for space; a bad
/// escape is `invalid URL escape "%zz"`.
pub(crate) fn url_decode(a: &[Value]) -> Result<Value, CallError> {
    let text = args::string(a, 0)?;
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = |k: usize| bytes.get(k).and_then(|&c| char::from(c).to_digit(16));
                match (hex(i + 1), hex(i + 2)) {
                    (Some(hi), Some(lo)) => {
                        out.push((hi * 16 + lo) as u8);
                        i += 3;
                    }
                    _ => {
                        let end = (i + 3).min(bytes.len());
                        let bad = String::from_utf8_lossy(&bytes[i..end]);
                        return Err(CallError::Failed(format!(
                            "invalid URL escape {}",
                            alloy_syntax::unicode::go_quote(bad.as_bytes())
                        )));
                    }
                }
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
    Ok(Value::from(String::from_utf8_lossy(&out).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_reports_like_go() {
        for input in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            let encoded = base64_encode(input.as_bytes(), STD_ALPHABET);
            assert_eq!(
                base64_decode(encoded.as_bytes(), STD_ALPHABET),
                Ok(input.as_bytes().to_vec())
            );
        }
        assert_eq!(base64_encode(b"fo", STD_ALPHABET), "Zm8=");
        assert_eq!(
            base64_decode(b"Zm9v\nYmFy", STD_ALPHABET),
            Ok(b"foobar".to_vec())
        );
        assert_eq!(base64_decode(b"Zm9", STD_ALPHABET), Err(0));
        assert_eq!(base64_decode(b"Zm!v", STD_ALPHABET), Err(2));
        assert_eq!(base64_decode(b"Zm8=x", STD_ALPHABET), Err(4));
        assert_eq!(base64_decode(b"Zg=", STD_ALPHABET), Err(3));
        assert_eq!(base64_decode(b"=", STD_ALPHABET), Err(0));
    }
}

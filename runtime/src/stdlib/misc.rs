//! `coalesce`, `sys.env`, `file.path_join` and `convert.nonsensitive`.

use super::args;
use crate::value::{CallError, Value};

/// `coalesce(values...)`: the first argument that is not null, not Go's
/// zero value (`0`, `""`, `false`) and not an empty array or object (or a
/// capsule that converts to an empty object); else the last argument; null
/// with no arguments.
pub(crate) fn coalesce(a: &[Value]) -> Result<Value, CallError> {
    Ok(a.iter()
        .find(|v| !v.is_empty_like())
        .or_else(|| a.last())
        .cloned()
        .unwrap_or_default())
}

/// `sys.env(name)`: the variable's value, `""` when unset. Names the OS
/// cannot hold (empty, or containing `=` or NUL) are unset, as in Go.
pub(crate) fn env(a: &[Value]) -> Result<Value, CallError> {
    let name = args::string(a, 0)?;
    if name.is_empty() || name.contains(['=', '\0']) {
        return Ok(Value::from(""));
    }
    let value = std::env::var_os(&*name)
        .map(|v| v.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Value::from(value))
}

/// `file.path_join(elements...)`: Go's `filepath.Join` with `/` separators:
/// the non-empty elements joined and cleaned; `""` when all are empty.
pub(crate) fn path_join(a: &[Value]) -> Result<Value, CallError> {
    let mut parts = Vec::with_capacity(a.len());
    for i in 0..a.len() {
        let part = args::string(a, i)?;
        if !part.is_empty() {
            parts.push(part);
        }
    }
    if parts.is_empty() {
        return Ok(Value::from(""));
    }
    let joined = parts.iter().map(|p| &**p).collect::<Vec<&str>>().join("/");
    Ok(Value::from(clean_path(&joined)))
}

/// Go's `path.Clean`: the shortest equivalent path, by lexical rules.
pub fn clean_path(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let p = path.as_bytes();
    let n = p.len();
    let rooted = p[0] == b'/';
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0, 0);
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    while r < n {
        // Empty and `.` elements.
        if p[r] == b'/' || (p[r] == b'.' && (r + 1 == n || p[r + 1] == b'/')) {
            r += 1;
        } else if p[r] == b'.' && p.get(r + 1) == Some(&b'.') && (r + 2 == n || p[r + 2] == b'/') {
            r += 2;
            if out.len() > dotdot {
                out.pop();
                while out.len() > dotdot && out.last() != Some(&b'/') {
                    out.pop();
                }
                if out.len() > dotdot && out.last() == Some(&b'/') {
                    out.pop();
                }
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if (rooted && out.len() != 1) || (!rooted && !out.is_empty()) {
                out.push(b'/');
            }
            while r < n && p[r] != b'/' {
                out.push(p[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return ".".to_owned();
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `convert.nonsensitive(secret)`: the secret's text as a plain string.
/// Strings and optional secrets are accepted, as they convert to secrets.
pub(crate) fn nonsensitive(a: &[Value]) -> Result<Value, CallError> {
    let secret = args::secret(a, 0)?;
    Ok(Value::from(secret.reveal()))
}

#[cfg(test)]
mod tests {
    use super::clean_path;

    #[test]
    fn clean_matches_go() {
        for (input, want) in [
            ("this/is/a/path", "this/is/a/path"),
            ("a//b", "a/b"),
            ("a/./b", "a/b"),
            ("a/../b", "b"),
            ("../a", "../a"),
            ("a/../..", ".."),
            ("/../a", "/a"),
            ("/", "/"),
            ("a/b/", "a/b"),
            ("./", "."),
            ("abc/def/../../..", ".."),
            ("/abc/def/../..", "/"),
        ] {
            assert_eq!(clean_path(input), want, "{input}");
        }
    }
}

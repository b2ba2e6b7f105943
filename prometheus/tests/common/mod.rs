//! Locating upstream's conformance data beside the repository
//! (`../shared/conformance`, or `ALLOY_CONFORMANCE_DIR`). Absent data skips
//! the suites unless `ALLOY_REQUIRE_CONFORMANCE=1`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn conformance_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("ALLOY_CONFORMANCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("ALLOY_REQUIRE_CONFORMANCE").as_deref() != Ok("1"),
        "conformance data not found at {} and ALLOY_REQUIRE_CONFORMANCE=1",
        dir.display()
    );
    eprintln!(
        "skipped: conformance data not found at {} (set ALLOY_CONFORMANCE_DIR)",
        dir.display()
    );
    None
}

/// A JSON file of the conformance folder.
pub fn load(relative: &str) -> Option<serde_json::Value> {
    let path = conformance_dir()?.join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// A string field that may be given as `<field>_base64` for bytes that are
/// not UTF-8.
pub fn bytes_field(case: &serde_json::Value, field: &str) -> Vec<u8> {
    if let Some(s) = case.get(field).and_then(|v| v.as_str()) {
        return s.as_bytes().to_vec();
    }
    let b64 = case
        .get(format!("{field}_base64"))
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("case without {field}"));
    decode_base64(b64)
}

fn decode_base64(s: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            _ => 63,
        }
    };
    let clean: Vec<u8> = s
        .bytes()
        .filter(|c| *c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::new();
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c) << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}

//! The language server's transport (`alloy_lsp::transport::Framer`) under
//! a coverage-guided fuzzer: any bytes, split into reads of any size, then
//! one well-formed request. Promises: no panic or hang, the buffer stays
//! bounded, everything handed to the server is JSON the server's decoder
//! can read (no recursion-limit failure), and the request after the garbage
//! comes out exactly once. Run: `cargo +nightly fuzz run lsp_transport`.

#![no_main]

use alloy_lsp::transport::{Framer, MAX_BODY};
use libfuzzer_sys::fuzz_target;

const REQUEST: &[u8] = br#"{"jsonrpc":"2.0","id":"fuzz-sentinel","method":"shutdown"}"#;

fuzz_target!(|data: &[u8]| {
    let (chunk, garbage) = match data.split_first() {
        Some((&c, rest)) => (usize::from(c).max(1), rest),
        None => (1, data),
    };
    let mut input = garbage.to_vec();
    input.extend_from_slice(format!("Content-Length: {}\r\n\r\n", REQUEST.len()).as_bytes());
    input.extend_from_slice(REQUEST);

    let mut framer = Framer::default();
    let mut seen = 0;
    for piece in input.chunks(chunk) {
        framer.push(piece);
        while let Some(body) = framer.next_body() {
            let value: serde_json::Value =
                serde_json::from_slice(&body).expect("the server's decoder reads every body");
            if value["id"] == "fuzz-sentinel" && value["method"] == "shutdown" {
                seen += 1;
            }
        }
        assert!(framer.buffered() <= MAX_BODY + 4096 + 256);
    }
    assert_eq!(seen, 1, "the request after the garbage was not delivered once");
});

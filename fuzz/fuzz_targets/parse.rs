//! The parser's core promise under a coverage-guided fuzzer: any bytes give a
//! tree whose text is the (decoded) input, with errors inside it, and no
//! panic, hang or stack overflow. Run: `cargo +nightly fuzz run parse`
//! (seed the corpus with `../shared/conformance/**/*.alloy` for speed).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parse = alloy_syntax::parse_file(data);
    let text = parse.syntax_node().to_string();
    assert_eq!(text, alloy_syntax::decode_like_upstream(data));
    for error in parse.errors() {
        assert!(error.offset() as usize <= text.len());
    }
    let _ = alloy_syntax::parse_expression(&text);
});

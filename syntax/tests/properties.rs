//! Properties that hold for every input: parsing never panics or hangs, the
//! tree's text is the input, and every error points inside the input.

use proptest::prelude::*;

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let parse = alloy_syntax::parse_file(bytes);
    let text = parse.syntax_node().to_string();
    prop_assert_eq!(&text, &alloy_syntax::decode_like_upstream(bytes));
    let len = text.len() as u32;
    for error in parse.errors() {
        prop_assert!(error.offset() <= len);
        prop_assert!(u32::from(error.range.end()) <= len);
    }
    // Streaming hands over the same text, piece by piece, with the same errors.
    let mut streamed = String::new();
    let errors = alloy_syntax::parse_file_streaming(bytes, &mut |element| match element {
        rowan::NodeOrToken::Node(node) => {
            streamed.push_str(&alloy_syntax::SyntaxNode::new_root(node).to_string())
        }
        rowan::NodeOrToken::Token(token) => streamed.push_str(token.text()),
    });
    prop_assert_eq!(&streamed, &text);
    prop_assert_eq!(errors.as_slice(), parse.errors());
    // The typed layer must cope with whatever tree recovery produced.
    for stmt in parse.tree().statements() {
        let _ = format!("{stmt:?}");
    }
    Ok(())
}

/// Pieces of Alloy, so random sequences reach deep into the grammar more
/// often than random bytes do.
const PIECES: &[&str] = &[
    "a",
    "b.c",
    "\"s\"",
    "`r`",
    "1",
    "2.5",
    ".5",
    "1e",
    "true",
    "null",
    "=",
    "==",
    "!",
    "-",
    "+",
    "*",
    "^",
    "||",
    "&&",
    "|",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    "\n",
    " ",
    "\t",
    "// c\n",
    "/* c */",
    "/* open",
    "'q'",
    "\"unterminated",
    "\\",
    "#",
    "é",
    "\u{feff}",
    "\0",
    "\r\n",
    "blk \"l\" {",
    "x = ",
    "f(",
    "\"\\u12\"",
];

fn alloyish() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(PIECES), 0..200)
        .prop_map(|pieces| pieces.concat().into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes)?;
    }

    #[test]
    fn alloy_like_token_soup(bytes in alloyish()) {
        check(&bytes)?;
    }
}

fn corpus() -> Vec<Vec<u8>> {
    let dir = match std::env::var_os("ALLOY_CONFORMANCE_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    let mut files = Vec::new();
    for sub in [
        "probes",
        "syntax/printer/testdata",
        "extra-alloy-files/example",
    ] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                files.push(bytes);
            }
        }
    }
    files
}

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, u8),
    Delete(usize),
    Replace(usize, u8),
    Duplicate(usize, usize),
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        let len = bytes.len().max(1);
        match *mutation {
            Mutation::Insert(at, b) => bytes.insert(at % (bytes.len() + 1), b),
            Mutation::Delete(at) if !bytes.is_empty() => {
                bytes.remove(at % len);
            }
            Mutation::Replace(at, b) if !bytes.is_empty() => bytes[at % len] = b,
            Mutation::Duplicate(at, n) if !bytes.is_empty() => {
                let start = at % len;
                let end = (start + n % 64).min(bytes.len());
                let copy = bytes[start..end].to_vec();
                bytes.splice(start..start, copy);
            }
            _ => {}
        }
    }
    bytes
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let byte = prop::sample::select(b"{}[]()\"`,=.\n /*#'\\\xff\x00a1".to_vec());
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(a, b)| Mutation::Insert(a, b)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), byte).prop_map(|(a, b)| Mutation::Replace(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
    ]
}

#[test]
fn mutated_conformance_files() {
    let corpus = corpus();
    if corpus.is_empty() {
        eprintln!("skipped: no conformance corpus for mutation tests");
        return;
    }
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(1500));
    let strategy = (0..corpus.len(), prop::collection::vec(mutation(), 1..8));
    runner
        .run(&strategy, |(index, mutations)| {
            check(&apply(corpus[index].clone(), &mutations))
        })
        .unwrap_or_else(|err| panic!("{err}"));
}

//! The transport under hostile input (issue 12): deep nesting, broken
//! frames, random garbage; the server answers and goes on.

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::common::*;

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn deep(id: &str, levels: usize) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":"{id}","method":"textDocument/hover","params":{}{}}}"#,
        "[".repeat(levels),
        "]".repeat(levels)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_nesting_is_answered_with_an_error_and_the_server_goes_on() {
    let mut client = Client::default_editor().await;
    client.send_bytes(&frame(&deep("deep", 125))).await;
    let answer = client.response(json!("deep")).await.expect_err("refused");
    assert_eq!(answer["code"], -32600);
    let next = client.request("alloy/doesNotExist", json!({})).await;
    assert_eq!(next.expect_err("unknown")["code"], -32601);
    assert_eq!(client.shutdown().await, alloy_lsp::Outcome::Clean);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_recovers_at_the_next_header_after_each_bad_frame() {
    let mut client = Client::default_editor().await;
    let random: Vec<u8> = (0..300u32)
        .map(|i| (i * 131 % 256) as u8)
        .filter(|b| *b != b'\n')
        .collect();
    let bad: Vec<Vec<u8>> = vec![
        b"Content-Length: 60\r\n\r\n{\"jsonrpc\":\"2.0\"}".to_vec(),
        b"Content-Length: abc\r\n\r\n".to_vec(),
        random,
        b"Content-Length: 4611686018427387904\r\n\r\n".to_vec(),
    ];
    for garbage in bad {
        client.send_bytes(&garbage).await;
        let answer = client.request("alloy/doesNotExist", json!({})).await;
        assert_eq!(
            answer.expect_err("unknown")["code"],
            -32601,
            "after {:?}",
            String::from_utf8_lossy(&garbage)
        );
    }
    assert_eq!(client.shutdown().await, alloy_lsp::Outcome::Clean);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_with_empty_params_is_accepted_and_exit_is_clean() {
    let mut client = Client::default_editor().await;
    let done = client.request("shutdown", json!({})).await;
    assert_eq!(done, Ok(Value::Null));
    client.notify("exit", json!({})).await;
    let outcome = tokio::time::timeout(TIMEOUT, client.server)
        .await
        .expect("exited")
        .expect("task");
    assert_eq!(outcome, alloy_lsp::Outcome::Clean);
}

/// Bytes a hostile or broken client may send between messages.
fn garbage() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        Just(b"Content-Length: abc\r\n\r\n".to_vec()),
        (18usize..400).prop_map(
            |n| format!("Content-Length: {n}\r\n\r\n{{\"jsonrpc\":\"2.0\"}}").into_bytes()
        ),
        any::<u64>().prop_map(|n| format!("Content-Length: {n}\r\n\r\n").into_bytes()),
        (1usize..40).prop_map(|n| format!("Content-Length: {n}\r\n").into_bytes()),
        Just(b"Content-Le".to_vec()),
        (100usize..200).prop_map(|n| frame(&deep("junk-deep", n))),
        Just(frame(r#"{"jsonrpc":"1.0","id":"junk","method":"x"}"#)),
        Just(frame(r#"{"jsonrpc":"2.0","id":{},"method":"x"}"#)),
        "[ -~]{0,60}".prop_map(|s| frame(&s)),
        ("[ -~]{0,40}", 0usize..80)
            .prop_map(|(s, n)| format!("Content-Length: {n}\r\n\r\n{s}").into_bytes()),
    ]
}

const METHODS: &[&str] = &[
    "alloy/doesNotExist",
    "textDocument/hover",
    "textDocument/documentSymbol",
    "textDocument/foldingRange",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every well-formed request after any garbage gets exactly one response.
    #[test]
    fn every_well_formed_request_after_garbage_gets_exactly_one_response(
        steps in proptest::collection::vec(
            (proptest::collection::vec(garbage(), 0..3), 0usize..METHODS.len()),
            1..6,
        )
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (ids, counts) = runtime.block_on(async {
            let mut client = Client::default_editor().await;
            let mut ids = Vec::new();
            for (i, (junk, method)) in steps.iter().enumerate() {
                for piece in junk {
                    client.send_bytes(piece).await;
                }
                let id = json!(1_000_000 + i);
                let params = json!({
                    "textDocument": {"uri": "file:///nowhere/x.alloy"},
                    "position": {"line": 0, "character": 0},
                });
                let message = json!({"jsonrpc": "2.0", "id": id, "method": METHODS[*method], "params": params});
                client.send_bytes(&frame(&message.to_string())).await;
                ids.push(id);
            }
            let counts = client.count_responses(&ids).await;
            (ids, counts)
        });
        for id in &ids {
            prop_assert_eq!(counts.get(&id.to_string()).copied(), Some(1), "responses: {:?}", counts);
        }
    }
}

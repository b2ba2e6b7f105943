//! Instruction counts of "an edit, then a completion" on the 10,000-line
//! config of the `lsp` bench, without the protocol around it, for
//! `valgrind --tool=callgrind`:
//!
//! ```sh
//! cargo build --release -p alloy-lsp --example completion_cost
//! for n in 0 10; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/completion_cost $n 2>&1 | grep refs
//! done
//! ```
//!
//! The completion reads the tree of the database's `parse` query, which
//! after an edit re-parses only the edited statement. The cost of one
//! edit + completion is (count(10) - count(0)) / 10.

use std::sync::Arc;

use alloy_lsp::convert::Encoding;
use alloy_lsp::session::Session;
use alloy_lsp::state::State;
use alloy_lsp::world::{DocTarget, World};
use tower_lsp_server::ls_types::{Position, TextDocumentContentChangeEvent, Uri};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(10);
    let text = alloy_analysis::bench_support::config_of_lines(10_000);
    let site =
        text.find("scrape_interval = \"30s\"").expect("edit site") + "scrape_interval = \"30".len();
    let variants: Vec<String> = ['x', 's']
        .iter()
        .map(|ch| {
            let mut t = text.clone();
            t.replace_range(site..site + 1, &ch.to_string());
            t
        })
        .collect();
    let forward = text
        .find("forward_to      = [prometheus.remote_write.mimir_80")
        .expect("forward_to");
    let position = Position::new(
        text[..forward].matches('\n').count() as u32,
        "  forward_to      = [".len() as u32,
    );
    let uri: Uri = "untitled:big.alloy".parse().expect("uri");
    let session = Arc::new(Session::default());
    let mut state = State::new();
    state.open(uri.clone(), 1, text.clone());
    let complete = |state: &State| {
        let world = World::new(state, session.clone());
        let target = DocTarget::find(state, &uri).expect("document");
        let doc = target.resolve(&world).expect("snapshot");
        let answer = alloy_lsp::handlers::completion::completion(&world, &doc, position)
            .expect("not cancelled");
        assert!(answer.is_some());
    };
    // Warm: the first parse, which later edits re-parse from.
    complete(&state);
    for i in 0..n {
        let change = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: variants[i % 2].clone(),
        };
        state.change(uri.clone(), i as i32 + 2, vec![change], Encoding::Utf16);
        complete(&state);
    }
}

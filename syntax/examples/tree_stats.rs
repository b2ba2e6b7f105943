//! Prints token and node counts of a file's tree (for memory work).
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: tree_stats FILE");
        return;
    };
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("cannot read {path}");
        return;
    };
    let parse = alloy_syntax::parse_file(&bytes);
    let (mut nodes, mut tokens, mut trivia) = (0usize, 0usize, 0usize);
    let mut kinds = std::collections::BTreeMap::new();
    for element in parse.syntax_node().descendants_with_tokens() {
        match element {
            rowan::NodeOrToken::Node(n) => {
                nodes += 1;
                *kinds.entry(format!("{:?}", n.kind())).or_insert(0usize) += 1;
            }
            rowan::NodeOrToken::Token(t) => {
                tokens += 1;
                if t.kind().is_trivia() {
                    trivia += 1;
                }
            }
        }
    }
    println!(
        "bytes {} nodes {nodes} tokens {tokens} trivia {trivia}",
        bytes.len()
    );
    println!("{kinds:?}");
}

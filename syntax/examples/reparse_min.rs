//! Times a one-character edit in the middle of a file: a full parse of the
//! edited text against `reparse` from the old tree, fastest of N runs.
//! Usage: `reparse_min FILE [RUNS]`.
fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else { return };
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(50);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    let middle = text.len() / 2;
    let at = text[middle..]
        .find('\n')
        .map(|i| middle + i + 1)
        .and_then(|line| {
            text[line..]
                .find(|c: char| c.is_ascii_alphabetic())
                .map(|i| line + i + 1)
        })
        .unwrap_or(middle);
    let edited = format!("{}x{}", &text[..at], &text[at..]);
    let old = alloy_syntax::parse(&text);
    let time = |f: &dyn Fn() -> alloy_syntax::Parse| {
        let mut best = std::time::Duration::MAX;
        for _ in 0..runs {
            let start = std::time::Instant::now();
            let parse = f();
            best = best.min(start.elapsed());
            drop(parse);
        }
        best.as_secs_f64() * 1e3
    };
    let full = time(&|| alloy_syntax::parse(&edited));
    let incremental = time(&|| alloy_syntax::reparse(&old, &edited));
    let spliced = alloy_syntax::bench_support::reparse_spliced(&old, &edited).is_some();
    println!(
        "{} lines: full parse {full:.3} ms, reparse {incremental:.3} ms (spliced: {spliced})",
        text.lines().count()
    );
}

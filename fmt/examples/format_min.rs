//! Formats a file repeatedly and prints the fastest run: the minimum is the
//! figure least disturbed by other work on a shared machine.
fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else { return };
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(20);
    let Ok(bytes) = std::fs::read(&path) else {
        return;
    };
    let mut best = std::time::Duration::MAX;
    for _ in 0..runs {
        let start = std::time::Instant::now();
        let out = alloy_fmt::format_source(&bytes);
        best = best.min(start.elapsed());
        drop(out);
    }
    let mb = bytes.len() as f64 / 1e6;
    println!(
        "{:.1} ms, {:.0} MB/s",
        best.as_secs_f64() * 1e3,
        mb / best.as_secs_f64()
    );
}

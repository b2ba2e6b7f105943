//! Parses a file repeatedly and prints the fastest run: the minimum is the
//! figure least disturbed by other work on a shared machine. Besides wall
//! time it prints the fastest on-CPU time of the parsing thread (from
//! `/proc/thread-self/schedstat`, Linux only), which leaves out the time the
//! thread waited for a core while other processes ran (with threads, only
//! the calling thread's share). Usage: `parse_min FILE [RUNS] [THREADS]`.
fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else { return };
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(20);
    // An optional thread count times `parse_file_parallel` instead.
    let threads: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let Ok(bytes) = std::fs::read(&path) else {
        return;
    };
    let mut best = std::time::Duration::MAX;
    let mut best_cpu = u64::MAX;
    for _ in 0..runs {
        let cpu_start = on_cpu_ns();
        let start = std::time::Instant::now();
        let parse = if threads > 1 {
            alloy_syntax::parse_file_parallel(&bytes, threads)
        } else {
            alloy_syntax::parse_file(&bytes)
        };
        best = best.min(start.elapsed());
        if let (Some(a), Some(b)) = (cpu_start, on_cpu_ns()) {
            best_cpu = best_cpu.min(b.saturating_sub(a));
        }
        drop(parse);
    }
    let mb = bytes.len() as f64 / 1e6;
    print!(
        "{:.1} ms, {:.0} MB/s",
        best.as_secs_f64() * 1e3,
        mb / best.as_secs_f64()
    );
    if best_cpu != u64::MAX {
        let secs = best_cpu as f64 / 1e9;
        print!(" (on CPU {:.1} ms, {:.0} MB/s)", secs * 1e3, mb / secs);
    }
    println!();
}

fn on_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

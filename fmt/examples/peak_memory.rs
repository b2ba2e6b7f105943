//! Formats a file and prints the process's peak resident memory, for the
//! memory figures in docs/benchmarks.md.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: peak_memory FILE");
        return;
    };
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("cannot read {path}");
        return;
    };
    let before = peak_kib();
    let result = alloy_fmt::format_source(&bytes);
    let after = peak_kib();
    match result {
        Ok(out) => println!(
            "input {} bytes, output {} bytes, peak before {before} KiB, after {after} KiB",
            bytes.len(),
            out.len()
        ),
        Err(err) => println!("error: {err}"),
    }
}

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

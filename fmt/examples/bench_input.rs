//! Writes the formatting benchmark's input (see `benches/support/input.rs`) to a
//! file, so that command-line measurements use exactly what the criterion
//! benchmark formats.
#[path = "../benches/support/input.rs"]
mod input;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: bench_input FILE");
        std::process::exit(2);
    };
    let bytes = input::input();
    if let Err(e) = std::fs::write(&path, &bytes) {
        eprintln!("cannot write {path}: {e}");
        std::process::exit(1);
    }
    println!("{} bytes written to {path}", bytes.len());
}

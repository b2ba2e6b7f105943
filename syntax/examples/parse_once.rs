//! Parses a file once (for instruction counts under callgrind).
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        return;
    };
    let Ok(bytes) = std::fs::read(&path) else {
        return;
    };
    let parse = alloy_syntax::parse_file(&bytes);
    println!("{} errors", parse.errors().len());
    std::mem::forget(parse);
}

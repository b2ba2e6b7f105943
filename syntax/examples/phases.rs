fn main() {
    let path = std::env::args().nth(1).expect("file");
    let bytes = std::fs::read(path).expect("read");
    let n: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    for _ in 0..n {
        let t = alloy_syntax::phase_times(&bytes);
        println!("{:?}", t);
    }
}

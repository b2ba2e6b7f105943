fn main() {
    let path = std::env::args().nth(1).expect("file");
    let bytes = std::fs::read(path).expect("read");
    for _ in 0..5 {
        let t = alloy_syntax::phase_times(&bytes);
        println!("{:?}", t);
    }
}

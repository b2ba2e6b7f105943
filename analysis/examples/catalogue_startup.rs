//! Shows that the embedded catalogue needs no start-up work.
//!
//! `cargo run --release -p alloy-analysis --example catalogue_startup`
//!
//! Times, in a fresh process: the very first `component()` lookup (nothing
//! to initialise, so it costs the same as any later one), the first parse of
//! an argument type (filled lazily into a cache), and warm averages for
//! lookups and for a `did_you_mean` over every component name.

use std::hint::black_box;
use std::time::{Duration, Instant};

use alloy_analysis::catalogue;

fn per_iter(total: Duration, iters: u32) -> String {
    format!("{:.1} ns", total.as_nanos() as f64 / f64::from(iters))
}

fn main() {
    let start = Instant::now();
    let first = catalogue::component(black_box("prometheus.scrape"));
    let first_lookup = start.elapsed();
    let Some(scrape) = first else {
        eprintln!("prometheus.scrape missing from the catalogue");
        std::process::exit(1);
    };

    let start = Instant::now();
    let targets_ty = scrape.argument("targets").map(|a| a.parsed_type());
    let first_parse = start.elapsed();
    let start = Instant::now();
    let again = scrape.argument("targets").map(|a| a.parsed_type());
    let cached_parse = start.elapsed();
    assert_eq!(targets_ty, again);

    let names: Vec<&str> = catalogue::components().iter().map(|c| c.name).collect();
    let rounds = 2_000u32;
    let start = Instant::now();
    for _ in 0..rounds {
        for name in &names {
            black_box(catalogue::component(black_box(name)));
        }
    }
    let lookups = rounds * names.len() as u32;
    let warm = start.elapsed();

    let start = Instant::now();
    let mut suggestion = None;
    for _ in 0..100 {
        suggestion = catalogue::did_you_mean(black_box("prometheus.scrap"), names.iter().copied());
    }
    let suggest = start.elapsed();

    println!(
        "catalogue: Alloy v{} ({} components)",
        catalogue::UPSTREAM_VERSION,
        names.len()
    );
    println!("first component() call in this process: {first_lookup:?}");
    println!("first parsed_type() (parse + cache):    {first_parse:?}");
    println!("second parsed_type() (cached):          {cached_parse:?}");
    println!(
        "warm component() lookup:                {} ({lookups} lookups)",
        per_iter(warm, lookups)
    );
    println!(
        "did_you_mean over all component names:  {} -> {suggestion:?}",
        per_iter(suggest, 100)
    );
}

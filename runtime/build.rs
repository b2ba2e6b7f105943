//! Records the compiler version for `alloy_build_info{goversion=...}`,
//! the label upstream fills with its Go version.

fn main() {
    println!("cargo:rerun-if-env-changed=RUSTC");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let Ok(output) = std::process::Command::new(rustc).arg("--version").output() else {
        return;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    // "rustc 1.95.0 (f2d3ce0bd 2026-03-21)" -> "rust1.95.0", like "go1.24.6".
    if let Some(version) = text.split_whitespace().nth(1) {
        println!("cargo:rustc-env=ALLOY_RUSTC_VERSION=rust{version}");
    }
}

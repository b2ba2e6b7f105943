//! Repository automation for the Alloy toolchain workspace.
//!
//! A library as well as a binary so that tests can call the generators
//! directly instead of spawning a nested `cargo`.

pub mod catalogue;

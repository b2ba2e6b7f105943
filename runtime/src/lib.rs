//! The Alloy runtime: values, the expression evaluator and the standard
//! library that the controller builds on.
//!
//! * [`value`]: Alloy values with upstream's semantics (number kinds,
//!   capsules, secrets that never print) and the decoding rules components
//!   receive arguments under.
//! * [`eval`]: evaluation of expressions and bodies over the typed AST of
//!   `alloy-syntax`, with upstream's error messages and byte positions.
//! * [`stdlib`]: upstream's standard library and `constants`.

pub mod eval;
pub mod stdlib;
pub mod value;

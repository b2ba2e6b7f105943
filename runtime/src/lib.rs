//! The Alloy runtime: values, the expression evaluator, the standard
//! library, and `alloy run` built on them.
//!
//! * [`value`]: Alloy values with upstream's semantics (number kinds,
//!   capsules, secrets that never print) and the decoding rules components
//!   receive arguments under.
//! * [`eval`]: evaluation of expressions and bodies over the typed AST of
//!   `alloy-syntax`, with upstream's error messages and byte positions.
//! * [`stdlib`]: upstream's standard library and `constants`.
//! * [`component`]: the interface components implement and the registry
//!   that maps names to them; [`components`]: the ones in this crate.
//! * [`controller`]: loads a config into a graph, evaluates it, runs the
//!   components and follows their exports.
//! * [`http`]: `/metrics`, `/-/ready`, `/-/healthy`, `/-/reload`, the web
//!   API and the `/graph` page.
//! * [`metrics`], [`logging`]: the Prometheus exposition and the log output
//!   the `logging` block configures.
//! * [`process`]: `alloy run` itself (flags, first load, signals, reload,
//!   shutdown).

pub mod component;
pub mod components;
pub mod controller;
pub mod eval;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod process;
pub mod selftrace;
pub mod stdlib;
mod timefmt;
pub mod value;
mod watch;

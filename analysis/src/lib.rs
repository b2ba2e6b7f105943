//! Static analysis for the Alloy configuration language.
//!
//! Today this is the embedded [`catalogue`] of upstream components, config
//! blocks and standard library that checks and the language server validate
//! against.

pub mod catalogue;

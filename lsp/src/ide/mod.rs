//! Editor logic over the syntax tree and the catalogue, independent of the
//! protocol: where the cursor is, what a body accepts, which references
//! are visible, and the documentation text of catalogue entries.

pub mod cursor;
pub mod docs;
pub mod foreach;
pub mod imports;
pub mod keys;
pub mod module;
pub mod ottl;
pub mod refs;
pub mod schema;
pub mod symbol;
pub mod syntax;

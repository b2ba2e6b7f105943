//! The syntactic layer between the tree and semantic queries: the item
//! index and the position-independent lowering of each item.

pub mod data;
mod green;
pub mod items;
pub mod lower;

pub use data::*;
pub use items::{item_data, item_index, Item, ItemIndex};
pub use lower::source_offset;

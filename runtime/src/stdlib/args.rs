//! Argument conversion for stdlib functions.
//!
//! Upstream's functions are typed Go functions whose arguments the VM
//! converts with the normal decoding rules; a failure names the argument
//! (`"a" should be array, got string`). These helpers do the conversion
//! and attach the argument index, so the evaluator can point at the
//! argument's expression.

use std::sync::Arc;

use crate::value::convert::{to_array, to_secret, to_string};
use crate::value::{CallError, Secret, Value};

static NULL: Value = Value::Null;

/// Argument `i`; the arity was checked before the call, so a missing
/// argument can only mean a bug, which reads as `null` rather than a panic.
pub(crate) fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&NULL)
}

pub(crate) fn string(args: &[Value], i: usize) -> Result<Arc<str>, CallError> {
    to_string(arg(args, i)).map_err(|e| CallError::arg(i, e))
}

pub(crate) fn secret(args: &[Value], i: usize) -> Result<Secret, CallError> {
    to_secret(arg(args, i)).map_err(|e| CallError::arg(i, e))
}

/// A list of strings (`[]string`): each element converted, a failure
/// pointing at the element.
pub(crate) fn string_list(args: &[Value], i: usize) -> Result<Vec<Arc<str>>, CallError> {
    let items = to_array(arg(args, i)).map_err(|e| CallError::arg(i, e))?;
    items
        .iter()
        .enumerate()
        .map(|(n, item)| to_string(item).map_err(|e| CallError::arg(i, e.in_index(n))))
        .collect()
}

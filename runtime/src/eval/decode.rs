//! Decoding a body against a schema, with upstream's block messages.
//!
//! Upstream decodes a body into a Go struct and checks, statement by
//! statement in source order, that each name exists and is used as the
//! right kind of statement before evaluating it; required attributes and
//! blocks are checked at the end. The schemas here are the catalogue's
//! (`alloy_analysis::catalogue::Body`), which describe every upstream
//! component and config block; a Rust component can declare its own in the
//! same shape. Attribute values are converted to the schema's types
//! (see [`crate::value::convert::coerce`]), so a component reads
//! normalised values: strings where a string is expected, secrets where a
//! secret is.

use std::collections::{HashMap, HashSet};

use alloy_analysis::catalogue::{BlockSchema, Body as Schema};
use alloy_syntax::ast::{AstNode, Block, Stmt};
use alloy_syntax::TextSize;

use super::body::{attribute_value, block_value, header_range, BlockValue, BodyItem, BodyValue};
use super::error::{BlockError, ErrorKind, EvalError};
use super::expr::{Evaluator, MAX_EVAL_DEPTH};
use super::Scope;
use crate::value::convert::coerce;

fn block_error(error: BlockError, range: Option<alloy_syntax::TextRange>) -> EvalError {
    EvalError::new(ErrorKind::Block(error), range)
}

/// Evaluates a body (a component's, or a config block's) against its
/// schema. The first problem stops decoding, as upstream.
pub fn decode_body(
    stmts: impl IntoIterator<Item = Stmt>,
    scope: &Scope,
    schema: &Schema,
) -> Result<BodyValue, EvalError> {
    decode_body_at(stmts.into_iter().collect(), scope, schema, 0)
}

/// Decodes a nested block: checks its label against the schema, then its
/// body.
pub fn decode_block(
    block: &Block,
    scope: &Scope,
    schema: &BlockSchema,
) -> Result<BlockValue, EvalError> {
    decode_block_at(block, scope, schema, 0)
}

fn decode_block_at(
    block: &Block,
    scope: &Scope,
    schema: &BlockSchema,
    depth: usize,
) -> Result<BlockValue, EvalError> {
    let name = block.name();
    let label = block.label();
    match (label.is_some(), schema.labeled) {
        (false, true) => {
            return Err(block_error(
                BlockError::LabelRequired(name),
                Some(header_range(block)),
            ))
        }
        (true, false) => {
            return Err(block_error(
                BlockError::LabelNotAllowed(name),
                Some(header_range(block)),
            ))
        }
        _ => {}
    }
    if schema.module_body {
        return Ok(block_value(block, label, BodyValue::default(), false));
    }
    if depth >= MAX_EVAL_DEPTH {
        return Err(EvalError::new(
            ErrorKind::TooDeep,
            Some(block.syntax().text_range()),
        ));
    }
    let body = decode_body_at(
        block.statements().collect(),
        scope,
        &schema.body(),
        depth + 1,
    )?;
    Ok(block_value(block, label, body, true))
}

fn decode_body_at(
    stmts: Vec<Stmt>,
    scope: &Scope,
    schema: &Schema,
    depth: usize,
) -> Result<BodyValue, EvalError> {
    // How often each (non-enum) block appears, for "may only be specified
    // once", which upstream reports at the second occurrence's first
    // statement of that name.
    let mut block_counts: HashMap<String, usize> = HashMap::new();
    for stmt in &stmts {
        if let Stmt::Block(block) = stmt {
            *block_counts.entry(block.name()).or_default() += 1;
        }
    }

    let mut seen_attrs: HashSet<String> = HashSet::new();
    let mut seen_blocks: HashSet<String> = HashSet::new();
    let mut body = BodyValue::default();
    for stmt in stmts {
        match stmt {
            Stmt::Attribute(attr) => {
                let range = Some(attr.syntax().text_range());
                let (Some(name_token), Some(expr)) = (attr.name(), attr.value()) else {
                    return Err(EvalError::new(ErrorKind::Incomplete, range));
                };
                let name = name_token.text().to_owned();
                if !seen_attrs.insert(name.clone()) {
                    return Err(block_error(BlockError::RepeatedAttribute(name), range));
                }
                let Some(argument) = schema.argument(&name) else {
                    let error = if schema.block(&name).is_some() {
                        BlockError::ExpectedBlock(name)
                    } else {
                        BlockError::UnrecognizedAttribute(name)
                    };
                    return Err(block_error(error, range));
                };
                let value = Evaluator::new(scope, TextSize::from(0)).eval(&expr)?;
                let value = coerce(&value, argument.parsed_type())
                    .map_err(|e| EvalError::from_value_error(&expr, TextSize::from(0), &e))?;
                body.push(BodyItem::Attribute(attribute_value(
                    &attr, name, value, &expr,
                )));
            }
            Stmt::Block(block) => {
                let name = block.name();
                let range = Some(block.syntax().text_range());
                let Some(block_schema) = schema.block(&name) else {
                    let error = if schema.argument(&name).is_some() {
                        BlockError::ExpectedAttribute(name)
                    } else {
                        BlockError::UnrecognizedBlock(name)
                    };
                    return Err(block_error(error, range));
                };
                let repeatable = block_schema.repeatable || block_schema.enum_group.is_some();
                if !repeatable && block_counts.get(&name).copied().unwrap_or(0) > 1 {
                    return Err(block_error(BlockError::RepeatedBlock(name), range));
                }
                let value = decode_block_at(&block, scope, block_schema, depth)?;
                seen_blocks.insert(name);
                body.push(BodyItem::Block(value));
            }
        }
    }

    if let Some(missing) = schema
        .required_arguments()
        .find(|a| !seen_attrs.contains(a.name))
    {
        return Err(block_error(
            BlockError::MissingAttribute(missing.name.to_owned()),
            None,
        ));
    }
    if let Some(missing) = schema
        .required_blocks()
        .filter(|b| b.enum_group.is_none())
        .find(|b| !seen_blocks.contains(b.name))
    {
        return Err(block_error(
            BlockError::MissingBlock(missing.name.to_owned()),
            None,
        ));
    }
    Ok(body)
}

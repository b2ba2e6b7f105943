//! OTTL inside Alloy strings: which strings hold statements or conditions
//! (the analysis's site table), the context they run in, and positions
//! mapped between the document and the decoded statement text.

use alloy_analysis::hir::{lower::unquote, source_offset};
use alloy_ottl::{Context, Kind2};
use alloy_syntax::ast::{self, AstNode};
use alloy_syntax::{SyntaxKind, SyntaxToken, TextRange, TextSize};

use crate::ide::syntax::enclosing_blocks;

/// A string literal holding OTTL.
pub struct OttlString {
    pub token: SyntaxToken,
    pub text: String,
    pub kind: Kind2,
    pub context: Context,
}

impl OttlString {
    /// The decoded offset of a document offset inside the literal.
    pub fn decoded(&self, offset: TextSize) -> usize {
        let rel =
            u32::from(offset).saturating_sub(u32::from(self.token.text_range().start())) as usize;
        let raw = self.token.text();
        let mut best = 0;
        for d in 0..=self.text.len() {
            if !self.text.is_char_boundary(d) {
                continue;
            }
            if source_offset(raw, d) <= rel {
                best = d;
            } else {
                break;
            }
        }
        best
    }

    /// The document range of decoded bytes `start..end`.
    pub fn range(&self, start: usize, end: usize) -> TextRange {
        let base = self.token.text_range().start();
        let raw = self.token.text();
        let a = source_offset(raw, start) as u32;
        let b = (source_offset(raw, end) as u32).max(a);
        TextRange::new(base + TextSize::from(a), base + TextSize::from(b))
    }
}

/// The OTTL string `token` is, if any.
pub fn ottl_string(token: &SyntaxToken) -> Option<OttlString> {
    if token.kind() != SyntaxKind::STRING {
        return None;
    }
    let attr = token.parent_ancestors().find_map(ast::Attribute::cast)?;
    let attr_name = attr.name()?.text().to_owned();
    let blocks = enclosing_blocks(attr.syntax());
    let (component, rest) = blocks.split_first()?;
    let path: Vec<String> = rest.iter().map(|b| b.name()).collect();
    let (kind, among, fixed) = alloy_analysis::ottl_site(&component.name(), &path, &attr_name)?;
    let text = unquote(token.text());
    let context = fixed
        .or_else(|| {
            // The block's `context = "..."` attribute.
            let block = blocks.last()?;
            block
                .syntax()
                .descendants()
                .filter_map(ast::Attribute::cast)
                .find(|a| a.name().is_some_and(|n| n.text() == "context"))
                .and_then(|a| {
                    a.syntax()
                        .descendants_with_tokens()
                        .filter_map(|e| e.into_token())
                        .find(|t| t.kind() == SyntaxKind::STRING)
                })
                .and_then(|t| Context::parse(&unquote(t.text())))
        })
        .or_else(|| alloy_ottl::infer_context(&[text.as_str()], kind, among))
        .or_else(|| among.last().copied())?;
    Some(OttlString {
        token: token.clone(),
        text,
        kind,
        context,
    })
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The dotted name around decoded offset `at` (`resource.attributes`), its
/// range, and the index of the segment under the cursor.
pub fn name_at(text: &str, at: usize) -> Option<(usize, usize, String)> {
    let at = at.min(text.len());
    let start = text[..at]
        .rfind(|c: char| !(is_word(c) || c == '.'))
        .map_or(0, |i| i + 1);
    let end = text[at..]
        .find(|c: char| !is_word(c))
        .map_or(text.len(), |i| at + i);
    (start < end).then(|| (start, end, text[start..end].to_owned()))
}

/// Hover text for the name under the cursor: a function's signature and
/// documentation, a path's type and meaning, an enum's value.
pub fn hover_text(s: &OttlString, at: usize) -> Option<(TextRange, String)> {
    let (start, end, name) = name_at(&s.text, at)?;
    let range = s.range(start, end);
    if let Some(f) = alloy_ottl::funcs::lookup(&name) {
        let what = if f.editor { "editor" } else { "converter" };
        return Some((
            range,
            format!("```ottl\n{}\n```\n\nOTTL {what}. {}", f.signature, f.doc),
        ));
    }
    if let Some(v) = s.context.resolve_enum(&name) {
        return Some((
            range,
            format!("`{name}` = {v} (enum of the {} context)", s.context),
        ));
    }
    let names: Vec<&str> = name.split('.').collect();
    let (ctx, rest) = match Context::parse(names[0]) {
        Some(c) if names.len() > 1 => (c, &names[1..]),
        _ => (s.context, &names[..]),
    };
    let spec = alloy_ottl::context::lookup(ctx, rest)?;
    Some((
        range,
        format!(
            "`{}.{}`: {}\n\n{}",
            ctx,
            spec.segments.join("."),
            spec.ty.name(),
            spec.doc
        ),
    ))
}

/// Completion candidates for the word before decoded offset `at`: label,
/// detail, documentation; and the decoded range they replace.
pub fn completions(s: &OttlString, at: usize) -> (usize, usize, Vec<(String, String, String)>) {
    let at = at.min(s.text.len());
    let start = s.text[..at]
        .rfind(|c: char| !(is_word(c) || c == '.'))
        .map_or(0, |i| i + 1);
    let prefix = &s.text[start..at];
    let mut out = Vec::new();
    for f in alloy_ottl::FUNCTIONS {
        let statement_start = s.text[..start].trim().is_empty();
        if f.editor && !(statement_start && s.kind == Kind2::Statement) {
            continue;
        }
        if f.name.starts_with(prefix) {
            out.push((f.name.to_owned(), f.signature.to_owned(), f.doc.to_owned()));
        }
    }
    for p in alloy_ottl::path_names(s.context) {
        if p.starts_with(prefix) {
            out.push((p, "path".to_owned(), String::new()));
        }
    }
    for e in s.context.enum_symbols() {
        if e.starts_with(prefix) && !prefix.is_empty() {
            out.push((e.to_owned(), "enum".to_owned(), String::new()));
        }
    }
    for k in ["where", "and", "or", "not", "nil", "true", "false"] {
        if k.starts_with(prefix) && !prefix.is_empty() {
            out.push((k.to_owned(), "keyword".to_owned(), String::new()));
        }
    }
    (start, at, out)
}

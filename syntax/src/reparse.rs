//! Incremental reparsing: after an edit, parse again only the top-level
//! statements the edit touches and splice them into the old tree.
//!
//! The result must be exactly what a full parse of the new text gives (same
//! green tree, same errors in the same order), so the splice is only made
//! when that can be shown from the parser's own behaviour; otherwise the
//! whole text is parsed again.
//!
//! Why a region between two statement starts can be parsed on its own: a
//! top-level statement that begins a line, right after a NEWLINE token, is
//! reached with the scanner in its initial state (a newline clears the
//! pending terminator and nothing is held back) and the parser at the top of
//! the root body loop, nesting depth zero. Everything the parser does inside
//! the region depends only on the region's text plus one token of look-ahead,
//! which is the identifier that starts the next statement. So the region is
//! parsed with a stand-in statement (`x=0`) after it; if that stand-in comes
//! out as a root-level attribute of its own, with no error at or after it,
//! the parser was back at the top of the loop there, exactly as it will be
//! before the real next statement, and the rest of the old tree still holds.
//! Errors keep their order because all errors raised while parsing a region
//! point inside it, and the "one error per line" filter never compares lines
//! across a region boundary (a boundary always starts a new line).

use std::sync::Arc;

use rowan::{GreenNode, NodeOrToken, TextRange, TextSize};

use crate::{parse, Parse, SyntaxError, SyntaxKind};

/// The statement parsed after a region to show the parser is back at the top
/// level when the region ends.
const STAND_IN: &str = "x=0";

/// Parses `new_text`, reusing every top-level statement of `old` that the
/// edit from `old`'s text to `new_text` cannot have changed. Always equal to
/// `parse(new_text)`; faster when the edit is small and sits within a few
/// top-level statements.
pub fn reparse(old: &Parse, new_text: &str) -> Parse {
    try_reparse(old, new_text).unwrap_or_else(|| parse(new_text))
}

pub(crate) fn try_reparse(old: &Parse, new_text: &str) -> Option<Parse> {
    // Decoder complaints (NUL, misplaced byte order marks) and replaced bytes
    // are rare; they are reported by position over the whole file, so leave
    // them to a full parse.
    if old.had_invalid_utf8() || !new_text.is_ascii() && new_text.contains('\u{FEFF}') {
        return None;
    }
    if new_text.as_bytes().contains(&0) {
        return None;
    }
    let old_text = green_text(old.green());
    if old_text.contains('\0') || old_text.contains('\u{FEFF}') {
        return None;
    }
    if old_text == new_text {
        return Some(old.clone());
    }
    if old
        .errors()
        .iter()
        .any(|e| e.kind == crate::SyntaxErrorKind::NestingTooDeep)
    {
        return None;
    }
    // Which errors were dropped, and where, is not known: parse it all.
    if old.dropped_errors() > 0 {
        return None;
    }

    // The changed bytes: old[start..old_end] became new[start..new_end].
    let (old_b, new_b) = (old_text.as_bytes(), new_text.as_bytes());
    let prefix = common_prefix(old_b, new_b);
    let max_suffix = old_b.len().min(new_b.len()) - prefix;
    let suffix = common_suffix(&old_b[prefix..], &new_b[prefix..]).min(max_suffix);
    let start = prefix;
    let old_end = old_b.len() - suffix;
    let new_end = new_b.len() - suffix;

    // Root children with their offsets; boundaries are the indices of
    // statements that start a line.
    let root = old.green();
    let mut offsets = Vec::with_capacity(root.children().len() + 1);
    let mut offset = 0usize;
    for child in root.children() {
        offsets.push(offset);
        offset += usize::from(child.text_len());
    }
    offsets.push(offset);
    let children: Vec<_> = root.children().collect();
    let is_boundary = |k: usize| {
        k > 0
            && (children[k].kind() == raw(SyntaxKind::ATTRIBUTE)
                || children[k].kind() == raw(SyntaxKind::BLOCK))
            && children[k - 1].kind() == raw(SyntaxKind::NEWLINE)
            && children[k - 1].as_token().is_some()
            && children[k].as_node().is_some()
    };
    // First reused child: the last boundary strictly before the edit (the
    // newline before it must stay as it is, and so must the statement's
    // first character, which ends that newline's indentation).
    let first = (1..children.len())
        .rev()
        .find(|&k| offsets[k] < start && is_boundary(k))
        .unwrap_or(0);
    // First child after the region: the first boundary whose newline lies
    // wholly after the edit.
    let after = (first + 1..children.len())
        .find(|&k| is_boundary(k) && offsets[k - 1] >= old_end)
        .unwrap_or(children.len());

    let region_start = offsets[first];
    let old_region_end = offsets[after];
    let new_region_end = old_region_end + new_end - old_end;
    let at_end = after == children.len();
    let region = new_text.get(region_start..new_region_end)?;

    // Old errors must split into those before, inside and after the region.
    let old_errors = old.errors();
    let before = old_errors
        .iter()
        .take_while(|e| (e.offset() as usize) < region_start)
        .count();
    // A region that runs to the end of the file owns the errors reported at
    // its end (unexpected end of input).
    let inside = old_errors[before..]
        .iter()
        .take_while(|e| at_end || (e.offset() as usize) < old_region_end)
        .count();
    let tail = &old_errors[before + inside..];
    let misplaced = old_errors[before..before + inside]
        .iter()
        .any(|e| (e.offset() as usize) < region_start)
        || tail.iter().any(|e| (e.offset() as usize) < old_region_end);
    if misplaced {
        return None;
    }

    let sub = parse_piece(region, at_end)?;
    let spliced: Vec<_> = children[..first]
        .iter()
        .map(owned)
        .chain(sub.children)
        .chain(children[after..].iter().map(owned))
        .collect();
    let sub_errors = sub.errors;
    let green = GreenNode::new(SyntaxKind::ROOT.into(), spliced);

    let shift_sub = region_start as u32;
    let delta = new_region_end as i64 - old_region_end as i64;
    let mut errors: Vec<SyntaxError> = Vec::with_capacity(old_errors.len() + sub_errors.len());
    errors.extend_from_slice(&old_errors[..before]);
    errors.extend(sub_errors.iter().map(|e| shifted(e, i64::from(shift_sub))));
    errors.extend(tail.iter().map(|e| shifted(e, delta)));
    // Past the cap the whole file's count is needed: parse it all.
    if sub.dropped > 0 || errors.len() > crate::MAX_ERRORS {
        return None;
    }
    Some(Parse {
        green,
        errors: errors.into(),
        replacements: Arc::from([]),
        dropped_errors: 0,
    })
}

/// The root children and errors of a piece of a file that starts where a
/// top-level statement starts a line.
pub(crate) struct Piece {
    pub children: Vec<Element>,
    pub errors: Vec<SyntaxError>,
    /// Errors past `MAX_ERRORS` in this piece.
    pub dropped: usize,
}

/// Parses `region` as it would be parsed inside the whole file, or returns
/// `None` when that cannot be shown. Unless the region runs to the end of
/// the file (`last`), it must end right after a newline that precedes a
/// statement starting the next line, and the stand-in proves the parser is
/// back at the top level there.
pub(crate) fn parse_piece(region: &str, last: bool) -> Option<Piece> {
    let sub = if last {
        parse(region)
    } else {
        let mut text = String::with_capacity(region.len() + STAND_IN.len());
        text.push_str(region);
        text.push_str(STAND_IN);
        parse(&text)
    };
    if sub
        .errors()
        .iter()
        .any(|e| e.kind == crate::SyntaxErrorKind::NestingTooDeep)
    {
        return None;
    }
    let mut children: Vec<Element> = sub.green().children().map(|c| owned(&c)).collect();
    if !last {
        // The stand-in must be a root-level attribute right after a newline,
        // and nothing may have been reported at or after it.
        let n = children.len();
        let stand_in_ok = n >= 2
            && children[n - 1].kind() == raw(SyntaxKind::ATTRIBUTE)
            && usize::from(children[n - 1].text_len()) == STAND_IN.len()
            && children[n - 2].kind() == raw(SyntaxKind::NEWLINE)
            && children[n - 2].as_token().is_some();
        let errors_inside = sub.errors().iter().all(|e| {
            (e.offset() as usize) < region.len() && usize::from(e.range.end()) <= region.len()
        });
        if !stand_in_ok || !errors_inside {
            return None;
        }
        children.pop();
    }
    Some(Piece {
        children,
        errors: sub.errors().to_vec(),
        dropped: sub.dropped_errors(),
    })
}

type Element = NodeOrToken<GreenNode, rowan::GreenToken>;

fn owned(child: &NodeOrToken<&rowan::GreenNodeData, &rowan::GreenTokenData>) -> Element {
    match child {
        NodeOrToken::Node(node) => NodeOrToken::Node((*node).to_owned()),
        NodeOrToken::Token(token) => NodeOrToken::Token((*token).to_owned()),
    }
}

fn raw(kind: SyntaxKind) -> rowan::SyntaxKind {
    kind.into()
}

pub(crate) fn shifted(error: &SyntaxError, delta: i64) -> SyntaxError {
    let move_by = |at: TextSize| TextSize::from((i64::from(u32::from(at)) + delta) as u32);
    SyntaxError {
        kind: error.kind.clone(),
        range: TextRange::new(move_by(error.range.start()), move_by(error.range.end())),
    }
}

/// Length of the common prefix, a block at a time (a compiled `memcmp`)
/// before the byte loop: the texts are whole files.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let blocks = a
        .chunks_exact(BLOCK)
        .zip(b.chunks_exact(BLOCK))
        .take_while(|(x, y)| x == y)
        .count();
    let done = blocks * BLOCK;
    done + a[done..]
        .iter()
        .zip(&b[done..])
        .take_while(|(x, y)| x == y)
        .count()
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let blocks = a
        .rchunks_exact(BLOCK)
        .zip(b.rchunks_exact(BLOCK))
        .take_while(|(x, y)| x == y)
        .count();
    let done = blocks * BLOCK;
    done + a[..a.len() - done]
        .iter()
        .rev()
        .zip(b[..b.len() - done].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// The text of a green tree, gathered from its tokens.
fn green_text(green: &GreenNode) -> String {
    let mut text = String::with_capacity(usize::from(green.text_len()));
    let mut stack = vec![green.children()];
    while let Some(children) = stack.last_mut() {
        match children.next() {
            Some(NodeOrToken::Node(node)) => stack.push(node.children()),
            Some(NodeOrToken::Token(token)) => text.push_str(token.text()),
            None => {
                stack.pop();
            }
        }
    }
    text
}

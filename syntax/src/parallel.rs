//! Parsing a large file on several threads: the text is cut where a
//! top-level statement starts a line, each piece is parsed on its own and
//! the root children are joined. The pieces are checked exactly as the
//! incremental reparse checks its region (see `reparse`), so the result is
//! the sequential parse's tree and errors, or the sequential parse itself
//! when a cut turns out not to be a statement boundary.

use std::sync::Arc;

use rowan::GreenNode;

use crate::reparse::{parse_piece, shifted, Piece};
use crate::{parse_file, Parse, SyntaxKind, MAX_ERRORS};

/// Below this size a second thread costs more than it saves.
const MIN_PARALLEL_LEN: usize = 256 * 1024;

/// Parses a file's bytes like [`parse_file`], splitting the work over up to
/// `threads` threads for large inputs. Same tree and errors as `parse_file`.
pub fn parse_file_parallel(bytes: &[u8], threads: usize) -> Parse {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return parse_file(bytes);
    };
    if threads < 2 || text.len() < MIN_PARALLEL_LEN {
        return parse_file(bytes);
    }
    let cuts = find_cuts(text, threads);
    parse_at_cuts(text, &cuts).unwrap_or_else(|| parse_file(bytes))
}

/// Up to `pieces - 1` cut positions, near equal fractions of the text: each
/// right after a newline and at an ASCII identifier start, which is where
/// a top-level statement can begin.
pub(crate) fn find_cuts(text: &str, pieces: usize) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut cuts = Vec::with_capacity(pieces);
    for i in 1..pieces {
        let from = (text.len() * i / pieces).max(cuts.last().map_or(1, |&c| c + 1));
        let found = bytes.get(from..).and_then(|rest| {
            rest.windows(2)
                .position(|w| w[0] == b'\n' && (w[1].is_ascii_alphabetic() || w[1] == b'_'))
        });
        if let Some(at) = found {
            cuts.push(from + at + 1);
        }
    }
    cuts
}

/// Parses the pieces between `cuts` (ascending byte offsets) in parallel and
/// joins them; `None` when a piece cannot be shown to parse as it does in
/// the whole text (or the text has what only a whole-file parse reports).
pub(crate) fn parse_at_cuts(text: &str, cuts: &[usize]) -> Option<Parse> {
    if text.contains('\0') || text.contains('\u{FEFF}') {
        return None;
    }
    let mut bounds = Vec::with_capacity(cuts.len() + 2);
    bounds.push(0);
    for &cut in cuts {
        let valid = cut > *bounds.last()?
            && cut < text.len()
            && text.as_bytes()[cut - 1] == b'\n'
            // The newline token takes the indentation after it: a cut before
            // a space or tab would split that token.
            && !matches!(text.as_bytes()[cut], b' ' | b'\t')
            && text.is_char_boundary(cut);
        if !valid {
            return None;
        }
        bounds.push(cut);
    }
    bounds.push(text.len());
    let regions: Vec<(usize, &str, bool)> = bounds
        .windows(2)
        .enumerate()
        .map(|(i, w)| (w[0], &text[w[0]..w[1]], i + 2 == bounds.len()))
        .collect();
    let pieces: Vec<Option<Piece>> = std::thread::scope(|scope| {
        let handles: Vec<_> = regions[1..]
            .iter()
            .map(|&(_, region, last)| scope.spawn(move || parse_piece(region, last)))
            .collect();
        let first = parse_piece(regions[0].1, regions[0].2);
        std::iter::once(first)
            .chain(handles.into_iter().map(|h| h.join().ok().flatten()))
            .collect()
    });
    let mut children = Vec::new();
    let mut errors = Vec::new();
    let mut total = 0;
    for (piece, &(start, _, _)) in pieces.into_iter().zip(&regions) {
        let piece = piece?;
        children.extend(piece.children);
        total += piece.errors.len() + piece.dropped;
        // The first `MAX_ERRORS` of the joined list are the whole file's:
        // a piece that dropped some kept `MAX_ERRORS` itself.
        let room = MAX_ERRORS.saturating_sub(errors.len());
        errors.extend(
            piece
                .errors
                .iter()
                .take(room)
                .map(|e| shifted(e, start as i64)),
        );
    }
    let dropped_errors = total - errors.len();
    Some(Parse {
        green: GreenNode::new(SyntaxKind::ROOT.into(), children),
        errors: errors.into(),
        replacements: Arc::from([]),
        dropped_errors,
    })
}

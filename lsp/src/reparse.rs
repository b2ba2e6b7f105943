//! Trees of open documents kept up to date by re-parsing only the
//! top-level statement an edit falls into, for completion.
//!
//! A completion typed right after a keystroke needs the new tree of the
//! file. Parsing a 10,000-line file again costs about 5 ms, half the 10 ms
//! budget, and it competes with the diagnostics of the same edit. The edit of
//! a keystroke almost always stays inside one top-level block: the writer
//! re-parses that block alone and splices it into the previous tree (both
//! are immutable green trees, so the rest is shared).
//!
//! The splice is used only when it must equal a full parse: the edit lies
//! strictly inside one top-level statement, the old statement and its new
//! text both parse without errors as exactly one statement of the same kind
//! spanning the whole text. The lexer has no state across a statement that
//! lexes cleanly (strings and comments close inside it) and the parser
//! resumes at the top level after it, so the statements around it come out
//! as before. Anything else drops the cached tree; readers then use the
//! database's full parse and cache it again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use alloy_syntax::{SyntaxNode, TextRange, TextSize};
use rowan::GreenNode;

/// The last known tree of each open document, with the text it is for.
#[derive(Default)]
pub struct Trees {
    by_path: Mutex<HashMap<String, (Arc<str>, GreenNode)>>,
}

impl Trees {
    /// The tree of `text` (the same allocation the document holds), if known.
    pub fn get(&self, path: &str, text: &Arc<str>) -> Option<SyntaxNode> {
        let trees = self.by_path.lock().ok()?;
        let (known, green) = trees.get(path)?;
        Arc::ptr_eq(known, text).then(|| SyntaxNode::new_root(green.clone()))
    }

    /// Remembers a full parse of `text`.
    pub fn insert(&self, path: &str, text: Arc<str>, green: GreenNode) {
        if let Ok(mut trees) = self.by_path.lock() {
            trees.insert(path.to_owned(), (text, green));
        }
    }

    pub fn remove(&self, path: &str) {
        if let Ok(mut trees) = self.by_path.lock() {
            trees.remove(path);
        }
    }

    /// The document at `path` changed from `old` to `new`: splice the tree if
    /// the edit allows it, else forget it.
    pub fn edited(&self, path: &str, old: &Arc<str>, new: &Arc<str>) {
        let Ok(mut trees) = self.by_path.lock() else {
            return;
        };
        let spliced = match trees.get(path) {
            Some((known, green)) if Arc::ptr_eq(known, old) => reparse(green, old, new),
            _ => None,
        };
        match spliced {
            Some(green) => {
                trees.insert(path.to_owned(), (new.clone(), green));
            }
            None => {
                trees.remove(path);
            }
        }
    }
}

/// The byte range of `old` that was replaced, and the length of its
/// replacement in `new` (common prefix and suffix removed, on character
/// boundaries).
fn changed_range(old: &str, new: &str) -> (usize, usize, usize) {
    let (a, b) = (old.as_bytes(), new.as_bytes());
    let mut prefix = common_prefix(a, b, a.len().min(b.len()));
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = common_suffix(a, b, max_suffix);
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    (prefix, old.len() - suffix, new.len() - suffix - prefix)
}

/// Compared in blocks first (slice equality is a `memcmp`): this runs on
/// every keystroke over the whole document.
const BLOCK: usize = 64;

fn common_prefix(a: &[u8], b: &[u8], limit: usize) -> usize {
    let mut i = 0;
    while i + BLOCK <= limit && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    while i < limit && a[i] == b[i] {
        i += 1;
    }
    i
}

fn common_suffix(a: &[u8], b: &[u8], limit: usize) -> usize {
    let (la, lb) = (a.len(), b.len());
    let mut i = 0;
    while i + BLOCK <= limit && a[la - i - BLOCK..la - i] == b[lb - i - BLOCK..lb - i] {
        i += BLOCK;
    }
    while i < limit && a[la - i - 1] == b[lb - i - 1] {
        i += 1;
    }
    i
}

/// The tree of `new` from the tree of `old`, if one statement can be
/// re-parsed alone (see the module docs).
pub fn reparse(green: &GreenNode, old: &str, new: &str) -> Option<GreenNode> {
    let root = SyntaxNode::new_root(green.clone());
    if u32::from(root.text_range().end()) as usize != old.len() {
        return None;
    }
    let (start, end, inserted) = changed_range(old, new);
    let stmt = root.children().find(|child| {
        let range = child.text_range();
        u32::from(range.start()) < start as u32 && (end as u32) < u32::from(range.end())
    })?;
    let range = stmt.text_range();
    let old_region = old.get(std::ops::Range::<usize>::from(range))?;
    let new_end = u32::from(range.end()) as usize - (end - start) + inserted;
    let new_region = new.get(u32::from(range.start()) as usize..new_end)?;
    if new_region.contains('\u{feff}') {
        return None;
    }
    let replacement = single_statement(new_region, stmt.kind())?;
    // The old statement must have parsed cleanly too: error recovery in it
    // may have ended it somewhere a clean parse would not.
    single_statement(old_region, stmt.kind())?;
    let spliced = stmt.replace_with(replacement);
    let check = SyntaxNode::new_root(spliced.clone());
    (check.text_range() == TextRange::up_to(TextSize::from(new.len() as u32))).then_some(spliced)
}

/// The green node of `text` when it parses, alone and without errors, as
/// exactly one statement of kind `kind` covering all of it.
fn single_statement(text: &str, kind: alloy_syntax::SyntaxKind) -> Option<GreenNode> {
    let parse = alloy_syntax::parse(text);
    if parse.has_errors() {
        return None;
    }
    let root = parse.syntax_node();
    let mut children = root.children_with_tokens();
    let only = children.next()?.into_node()?;
    if children.next().is_some() || only.kind() != kind {
        return None;
    }
    (only.text_range() == root.text_range()).then(|| only.green().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(text: &str) -> GreenNode {
        alloy_syntax::parse(text).green().clone()
    }

    const TEXT: &str = "logging {\n\tlevel = \"info\"\n}\n\nprometheus.scrape \"s\" {\n\ttargets    = []\n\tforward_to = []\n\tscrape_interval = \"30s\"\n}\n\nloki.write \"w\" { }\n";

    #[test]
    fn a_local_edit_gives_the_tree_of_a_full_parse() {
        for new in [
            TEXT.replace("\"30s\"", "\"30x\""),
            TEXT.replace(
                "\tforward_to = []\n",
                "\tforward_to = []\n\tjob_name = \"j\"\n",
            ),
            TEXT.replace("\tforward_to = []\n", "\n"),
            TEXT.replace("\"info\"", "\"débug\""),
        ] {
            let spliced = reparse(&full(TEXT), TEXT, &new).expect("spliced");
            assert_eq!(spliced, full(&new), "{new}");
        }
    }

    #[test]
    fn edits_that_may_change_other_statements_fall_back() {
        for new in [
            // Unbalanced: the block would swallow what follows.
            TEXT.replace("forward_to = []", "forward_to = [{"),
            // An unterminated string or comment.
            TEXT.replace("\"30s\"", "\"30s"),
            TEXT.replace("\"30s\"", "/* \"30s\""),
            // Between statements, and across two of them.
            TEXT.replace("}\n\nloki", "}\nx = 1\nloki"),
            TEXT.replace("\"info\"\n}\n\nprometheus", "\"info\"\n\tprometheus"),
        ] {
            if let Some(spliced) = reparse(&full(TEXT), TEXT, &new) {
                // Accepted only if it is what a full parse gives.
                assert_eq!(spliced, full(&new), "{new}");
            }
        }
        let broken = TEXT.replace("targets    = []", "targets    = [");
        assert!(reparse(&full(TEXT), TEXT, &broken).is_none());
    }

    /// Every one-character insertion and deletion: a splice, when made,
    /// equals the full parse.
    #[test]
    fn exhaustive_keystrokes_never_give_a_wrong_tree() {
        let text = format!("{TEXT}declare \"d\" {{\n\targument \"a\" {{ optional = true }}\n\tx = `raw` // c\n\ty = {{a = [1, 2.5, -3], b = f(\"s\\\"\")}}\n}}\n");
        let green = full(&text);
        let mut spliced_count = 0;
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for (n, &at) in boundaries.iter().enumerate() {
            let mut edits = Vec::new();
            for c in [
                '"', '{', '}', '[', ']', '/', '*', '`', 'x', '\n', ' ', '=', ',', '\\',
            ] {
                let mut t = text.clone();
                t.insert(at, c);
                edits.push(t);
            }
            if let Some(&next) = boundaries.get(n + 1) {
                let mut t = text.clone();
                t.replace_range(at..next, "");
                edits.push(t);
            }
            for new in edits {
                if let Some(spliced) = reparse(&green, &text, &new) {
                    spliced_count += 1;
                    assert_eq!(spliced, full(&new), "{new:?}");
                }
            }
        }
        assert!(
            spliced_count > 500,
            "many keystrokes splice: {spliced_count}"
        );
    }

    #[test]
    fn changed_ranges_of_edits_anywhere() {
        let base: String = (0..300)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        for at in [0, 1, 63, 64, 65, 150, 299, 300] {
            for (cut, insert) in [(0, "X"), (1, ""), (1, "é"), (0, "")] {
                let end = (at + cut).min(base.len());
                let mut new = base.clone();
                new.replace_range(at..end, insert);
                let (s, e, n) = changed_range(&base, &new);
                let rebuilt = format!("{}{}{}", &base[..s], &new[s..s + n], &base[e..]);
                assert_eq!(rebuilt, new, "at {at}, cut {cut}, insert {insert:?}");
                assert!(e - s <= cut.max(1) && n <= insert.len().max(1) + 1);
            }
        }
    }

    #[test]
    fn the_cache_follows_the_edits_of_a_document() {
        let trees = Trees::default();
        let v1: Arc<str> = Arc::from(TEXT);
        trees.insert("a", v1.clone(), full(TEXT));
        let v2: Arc<str> = Arc::from(TEXT.replace("\"30s\"", "\"31s\"").as_str());
        trees.edited("a", &v1, &v2);
        let root = trees.get("a", &v2).expect("spliced tree");
        assert_eq!(root.to_string(), &*v2);
        assert!(trees.get("a", &v1).is_none());
        // An edit the cache cannot follow forgets the tree.
        let v3: Arc<str> = Arc::from(format!("{v2}x {{").as_str());
        trees.edited("a", &v2, &v3);
        assert!(trees.get("a", &v3).is_none());
    }
}

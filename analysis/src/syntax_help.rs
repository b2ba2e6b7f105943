//! Help for the syntax slips new users make most, on top of upstream's
//! message (which is kept word for word): a "help" line saying what to
//! change, the edit when it is known (a quick fix in editors, a SARIF fix),
//! and the other place that matters (the `{` a missing `}` belongs to).
//!
//! The slips: a missing `,` at the end of a line of a multi-line object or
//! list (the docs' own `headers = { ... }` examples), `=` in a block header,
//! a block never closed, and a documentation placeholder such as
//! `<SELF_LABEL>` left in a label.

use alloy_syntax::{
    SyntaxElement, SyntaxError, SyntaxErrorKind, SyntaxKind, SyntaxNode, SyntaxToken, TextRange,
    TextSize,
};

use crate::db::SourceFile;
use crate::diag::{Fix, Related, TextEdit};

/// What to add to one syntax error's diagnostic.
#[derive(Default)]
pub(crate) struct Help {
    pub notes: Vec<String>,
    pub fixes: Vec<Fix>,
    pub related: Vec<Related>,
}

/// Help for `error`, found in `root` (the file's tree, whose offsets the
/// error uses).
pub(crate) fn help(root: &SyntaxNode, file: SourceFile, path: &str, error: &SyntaxError) -> Help {
    let offset = error.range.start();
    let edit = |range: TextRange, new_text: &str| TextEdit {
        file,
        range,
        new_text: new_text.to_owned(),
    };
    let mut help = Help::default();
    match &error.kind {
        SyntaxErrorKind::MissingCommaInFieldList
        | SyntaxErrorKind::MissingCommaInExpressionList => {
            let Some(previous) = previous_significant(root, offset) else {
                return help;
            };
            let at = previous.text_range().end();
            let ends_line = next_is_line_end(&previous);
            help.notes.push(if ends_line {
                "add `,` at the end of this line: every item of a multi-line object or list ends with a comma, the last one too".to_owned()
            } else {
                format!("add `,` after `{}` to separate the items", previous.text())
            });
            help.fixes.push(Fix {
                title: "Add the missing `,`".to_owned(),
                edits: vec![edit(TextRange::empty(at), ",")],
            });
        }
        SyntaxErrorKind::AttributeNameWithDots | SyntaxErrorKind::AttributeNameWithLabel => {
            // `prometheus.scrape "x" = {`: a block header with `=`.
            let Some(assign) = header_assign(root, offset) else {
                return help;
            };
            help.notes.push(
                "a block header has no `=`: write `name \"label\" {`; `=` assigns an attribute"
                    .to_owned(),
            );
            let range = match assign.prev_token() {
                Some(ws) if ws.kind() == SyntaxKind::WHITESPACE => {
                    TextRange::new(ws.text_range().start(), assign.text_range().end())
                }
                _ => assign.text_range(),
            };
            help.fixes.push(Fix {
                title: "Remove the `=` from the block header".to_owned(),
                edits: vec![edit(range, "")],
            });
        }
        SyntaxErrorKind::Expected {
            expected: SyntaxKind::R_CURLY,
            got: SyntaxKind::EOF,
        } => {
            let Some(open) = unclosed_brace(root) else {
                return help;
            };
            help.related.push(Related {
                file,
                path: path.to_owned(),
                range: open.text_range(),
                message: "this `{` is never closed".to_owned(),
            });
            let text = root.to_string();
            let (at, insert) = closing_position(&text, open.text_range().start());
            let line = text[..usize::from(open.text_range().start())]
                .matches('\n')
                .count()
                + 1;
            help.notes.push(format!(
                "the `{{` on line {line} is never closed: add `}}` where its block ends"
            ));
            help.fixes.push(Fix {
                title: "Add the missing `}`".to_owned(),
                edits: vec![edit(TextRange::empty(at), &insert)],
            });
        }
        SyntaxErrorKind::LabelNotIdentifier(label) => {
            let label = String::from_utf8_lossy(label);
            let Some(name) = placeholder_name(&label) else {
                return help;
            };
            help.notes.push(format!(
                "`{label}` is a placeholder from the documentation: replace it with a label of your own (letters, digits and `_`), such as `{name}`"
            ));
            if let Some(string) = token_at(root, offset, SyntaxKind::STRING) {
                help.fixes.push(Fix {
                    title: format!("Replace the placeholder with `{name}`"),
                    edits: vec![edit(string.text_range(), &format!("\"{name}\""))],
                });
            }
        }
        SyntaxErrorKind::ExpectedBlockLabel(SyntaxKind::LT) => {
            // `prometheus.scrape <SELF_LABEL> {`: an unquoted placeholder.
            let text = root.to_string();
            let start = usize::from(offset);
            let rest = text.get(start..).unwrap_or("");
            let Some(end) = rest.find('>') else {
                return help;
            };
            let label = &rest[..=end];
            let Some(name) = placeholder_name(label) else {
                return help;
            };
            help.notes.push(format!(
                "`{label}` is a placeholder from the documentation: replace it with a quoted label of your own, such as `\"{name}\"`"
            ));
            let range = TextRange::at(offset, TextSize::from(label.len() as u32));
            help.fixes.push(Fix {
                title: format!("Replace the placeholder with `\"{name}\"`"),
                edits: vec![edit(range, &format!("\"{name}\""))],
            });
        }
        _ => {}
    }
    help
}

/// `SELF_LABEL` for `<SELF_LABEL>`: a placeholder is `<`, a name of
/// letters, digits, `_` or `-`, then `>`. The suggestion is that name as an
/// identifier in lower case.
fn placeholder_name(label: &str) -> Option<String> {
    let inner = label.strip_prefix('<')?.strip_suffix('>')?;
    let valid = !inner.is_empty()
        && inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return None;
    }
    let mut name: String = inner
        .chars()
        .map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    Some(name)
}

/// The last token before `offset` that is not whitespace, a newline or a
/// comment.
fn previous_significant(root: &SyntaxNode, offset: TextSize) -> Option<SyntaxToken> {
    let mut token = if offset >= root.text_range().end() {
        root.last_token()?
    } else {
        root.token_at_offset(offset).left_biased()?
    };
    loop {
        if !token.kind().is_trivia() && token.text_range().end() <= offset {
            return Some(token);
        }
        token = token.prev_token()?;
    }
}

/// Whether only blanks and a comment follow `token` on its line.
fn next_is_line_end(token: &SyntaxToken) -> bool {
    let mut next = token.next_token();
    while let Some(t) = next {
        match t.kind() {
            SyntaxKind::WHITESPACE | SyntaxKind::COMMENT => next = t.next_token(),
            SyntaxKind::NEWLINE => return true,
            _ => return t.text().starts_with('\n'),
        }
    }
    true
}

fn token_at(root: &SyntaxNode, offset: TextSize, kind: SyntaxKind) -> Option<SyntaxToken> {
    root.token_at_offset(offset).find(|t| t.kind() == kind)
}

/// The `=` of `name "label" = {` on the statement starting at `offset`.
fn header_assign(root: &SyntaxNode, offset: TextSize) -> Option<SyntaxToken> {
    let mut token = root.token_at_offset(offset).right_biased()?;
    for _ in 0..64 {
        match token.kind() {
            SyntaxKind::ASSIGN => {
                let mut next = token.next_token()?;
                while next.kind() == SyntaxKind::WHITESPACE {
                    next = next.next_token()?;
                }
                return (next.kind() == SyntaxKind::L_CURLY).then_some(token);
            }
            SyntaxKind::NEWLINE | SyntaxKind::L_CURLY => return None,
            _ => token = token.next_token()?,
        }
    }
    None
}

/// The outermost `{` with no matching `}` in the file.
fn unclosed_brace(root: &SyntaxNode) -> Option<SyntaxToken> {
    let mut stack: Vec<SyntaxToken> = Vec::new();
    for element in root.descendants_with_tokens() {
        let SyntaxElement::Token(token) = element else {
            continue;
        };
        match token.kind() {
            SyntaxKind::L_CURLY => stack.push(token),
            SyntaxKind::R_CURLY => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.into_iter().next()
}

/// Where the `}` of the `{` at `open` most likely belongs: before the first
/// later line indented no deeper than the line of the `{` (blank lines
/// before it stay after the `}`), else at the end of the file.
fn closing_position(text: &str, open: TextSize) -> (TextSize, String) {
    let open = usize::from(open);
    let line_start = text[..open].rfind('\n').map_or(0, |i| i + 1);
    let indent_of = |line: &str| line.len() - line.trim_start_matches([' ', '\t']).len();
    let indent = &text[line_start..line_start + indent_of(&text[line_start..])];
    let mut pos = text[open..].find('\n').map_or(text.len(), |i| open + i + 1);
    let mut last_content_end = pos;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        let line = &text[pos..end];
        if !line.trim().is_empty() {
            if indent_of(line) <= indent.len() {
                return (
                    TextSize::from(last_content_end as u32),
                    format!("{indent}}}\n"),
                );
            }
            last_content_end = end;
        }
        pos = end;
    }
    if text.ends_with('\n') || text.is_empty() {
        (TextSize::from(text.len() as u32), format!("{indent}}}\n"))
    } else {
        (TextSize::from(text.len() as u32), format!("\n{indent}}}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_identifiers() {
        assert_eq!(
            placeholder_name("<SELF_LABEL>").as_deref(),
            Some("self_label")
        );
        assert_eq!(placeholder_name("<my-name>").as_deref(), Some("my_name"));
        assert_eq!(placeholder_name("<1X>").as_deref(), Some("_1x"));
        assert_eq!(placeholder_name("a b"), None);
        assert_eq!(placeholder_name("<>"), None);
    }

    #[test]
    fn the_closing_brace_goes_where_the_indentation_says() {
        let text = "logging {\n  level = \"info\"\n\nfoo \"a\" {\n  x = 1\n}\n";
        let (at, insert) = closing_position(text, TextSize::from(8));
        assert_eq!(usize::from(at), text.find("\nfoo").map_or(0, |i| i));
        assert_eq!(insert, "}\n");
        let (at, insert) = closing_position("a {\n  b = 1", TextSize::from(2));
        assert_eq!((usize::from(at), insert.as_str()), (11, "\n}\n"));
    }
}

//! Where the cursor is, syntactically: in which blocks, at the start of a
//! statement or inside the value of which attribute, in which call.
//!
//! While the user types, the file is almost always broken, and the parser's
//! recovery (faithful to upstream's) can fold the rest of a block into an
//! error node. Completion and signature help therefore do not read the tree
//! near the cursor: they re-scan the tokens of the enclosing top-level
//! statement up to the cursor with a small bracket machine that tracks block
//! headers, attributes, arrays, objects and calls. The tree is used only to
//! find where that statement starts.

use alloy_syntax::{SyntaxKind, SyntaxNode, TextRange, TextSize};

/// `name "label"` of an enclosing block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub label: Option<String>,
}

/// One level of nesting inside an attribute's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Nest {
    Array,
    /// Inside an object; the key whose value the cursor is in, if any.
    Object(Option<String>),
    /// Inside the parentheses of a call: the callee as written
    /// (`sys.env`) and the index of the argument.
    Call {
        callee: Option<String>,
        arg: u32,
    },
    Index,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CursorKind {
    /// At the start of a statement of a body (the prefix, if any, is the
    /// beginning of an attribute, block or component name).
    Statement,
    /// Inside the value of attribute `attr`; `nesting` lists the arrays,
    /// objects and calls entered since the `=`, outermost first.
    Value {
        attr: String,
        nesting: Vec<Nest>,
        in_string: bool,
    },
    /// Writing a key of an object literal in the value of `attr`;
    /// `nesting` leads to that object (itself excluded), `present` lists
    /// the keys it already has before the cursor.
    ObjectKey {
        attr: String,
        nesting: Vec<Nest>,
        present: Vec<String>,
        in_string: bool,
    },
    /// After a block name (the label or the `{` comes next).
    Header,
    Comment,
}

#[derive(Clone, Debug)]
pub struct Cursor {
    pub offset: TextSize,
    /// The identifier-and-dots (or, in a string, the string text) right
    /// before the cursor, and its range; completions replace it.
    pub prefix: String,
    pub prefix_range: TextRange,
    /// Enclosing blocks, outermost first.
    pub blocks: Vec<Header>,
    pub kind: CursorKind,
}

impl Cursor {
    /// The innermost call the cursor is in, with the argument index.
    pub fn call(&self) -> Option<(&str, u32)> {
        let CursorKind::Value { nesting, .. } = &self.kind else {
            return None;
        };
        nesting.iter().rev().find_map(|n| match n {
            Nest::Call {
                callee: Some(callee),
                arg,
            } => Some((callee.as_str(), *arg)),
            _ => None,
        })
    }
}

/// Analyses the cursor position in `text` (the text of `root`).
pub fn cursor_at(root: &SyntaxNode, text: &str, offset: TextSize) -> Cursor {
    let offset = offset.min(TextSize::from(text.len() as u32));
    let start = statement_start(root, text, offset);
    let scanned = text
        .get(u32::from(start) as usize..u32::from(offset) as usize)
        .unwrap_or("");
    let mut machine = Machine::new();
    let (tokens, _) = alloy_syntax::tokenize(scanned.as_bytes());
    let mut last_token: Option<(SyntaxKind, &str)> = None;
    for token in &tokens {
        let range = token.range;
        let piece = scanned
            .get(u32::from(range.start()) as usize..u32::from(range.end()) as usize)
            .unwrap_or("");
        machine.feed(token.kind, piece);
        last_token = Some((token.kind, piece));
    }
    let in_comment = matches!(last_token, Some((SyntaxKind::COMMENT, t)) if !t.starts_with("/*") || !t.ends_with("*/") || t.len() < 4);
    let in_string = matches!(last_token, Some((SyntaxKind::STRING, t)) if !string_is_closed(t));
    let (prefix, prefix_range) = if in_string {
        let (_, t) = last_token.unwrap_or((SyntaxKind::STRING, "\""));
        let content = t.get(1..).unwrap_or("");
        let len = TextSize::from(content.len() as u32);
        (content.to_owned(), TextRange::new(offset - len, offset))
    } else {
        word_before(text, offset)
    };
    let kind = if in_comment {
        CursorKind::Comment
    } else {
        machine.kind(&prefix, in_string)
    };
    Cursor {
        offset,
        prefix,
        prefix_range,
        blocks: machine.headers(),
        kind,
    }
}

/// The start of the top-level statement that contains (or ends at) the
/// offset; the offset itself when it is between statements.
fn statement_start(root: &SyntaxNode, text: &str, offset: TextSize) -> TextSize {
    for child in root.children() {
        let range = child.text_range();
        if range.start() < offset && offset <= range.end() {
            return range.start();
        }
        if range.start() >= offset {
            break;
        }
    }
    // Between statements: scan from the start of the line, so that a name
    // being typed is seen.
    let before = text.get(..u32::from(offset) as usize).unwrap_or("");
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    TextSize::from(line_start as u32)
}

/// Whether a string token's text (as far as scanned) has its closing quote.
fn string_is_closed(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 2 {
        return false;
    }
    match bytes[0] {
        b'`' => bytes[bytes.len() - 1] == b'`',
        b'"' => {
            if bytes[bytes.len() - 1] != b'"' {
                return false;
            }
            // The closing quote must not be escaped: count the backslashes
            // before it.
            let backslashes = bytes[1..bytes.len() - 1]
                .iter()
                .rev()
                .take_while(|&&b| b == b'\\')
                .count();
            backslashes % 2 == 0
        }
        _ => true,
    }
}

fn is_word_char(c: char) -> bool {
    c == '_'
        || c == '.'
        || alloy_syntax::unicode::is_letter(c)
        || alloy_syntax::unicode::is_digit(c)
}

/// The identifiers and dots right before `offset`.
pub fn word_before(text: &str, offset: TextSize) -> (String, TextRange) {
    let end = u32::from(offset) as usize;
    let before = text.get(..end).unwrap_or("");
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word_char(*c))
        .last()
        .map_or(end, |(i, _)| i);
    (
        before.get(start..).unwrap_or("").to_owned(),
        TextRange::new(TextSize::from(start as u32), offset),
    )
}

#[derive(Debug)]
enum Frame {
    /// A body: the root or a block's. `stmt` holds the tokens of the
    /// statement being written (before `=` or `{`); `attr` is set once the
    /// `=` of an attribute was seen.
    Body {
        header: Option<Header>,
        stmt: Vec<(SyntaxKind, String)>,
        attr: Option<String>,
    },
    Array,
    Object {
        pending: Option<String>,
        key: Option<String>,
        /// Keys written so far.
        keys: Vec<String>,
    },
    Paren {
        callee: Option<String>,
        commas: u32,
    },
    Index,
}

struct Machine {
    frames: Vec<Frame>,
    /// The last significant token, for Go-style statement terminators.
    last: Option<SyntaxKind>,
    /// The dotted chain being read (`sys.env`), for call names.
    chain: String,
}

impl Machine {
    fn new() -> Machine {
        Machine {
            frames: vec![Frame::Body {
                header: None,
                stmt: Vec::new(),
                attr: None,
            }],
            last: None,
            chain: String::new(),
        }
    }

    fn ends_statement(&self) -> bool {
        use SyntaxKind::*;
        matches!(
            self.last,
            Some(IDENT | NUMBER | FLOAT | STRING | BOOL | NULL | R_PAREN | R_BRACK | R_CURLY)
        )
    }

    fn feed(&mut self, kind: SyntaxKind, text: &str) {
        use SyntaxKind::*;
        match kind {
            WHITESPACE | COMMENT | BOM => return,
            NEWLINE => {
                if self.ends_statement() {
                    match self.frames.last_mut() {
                        Some(Frame::Body { stmt, attr, .. }) => {
                            stmt.clear();
                            *attr = None;
                        }
                        Some(Frame::Object { pending, key, .. }) => {
                            *pending = None;
                            *key = None;
                        }
                        _ => {}
                    }
                    self.last = None;
                }
                self.chain.clear();
                return;
            }
            _ => {}
        }
        // The dotted chain for call names.
        match kind {
            IDENT if self.last == Some(DOT) && !self.chain.is_empty() => self.chain.push_str(text),
            IDENT => self.chain = text.to_owned(),
            DOT if self.last == Some(IDENT) => self.chain.push('.'),
            L_PAREN => {}
            _ => self.chain.clear(),
        }
        let prev = self.last;
        self.last = Some(kind);
        match kind {
            ASSIGN => match self.frames.last_mut() {
                Some(Frame::Body { stmt, attr, .. }) if attr.is_none() => {
                    if let [(IDENT, name)] = stmt.as_slice() {
                        *attr = Some(name.clone());
                    } else {
                        *attr = Some(String::new());
                    }
                    stmt.clear();
                }
                Some(Frame::Object { pending, key, keys }) if key.is_none() => {
                    let name = pending.take().unwrap_or_default();
                    keys.push(name.clone());
                    *key = Some(name);
                }
                _ => {}
            },
            L_CURLY => {
                let header = match self.frames.last_mut() {
                    Some(Frame::Body { stmt, attr, .. }) if attr.is_none() => {
                        let header = header_of(stmt);
                        stmt.clear();
                        Some(header)
                    }
                    _ => None,
                };
                match header {
                    Some(header) => self.frames.push(Frame::Body {
                        header: Some(header),
                        stmt: Vec::new(),
                        attr: None,
                    }),
                    None => self.frames.push(Frame::Object {
                        pending: None,
                        key: None,
                        keys: Vec::new(),
                    }),
                }
            }
            R_CURLY => {
                while self.frames.len() > 1 {
                    match self.frames.pop() {
                        Some(Frame::Body { .. }) => {
                            if let Some(Frame::Body { stmt, attr, .. }) = self.frames.last_mut() {
                                stmt.clear();
                                *attr = None;
                            }
                            break;
                        }
                        Some(Frame::Object { .. }) => break,
                        _ => {}
                    }
                }
            }
            L_BRACK => {
                let indexing = matches!(prev, Some(IDENT | STRING | R_BRACK | R_PAREN))
                    && !matches!(self.frames.last(), Some(Frame::Body { attr: None, .. }));
                self.frames
                    .push(if indexing { Frame::Index } else { Frame::Array });
            }
            R_BRACK => self.pop_until(|f| matches!(f, Frame::Array | Frame::Index)),
            L_PAREN => {
                let callee = (matches!(prev, Some(IDENT)) && !self.chain.is_empty())
                    .then(|| self.chain.clone());
                self.chain.clear();
                self.frames.push(Frame::Paren { callee, commas: 0 });
            }
            R_PAREN => self.pop_until(|f| matches!(f, Frame::Paren { .. })),
            COMMA => match self.frames.last_mut() {
                Some(Frame::Paren { commas, .. }) => *commas += 1,
                Some(Frame::Object { pending, key, .. }) => {
                    *pending = None;
                    *key = None;
                }
                _ => {}
            },
            IDENT | STRING | DOT | NUMBER | FLOAT | BOOL | NULL => match self.frames.last_mut() {
                Some(Frame::Body { stmt, attr, .. }) if attr.is_none() => {
                    stmt.push((kind, text.to_owned()))
                }
                Some(Frame::Object { pending, key, .. }) if key.is_none() => {
                    if matches!(kind, IDENT | STRING) {
                        *pending = Some(unquote(text));
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// Pops frames up to and including the first that matches, but never a
    /// body (an unbalanced bracket must not leave its block).
    fn pop_until(&mut self, is_target: impl Fn(&Frame) -> bool) {
        let Some(at) = self
            .frames
            .iter()
            .rposition(|f| is_target(f) || matches!(f, Frame::Body { .. }))
        else {
            return;
        };
        if is_target(&self.frames[at]) {
            self.frames.truncate(at);
        }
    }

    fn headers(&self) -> Vec<Header> {
        self.frames
            .iter()
            .filter_map(|f| match f {
                Frame::Body {
                    header: Some(h), ..
                } => Some(h.clone()),
                _ => None,
            })
            .collect()
    }

    fn kind(&self, prefix: &str, in_string: bool) -> CursorKind {
        // The innermost body and the value frames above it.
        let Some(body_at) = self
            .frames
            .iter()
            .rposition(|f| matches!(f, Frame::Body { .. }))
        else {
            return CursorKind::Statement;
        };
        let Frame::Body { stmt, attr, .. } = &self.frames[body_at] else {
            return CursorKind::Statement;
        };
        let Some(attr) = attr else {
            let written: String = stmt.iter().map(|(_, t)| t.as_str()).collect();
            let only_name = stmt
                .iter()
                .all(|(k, _)| matches!(k, SyntaxKind::IDENT | SyntaxKind::DOT));
            return if only_name && written == prefix {
                CursorKind::Statement
            } else {
                CursorKind::Header
            };
        };
        let mut nesting = Vec::new();
        let mut present = Vec::new();
        for frame in &self.frames[body_at + 1..] {
            nesting.push(match frame {
                Frame::Array => Nest::Array,
                Frame::Object { key, keys, .. } => {
                    present.clone_from(keys);
                    Nest::Object(key.clone())
                }
                Frame::Paren { callee, commas } => Nest::Call {
                    callee: callee.clone(),
                    arg: *commas,
                },
                Frame::Index => Nest::Index,
                Frame::Body { .. } => continue,
            });
        }
        if let Some(Nest::Object(None)) = nesting.last() {
            nesting.pop();
            return CursorKind::ObjectKey {
                attr: attr.clone(),
                nesting,
                present,
                in_string,
            };
        }
        CursorKind::Value {
            attr: attr.clone(),
            nesting,
            in_string,
        }
    }
}

/// `a.b "label"` from the tokens before a `{`.
fn header_of(stmt: &[(SyntaxKind, String)]) -> Header {
    let mut name = String::new();
    let mut label = None;
    for (kind, text) in stmt {
        match kind {
            SyntaxKind::IDENT | SyntaxKind::DOT => name.push_str(text),
            SyntaxKind::STRING => label = Some(unquote(text)),
            _ => {}
        }
    }
    Header { name, label }
}

fn unquote(text: &str) -> String {
    if text.len() >= 2 && (text.starts_with('"') || text.starts_with('`')) {
        text.get(1..text.len() - 1).unwrap_or("").to_owned()
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(src: &str) -> Cursor {
        let offset = src.find('|').expect("cursor marker");
        let text = src.replacen('|', "", 1);
        let parse = alloy_syntax::parse(&text);
        cursor_at(&parse.syntax_node(), &text, TextSize::from(offset as u32))
    }

    #[test]
    fn statement_in_a_block() {
        let c = at("prometheus.scrape \"x\" {\n\tforw|\n}\n");
        assert_eq!(c.kind, CursorKind::Statement);
        assert_eq!(c.prefix, "forw");
        assert_eq!(c.blocks.len(), 1);
        assert_eq!(c.blocks[0].name, "prometheus.scrape");
        assert_eq!(c.blocks[0].label.as_deref(), Some("x"));
    }

    #[test]
    fn statement_at_the_top_level() {
        let c = at("logging {}\n\nprometheus.sc|\n");
        assert_eq!(c.kind, CursorKind::Statement);
        assert_eq!(c.prefix, "prometheus.sc");
        assert!(c.blocks.is_empty());
    }

    #[test]
    fn value_in_an_array_over_lines() {
        let c = at("a \"x\" {\n\tb {\n\t\tforward_to = [\n\t\t\tprometheus.|\n\t\t]\n\t}\n}\n");
        match &c.kind {
            CursorKind::Value { attr, nesting, .. } => {
                assert_eq!(attr, "forward_to");
                assert_eq!(nesting, &vec![Nest::Array]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(c.blocks.len(), 2);
        assert_eq!(c.prefix, "prometheus.");
    }

    #[test]
    fn string_values_and_calls() {
        let c = at("logging {\n\tlevel = \"de|\n}\n");
        assert!(matches!(
            c.kind,
            CursorKind::Value {
                in_string: true,
                ..
            }
        ));
        assert_eq!(c.prefix, "de");
        let c = at("a \"x\" {\n\tb = string.format(\"%s\", |)\n}\n");
        assert_eq!(c.call(), Some(("string.format", 1)));
        let c = at("a \"x\" {\n\tb = {k = |}\n}\n");
        match &c.kind {
            CursorKind::Value { nesting, .. } => {
                assert_eq!(nesting, &vec![Nest::Object(Some("k".into()))])
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn object_keys_know_their_attribute_and_the_keys_written() {
        let c = at("a \"x\" {\n\ttargets = [{\"__address__\" = \"a\", |}]\n}\n");
        match &c.kind {
            CursorKind::ObjectKey {
                attr,
                nesting,
                present,
                in_string,
            } => {
                assert_eq!(attr, "targets");
                assert_eq!(nesting, &vec![Nest::Array]);
                assert_eq!(present, &vec!["__address__".to_owned()]);
                assert!(!in_string);
            }
            other => panic!("{other:?}"),
        }
        let c = at("a \"x\" {\n\tm = {\n\t\t\"__pa|");
        assert!(
            matches!(
                &c.kind,
                CursorKind::ObjectKey {
                    in_string: true,
                    ..
                }
            ),
            "{:?}",
            c.kind
        );
        assert_eq!(c.prefix, "__pa");
    }

    #[test]
    fn after_a_finished_statement_and_in_comments() {
        let c = at("a \"x\" {\n\tb = 1\n\t|\n}\n");
        assert_eq!(c.kind, CursorKind::Statement);
        let c = at("a \"x\" {\n\t// fo|\n}\n");
        assert_eq!(c.kind, CursorKind::Comment);
        let c = at("a \"x\" |");
        assert_eq!(c.kind, CursorKind::Header);
    }
}

//! Label-set text and LogQL stream selectors.
//!
//! Loki's push API carries each stream's labels as Prometheus label-set
//! text (`{a="b", c="d"}`); `stage.match` takes a LogQL log selector: a
//! stream selector with `=`, `!=`, `=~`, `!~` matchers, then line filters
//! (`|=`, `!=`, `|~`, `!~`). Both are parsed here by one small scanner.

use crate::entry::Labels;

/// A label matcher of a stream selector.
#[derive(Clone, Debug)]
pub enum Matcher {
    Eq(String, String),
    Ne(String, String),
    Re(String, regex::Regex),
    Nre(String, regex::Regex),
}

impl Matcher {
    pub fn matches(&self, labels: &Labels) -> bool {
        // A missing label matches as the empty string, as in Prometheus.
        let value = |name: &str| labels.get(name).unwrap_or("");
        match self {
            Matcher::Eq(n, v) => value(n) == v,
            Matcher::Ne(n, v) => value(n) != v,
            Matcher::Re(n, r) => r.is_match(value(n)),
            Matcher::Nre(n, r) => !r.is_match(value(n)),
        }
    }
}

/// A line filter of a log selector.
#[derive(Clone, Debug)]
pub enum LineFilter {
    Contains(String),
    NotContains(String),
    Matches(regex::Regex),
    NotMatches(regex::Regex),
}

impl LineFilter {
    pub fn matches(&self, line: &str) -> bool {
        match self {
            LineFilter::Contains(s) => line.contains(s.as_str()),
            LineFilter::NotContains(s) => !line.contains(s.as_str()),
            LineFilter::Matches(r) => r.is_match(line),
            LineFilter::NotMatches(r) => !r.is_match(line),
        }
    }
}

/// A parsed LogQL log selector.
#[derive(Clone, Debug)]
pub struct Selector {
    pub matchers: Vec<Matcher>,
    pub filters: Vec<LineFilter>,
}

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut s = Scanner::new(text);
        let matchers = s.matchers(true)?;
        let mut filters = Vec::new();
        loop {
            s.skip_ws();
            if s.at_end() {
                break;
            }
            let op = if s.eat("|=") {
                "|="
            } else if s.eat("!=") {
                "!="
            } else if s.eat("|~") {
                "|~"
            } else if s.eat("!~") {
                "!~"
            } else {
                return Err(s.error("unexpected text after the stream selector"));
            };
            s.skip_ws();
            let value = s.string()?;
            filters.push(match op {
                "|=" => LineFilter::Contains(value),
                "!=" => LineFilter::NotContains(value),
                "|~" => LineFilter::Matches(compile(&value, false)?),
                _ => LineFilter::NotMatches(compile(&value, false)?),
            });
        }
        if matchers.is_empty() {
            return Err(
                "queries require at least one regexp or equality matcher that does not \
                        have an empty-compatible value"
                    .to_owned(),
            );
        }
        Ok(Selector { matchers, filters })
    }

    pub fn matches_labels(&self, labels: &Labels) -> bool {
        self.matchers.iter().all(|m| m.matches(labels))
    }

    pub fn matches_line(&self, line: &str) -> bool {
        self.filters.iter().all(|f| f.matches(line))
    }
}

fn compile(pattern: &str, anchored: bool) -> Result<regex::Regex, String> {
    let p = if anchored {
        format!("^(?s:{pattern})$")
    } else {
        pattern.to_owned()
    };
    regex::Regex::new(&p).map_err(|e| format!("invalid regex {pattern:?}: {e}"))
}

/// Parses `{a="b", c="d"}` (equality only) into labels.
pub fn parse_label_set(text: &str) -> Result<Labels, String> {
    let mut s = Scanner::new(text);
    let matchers = s.matchers(false)?;
    s.skip_ws();
    if !s.at_end() {
        return Err(s.error("unexpected text after the label set"));
    }
    Ok(matchers
        .into_iter()
        .filter_map(|m| match m {
            Matcher::Eq(n, v) => Some((n, v)),
            _ => None,
        })
        .collect())
}

/// Prometheus' legacy label-name rule: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Scanner<'a> {
        Scanner { text, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn error(&self, what: &str) -> String {
        format!("parse error at position {}: {what}", self.pos + 1)
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> Result<String, String> {
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|&(i, c)| !(c.is_ascii_alphanumeric() || c == '_' || (i > 0 && c == '.')))
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        if len == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(self.error("expected a label name"));
        }
        self.pos += len;
        Ok(rest[..len].to_owned())
    }

    /// A Go string literal: `"..."` with escapes, or a raw `` `...` ``.
    fn string(&mut self) -> Result<String, String> {
        let rest = self.rest();
        if let Some(raw) = rest.strip_prefix('`') {
            let end = raw
                .find('`')
                .ok_or_else(|| self.error("unterminated raw string"))?;
            self.pos += end + 2;
            return Ok(raw[..end].to_owned());
        }
        if !rest.starts_with('"') {
            return Err(self.error("expected a string"));
        }
        let mut out = String::new();
        let mut chars = rest.char_indices().skip(1);
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => {
                    let (_, e) = chars
                        .next()
                        .ok_or_else(|| self.error("unterminated string"))?;
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'a' => out.push('\u{7}'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'v' => out.push('\u{b}'),
                        '\\' => out.push('\\'),
                        '"' => out.push('"'),
                        '\'' => out.push('\''),
                        'x' | 'u' | 'U' => {
                            let n = match e {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let hex: String =
                                (0..n).filter_map(|_| chars.next().map(|p| p.1)).collect();
                            let code = u32::from_str_radix(&hex, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .ok_or_else(|| self.error("invalid escape"))?;
                            out.push(code);
                        }
                        _ => return Err(self.error("unknown escape sequence")),
                    }
                }
                c => out.push(c),
            }
        }
        Err(self.error("unterminated string"))
    }

    fn matchers(&mut self, allow_ops: bool) -> Result<Vec<Matcher>, String> {
        self.skip_ws();
        if !self.eat("{") {
            return Err(self.error("expected '{'"));
        }
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            if self.eat("}") {
                return Ok(out);
            }
            let name = self.ident()?;
            self.skip_ws();
            let op = if self.eat("=~") {
                "=~"
            } else if self.eat("!=") {
                "!="
            } else if self.eat("!~") {
                "!~"
            } else if self.eat("=") {
                "="
            } else {
                return Err(self.error("expected a matcher operator"));
            };
            if op != "=" && !allow_ops {
                return Err(self.error("expected '='"));
            }
            self.skip_ws();
            let value = self.string()?;
            out.push(match op {
                "=" => Matcher::Eq(name, value),
                "!=" => Matcher::Ne(name, value),
                "=~" => Matcher::Re(name, compile(&value, true)?),
                _ => Matcher::Nre(name, compile(&value, true)?),
            });
            self.skip_ws();
            if self.eat(",") {
                continue;
            }
            if self.eat("}") {
                return Ok(out);
            }
            return Err(self.error("expected ',' or '}'"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_sets_parse_with_escapes() {
        let l = parse_label_set(r#"{app="x\ny", job="a\"b"}"#).expect("parses");
        assert_eq!(l.get("app"), Some("x\ny"));
        assert_eq!(l.get("job"), Some("a\"b"));
        assert_eq!(parse_label_set(&l.to_string()).expect("round trip"), l);
        assert!(parse_label_set("{a=~\"b\"}").is_err());
        assert!(parse_label_set("{a=\"b\"").is_err());
    }

    #[test]
    fn selectors_match_labels_and_lines() {
        let s = Selector::parse(r#"{app=~"fo+", env!="dev"} |= "err" !~ "timeout\\d""#)
            .expect("parses");
        let labels: Labels = [("app", "foo"), ("env", "prod")].into_iter().collect();
        assert!(s.matches_labels(&labels));
        assert!(s.matches_line("an err here"));
        assert!(!s.matches_line("an err timeout1"));
        let other: Labels = [("app", "xfoo")].into_iter().collect();
        assert!(!s.matches_labels(&other), "regex matchers are anchored");
        assert!(Selector::parse("{}").is_err());
        assert!(Selector::parse("{app=\"a\"} | json").is_err());
    }
}

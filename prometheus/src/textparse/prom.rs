//! The Prometheus text format 0.0.4 (upstream's `promlex.l` and
//! `promparse.go`).

use std::borrow::Cow;

use super::lex::{is_l, is_ld, is_m, is_md, Input, Token};
use super::{
    go_quote, lossy, normalize_label_value, parse_float, parse_int, unescape_value, Entry,
    ParseError, Parser, NORMAL_NAN,
};
use crate::model::{Exemplar, MetricType};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Init,
    Comment,
    Meta1,
    Meta2,
    Labels,
    LValue,
    Value,
    Timestamp,
}

#[derive(Clone, Debug)]
struct Lexer<'a> {
    inp: Input<'a>,
    state: State,
}

const UNSET: usize = usize::MAX;

impl<'a> Lexer<'a> {
    /// Moves to the next byte; inside label values, help texts and
    /// comments NUL bytes are part of the text and skipped here.
    #[inline]
    fn next(&mut self) -> u8 {
        self.inp.i += 1;
        if self.inp.i >= self.inp.len {
            return 0;
        }
        if matches!(self.state, State::LValue | State::Meta2 | State::Comment) {
            while self.inp.at(self.inp.i) == 0 && self.inp.i < self.inp.len {
                self.inp.i += 1;
            }
        }
        self.inp.at(self.inp.i)
    }

    fn whitespace(&mut self, mut c: u8) -> Token {
        while c == b' ' || c == b'\t' {
            c = self.next();
        }
        Token::Whitespace
    }

    /// `\"(\\.|[^\\"])*\"` from the opening quote; `None` when it fails.
    fn quoted(&mut self) -> Option<()> {
        let mut c = self.next();
        loop {
            match c {
                b'"' => {
                    self.next();
                    return Some(());
                }
                b'\\' => {
                    c = self.next();
                    if c == 0 || c == b'\n' {
                        return None;
                    }
                    c = self.next();
                }
                0 => return None,
                _ => c = self.next(),
            }
        }
    }

    fn consume_comment(&mut self) -> Token {
        let mut c = self.inp.at(self.inp.i);
        loop {
            match c {
                0 => return Token::Eof,
                b'\n' => {
                    self.state = State::Init;
                    return Token::Comment;
                }
                _ => c = self.next(),
            }
        }
    }

    fn abort(&mut self) -> Token {
        if self.state == State::Comment {
            return self.consume_comment();
        }
        Token::Invalid
    }

    /// Matches `word` then `[\t ]+`.
    fn keyword(&mut self, word: &[u8]) -> bool {
        for expected in &word[1..] {
            if self.next() != *expected {
                return false;
            }
        }
        let mut c = self.next();
        if c != b' ' && c != b'\t' {
            return false;
        }
        while c == b' ' || c == b'\t' {
            c = self.next();
        }
        true
    }

    fn lex(&mut self) -> Token {
        if self.inp.i >= self.inp.len {
            return Token::Eof;
        }
        let mut c = self.inp.at(self.inp.i);
        self.inp.start = self.inp.i;
        loop {
            match self.state {
                State::Init => match c {
                    0 => {
                        self.next();
                        return Token::Eof;
                    }
                    b'\n' => {
                        self.next();
                        self.state = State::Init;
                        return Token::Linebreak;
                    }
                    b' ' | b'\t' => return self.whitespace(c),
                    b'#' => {
                        c = self.next();
                        if c == b' ' || c == b'\t' {
                            while c == b' ' || c == b'\t' {
                                c = self.next();
                            }
                            self.state = State::Comment;
                            continue;
                        }
                        return self.consume_comment();
                    }
                    b'{' => {
                        self.next();
                        self.state = State::Labels;
                        return Token::BraceOpen;
                    }
                    c if is_m(c) => {
                        while is_md(self.next()) {}
                        self.state = State::Value;
                        return Token::MName;
                    }
                    _ => return self.abort(),
                },
                State::Comment => match c {
                    b'H' => {
                        if self.keyword(b"HELP") {
                            self.state = State::Meta1;
                            return Token::Help;
                        }
                        return self.abort();
                    }
                    b'T' => {
                        if self.keyword(b"TYPE") {
                            self.state = State::Meta1;
                            return Token::Type;
                        }
                        return self.abort();
                    }
                    b' ' | b'\t' => return self.whitespace(c),
                    _ => return self.abort(),
                },
                State::Meta1 => match c {
                    b'"' => {
                        if self.quoted().is_none() {
                            return self.abort();
                        }
                        self.state = State::Meta2;
                        return Token::MName;
                    }
                    b' ' | b'\t' => return self.whitespace(c),
                    c if is_m(c) => {
                        while is_md(self.next()) {}
                        self.state = State::Meta2;
                        return Token::MName;
                    }
                    _ => return self.abort(),
                },
                State::Meta2 => {
                    // `[ \t]+` and `{C}*` compete; the longer wins, the
                    // whitespace rule on a tie.
                    let text = |c: u8| c != 0 && c != b'\n';
                    if c == b' ' || c == b'\t' {
                        while c == b' ' || c == b'\t' {
                            c = self.next();
                        }
                        if !text(c) {
                            return Token::Whitespace;
                        }
                    } else if !text(c) {
                        self.state = State::Init;
                        return Token::Text;
                    }
                    while text(self.next()) {}
                    self.state = State::Init;
                    return Token::Text;
                }
                State::Labels => match c {
                    b'"' => {
                        if self.quoted().is_none() {
                            return self.abort();
                        }
                        self.state = State::Labels;
                        return Token::QString;
                    }
                    b',' => {
                        self.next();
                        return Token::Comma;
                    }
                    b'=' => {
                        self.next();
                        self.state = State::LValue;
                        return Token::Equal;
                    }
                    b'}' => {
                        self.next();
                        self.state = State::Value;
                        return Token::BraceClose;
                    }
                    b' ' | b'\t' => return self.whitespace(c),
                    c if is_l(c) => {
                        while is_ld(self.next()) {}
                        return Token::LName;
                    }
                    _ => return self.abort(),
                },
                State::LValue => match c {
                    b'"' => {
                        if self.quoted().is_none() {
                            return self.abort();
                        }
                        self.state = State::Labels;
                        return Token::LValue;
                    }
                    b' ' | b'\t' => return self.whitespace(c),
                    _ => return self.abort(),
                },
                State::Value => {
                    let value = |c: u8| !matches!(c, 0 | b'{' | b' ' | b'\t' | b'\n');
                    match c {
                        b' ' | b'\t' => return self.whitespace(c),
                        b'{' => {
                            self.next();
                            self.state = State::Labels;
                            return Token::BraceOpen;
                        }
                        c if value(c) => {
                            while value(self.next()) {}
                            self.state = State::Timestamp;
                            return Token::Value;
                        }
                        _ => return self.abort(),
                    }
                }
                State::Timestamp => match c {
                    b'\n' => {
                        self.next();
                        self.state = State::Init;
                        return Token::Linebreak;
                    }
                    b' ' | b'\t' => return self.whitespace(c),
                    c if c.is_ascii_digit() => {
                        while self.next().is_ascii_digit() {}
                        return Token::Timestamp;
                    }
                    _ => return self.abort(),
                },
            }
        }
    }
}

/// Parses the Prometheus text format.
#[derive(Clone, Debug)]
pub struct PromParser<'a> {
    l: Lexer<'a>,
    /// Start of the current entry.
    start: usize,
    /// Metric name start/end, then name start/end and value start/end of
    /// each label, as offsets into the input.
    offsets: Vec<usize>,
    series: (usize, usize),
    text: (usize, usize),
    mtype: MetricType,
    val: f64,
    ts: Option<i64>,
    type_and_unit_labels: bool,
}

impl<'a> PromParser<'a> {
    pub fn new(body: &'a [u8]) -> PromParser<'a> {
        PromParser {
            l: Lexer {
                inp: Input::new(body, true),
                state: State::Init,
            },
            start: 0,
            offsets: Vec::with_capacity(16),
            series: (0, 0),
            text: (0, 0),
            mtype: MetricType::Unknown,
            val: 0.0,
            ts: None,
            type_and_unit_labels: false,
        }
    }

    /// Adds `__type__` labels from the metadata (Prometheus's
    /// type-and-unit-labels feature).
    pub fn with_type_and_unit_labels(mut self, on: bool) -> PromParser<'a> {
        self.type_and_unit_labels = on;
        self
    }

    fn token(&mut self) -> Token {
        loop {
            let t = self.l.lex();
            if t != Token::Whitespace {
                return t;
            }
        }
    }

    fn err(&self, expected: &str, got: Token) -> ParseError {
        self.l.inp.error(self.start, expected, got)
    }

    fn so_far(&self) -> String {
        go_quote(&self.l.inp.slice(self.start, self.l.inp.i))
    }

    fn labels_values(&mut self) -> Result<(), ParseError> {
        let mut t = self.token();
        loop {
            let (mut cur_start, mut cur_i) = (self.l.inp.start, self.l.inp.i);
            let quoted = match t {
                Token::BraceClose => return Ok(()),
                Token::LName => false,
                Token::QString => true,
                _ => return Err(self.err("expected label name", t)),
            };
            t = self.token();
            if quoted && (t == Token::Comma || t == Token::BraceClose) {
                if self.offsets[0] != UNSET || self.offsets[1] != UNSET {
                    return Err(ParseError(format!(
                        "metric name already set while parsing: {}",
                        self.so_far()
                    )));
                }
                self.offsets[0] = cur_start + 1;
                self.offsets[1] = cur_i - 1;
                if t == Token::BraceClose {
                    return Ok(());
                }
                t = self.token();
                continue;
            }
            if self.l.inp.at(cur_start) == b'"' {
                cur_start += 1;
                cur_i -= 1;
            }
            self.offsets.extend([cur_start, cur_i]);
            if t != Token::Equal {
                return Err(self.err("expected equal", t));
            }
            let v = self.token();
            if v != Token::LValue {
                return Err(self.err("expected label value", v));
            }
            let buf = self.l.inp.buf();
            if std::str::from_utf8(&buf).is_err() {
                return Err(ParseError(format!(
                    "invalid UTF-8 label value: {}",
                    go_quote(&buf)
                )));
            }
            self.offsets
                .extend([self.l.inp.start + 1, self.l.inp.i - 1]);
            t = self.token();
            if t == Token::Comma {
                t = self.token();
            }
        }
    }

    fn metric_suffix(&mut self, t: Token) -> Result<Entry, ParseError> {
        if self.offsets[0] == UNSET {
            return Err(ParseError(format!(
                "metric name not set while parsing: {}",
                self.so_far()
            )));
        }
        if t != Token::Value {
            return Err(self.err("expected value after metric", t));
        }
        self.val = parse_float(&self.l.inp.buf())
            .map_err(|e| ParseError(format!("{e} while parsing: {}", self.so_far())))?;
        if self.val.is_nan() {
            self.val = NORMAL_NAN;
        }
        self.ts = None;
        match self.token() {
            Token::Linebreak => {}
            Token::Timestamp => {
                let ts = parse_int(&self.l.inp.buf())
                    .map_err(|e| ParseError(format!("{e} while parsing: {}", self.so_far())))?;
                self.ts = Some(ts);
                let t2 = self.token();
                if t2 != Token::Linebreak {
                    return Err(self.err("expected next entry after timestamp", t2));
                }
            }
            t => return Err(self.err("expected timestamp or new record", t)),
        }
        Ok(Entry::Series)
    }

    fn bytes(&self, (a, b): (usize, usize)) -> &'a [u8] {
        let body = self.l.inp.b;
        &body[a.min(body.len())..b.min(body.len())]
    }
}

impl<'a> Parser for PromParser<'a> {
    fn next(&mut self) -> Result<Option<Entry>, ParseError> {
        loop {
            self.start = self.l.inp.i;
            self.offsets.clear();
            let t = self.token();
            match t {
                Token::Eof => return Ok(None),
                Token::Linebreak => continue,
                Token::Help | Token::Type => {
                    let t2 = self.token();
                    if t2 != Token::MName {
                        return Err(
                            self.err(&format!("expected metric name after {}", t.name()), t2)
                        );
                    }
                    let (mut ms, mut me) = (self.l.inp.start, self.l.inp.i);
                    if self.l.inp.at(ms) == b'"' && self.l.inp.at(me - 1) == b'"' {
                        ms += 1;
                        me -= 1;
                    }
                    self.offsets.extend([ms, me]);
                    let t2 = self.token();
                    if t2 != Token::Text {
                        return Err(ParseError(format!(
                            "expected text in {}, got {}",
                            t.name(),
                            t2.name()
                        )));
                    }
                    let (s, e) = (self.l.inp.start, self.l.inp.i);
                    self.text = if e - s > 1 { (s + 1, e) } else { (e, e) };
                    let text = self.bytes(self.text);
                    if t == Token::Type {
                        self.mtype = match text {
                            b"counter" => MetricType::Counter,
                            b"gauge" => MetricType::Gauge,
                            b"histogram" => MetricType::Histogram,
                            b"summary" => MetricType::Summary,
                            b"untyped" => MetricType::Unknown,
                            _ => {
                                return Err(ParseError(format!(
                                    "invalid metric type {}",
                                    go_quote(text)
                                )))
                            }
                        };
                    } else if std::str::from_utf8(text).is_err() {
                        return Err(ParseError(format!(
                            "help text {} is not a valid utf8 string",
                            go_quote(text)
                        )));
                    }
                    let t3 = self.token();
                    if t3 != Token::Linebreak {
                        return Err(self.err("linebreak expected after metadata", t3));
                    }
                    return Ok(Some(if t == Token::Help {
                        Entry::Help
                    } else {
                        Entry::Type
                    }));
                }
                Token::Comment => {
                    self.text = (self.l.inp.start, self.l.inp.i);
                    let t2 = self.token();
                    if t2 != Token::Linebreak {
                        return Err(self.err("linebreak expected after comment", t2));
                    }
                    return Ok(Some(Entry::Comment));
                }
                Token::BraceOpen => {
                    self.offsets.extend([UNSET, UNSET]);
                    self.labels_values()?;
                    self.series = (self.start, self.l.inp.i);
                    let t2 = self.token();
                    return self.metric_suffix(t2).map(Some);
                }
                Token::MName => {
                    self.offsets.extend([self.start, self.l.inp.i]);
                    self.series = (self.start, self.l.inp.i);
                    let mut t2 = self.token();
                    if t2 == Token::BraceOpen {
                        self.labels_values()?;
                        self.series = (self.start, self.l.inp.i);
                        t2 = self.token();
                    }
                    return self.metric_suffix(t2).map(Some);
                }
                _ => return Err(self.err("expected a valid start token", t)),
            }
        }
    }

    fn series(&self) -> (&[u8], Option<i64>, f64) {
        (self.bytes(self.series), self.ts, self.val)
    }

    fn help(&self) -> (&[u8], Cow<'_, [u8]>) {
        (
            self.bytes((self.offsets[0], self.offsets[1])),
            unescape_value(self.bytes(self.text), true),
        )
    }

    fn metric_type(&self) -> (&[u8], MetricType) {
        (self.bytes((self.offsets[0], self.offsets[1])), self.mtype)
    }

    fn unit(&self) -> (&[u8], &[u8]) {
        (&[], &[])
    }

    fn comment(&self) -> &[u8] {
        self.bytes(self.text)
    }

    fn labels(&self, out: &mut Vec<(String, String)>) {
        build_labels(
            out,
            |r| self.bytes(r),
            &self.offsets,
            self.mtype,
            None,
            self.type_and_unit_labels,
        );
    }

    fn exemplar(&mut self) -> Option<Exemplar> {
        None
    }

    fn start_timestamp(&mut self) -> i64 {
        0
    }
}

/// Upstream's `Labels()`: the metric name, the metadata labels when asked
/// for, then each label unescaped (with `le`/`quantile` normalised), sorted.
pub(crate) fn build_labels<'b>(
    out: &mut Vec<(String, String)>,
    bytes: impl Fn((usize, usize)) -> &'b [u8],
    offsets: &[usize],
    mtype: MetricType,
    unit: Option<&str>,
    type_and_unit: bool,
) {
    out.clear();
    let name = lossy(&unescape_value(bytes((offsets[0], offsets[1])), false));
    let type_name = (mtype != MetricType::Unknown).then(|| mtype.as_str());
    let unit = unit.filter(|u| !u.is_empty());
    if type_and_unit {
        if !name.is_empty() {
            out.push(("__name__".to_owned(), name.clone()));
        }
        if let Some(t) = type_name {
            out.push(("__type__".to_owned(), t.to_owned()));
        }
        if let Some(u) = unit {
            out.push(("__unit__".to_owned(), u.to_owned()));
        }
    } else {
        out.push(("__name__".to_owned(), name.clone()));
    }
    for pair in offsets[2..].chunks_exact(4) {
        let label = lossy(&unescape_value(bytes((pair[0], pair[1])), false));
        if type_and_unit {
            let set = match label.as_str() {
                "__name__" => !name.is_empty(),
                "__type__" => type_name.is_some(),
                "__unit__" => unit.is_some(),
                _ => false,
            };
            if set {
                continue;
            }
        }
        let value = lossy(&unescape_value(bytes((pair[2], pair[3])), false));
        let value = normalize_label_value(mtype, &label, value);
        out.push((label, value));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
}

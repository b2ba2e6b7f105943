//! OpenMetrics 1.0 text (upstream's `openmetricslex.l` and
//! `openmetricsparse.go`): `# EOF` required, exemplars, units, `_created`
//! start timestamps.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use super::lex::{is_l, is_ld, is_m, is_md, Input, Token};
use super::prom::build_labels;
use super::{go_quote, lossy, parse_float, unescape_value, Entry, ParseError, Parser, NORMAL_NAN};
use crate::model::{Exemplar, Labels, MetricType};

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
    Exemplar,
    EValue,
    ETimestamp,
}

#[derive(Clone, Debug)]
struct Lexer<'a> {
    inp: Input<'a>,
    state: State,
}

const UNSET: usize = usize::MAX;

impl<'a> Lexer<'a> {
    #[inline]
    fn next(&mut self) -> u8 {
        self.inp.i += 1;
        if self.inp.i >= self.inp.len {
            return 0;
        }
        if matches!(self.state, State::LValue | State::Meta2 | State::Comment) {
            while self.inp.at(self.inp.i) == 0 {
                self.inp.i += 1;
                if self.inp.i >= self.inp.len {
                    return 0;
                }
            }
        }
        self.inp.at(self.inp.i)
    }

    /// A quoted string from its opening quote; `newline` says whether a raw
    /// newline may appear inside.
    fn quoted(&mut self, newline: bool) -> bool {
        let mut c = self.next();
        loop {
            match c {
                b'"' => {
                    self.next();
                    return true;
                }
                b'\\' => {
                    c = self.next();
                    if c == 0 || c == b'\n' {
                        return false;
                    }
                    c = self.next();
                }
                0 => return false,
                b'\n' if !newline => return false,
                _ => c = self.next(),
            }
        }
    }

    /// `{S}[^ \n]+` from the space.
    fn spaced_word(&mut self) -> bool {
        let word = |c: u8| !matches!(c, 0 | b' ' | b'\n');
        if !word(self.next()) {
            return false;
        }
        while word(self.next()) {}
        true
    }

    fn keyword(&mut self, word: &[u8]) -> bool {
        for expected in &word[1..] {
            if self.next() != *expected {
                return false;
            }
        }
        if self.next() != b' ' {
            return false;
        }
        self.next();
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
                    b'#' => {
                        if self.next() != b' ' {
                            return Token::Invalid;
                        }
                        c = self.next();
                        self.state = State::Comment;
                        continue;
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
                    _ => return Token::Invalid,
                },
                State::Comment => {
                    let (word, token): (&[u8], Token) = match c {
                        b'H' => (b"HELP", Token::Help),
                        b'T' => (b"TYPE", Token::Type),
                        b'U' => (b"UNIT", Token::Unit),
                        b'E' => {
                            if self.next() != b'O' || self.next() != b'F' {
                                return Token::Invalid;
                            }
                            if self.next() == b'\n' {
                                self.next();
                            }
                            self.state = State::Init;
                            return Token::EofWord;
                        }
                        _ => return Token::Invalid,
                    };
                    if !self.keyword(word) {
                        return Token::Invalid;
                    }
                    self.state = State::Meta1;
                    return token;
                }
                State::Meta1 => match c {
                    b'"' => {
                        if !self.quoted(true) {
                            return Token::Invalid;
                        }
                        self.state = State::Meta2;
                        return Token::MName;
                    }
                    c if is_m(c) => {
                        while is_md(self.next()) {}
                        self.state = State::Meta2;
                        return Token::MName;
                    }
                    _ => return Token::Invalid,
                },
                State::Meta2 => {
                    if c != b' ' {
                        return Token::Invalid;
                    }
                    loop {
                        match self.next() {
                            b'\n' => {
                                self.next();
                                self.state = State::Init;
                                return Token::Text;
                            }
                            0 => return Token::Invalid,
                            _ => {}
                        }
                    }
                }
                State::Labels | State::Exemplar => {
                    let exemplar = self.state == State::Exemplar;
                    match c {
                        b'"' => {
                            if !self.quoted(!exemplar) {
                                return Token::Invalid;
                            }
                            return Token::QString;
                        }
                        b',' => {
                            self.next();
                            return Token::Comma;
                        }
                        b'=' => {
                            self.next();
                            self.state = if exemplar {
                                State::EValue
                            } else {
                                State::LValue
                            };
                            return Token::Equal;
                        }
                        b'}' => {
                            self.next();
                            self.state = if exemplar {
                                State::EValue
                            } else {
                                State::Value
                            };
                            return Token::BraceClose;
                        }
                        c if is_l(c) => {
                            while is_ld(self.next()) {}
                            return Token::LName;
                        }
                        _ => return Token::Invalid,
                    }
                }
                State::LValue => {
                    if c != b'"' || !self.quoted(false) {
                        return Token::Invalid;
                    }
                    self.state = State::Labels;
                    return Token::LValue;
                }
                State::Value => match c {
                    b' ' => {
                        if !self.spaced_word() {
                            return Token::Invalid;
                        }
                        self.state = State::Timestamp;
                        return Token::Value;
                    }
                    b'{' => {
                        self.next();
                        self.state = State::Labels;
                        return Token::BraceOpen;
                    }
                    _ => return Token::Invalid,
                },
                State::Timestamp => match c {
                    b'\n' => {
                        self.next();
                        self.state = State::Init;
                        return Token::Linebreak;
                    }
                    b' ' => {
                        // `{S}[^ \n]+` against `{S}#{S}\{`.
                        let c1 = self.next();
                        if c1 == b'#' {
                            let c2 = self.next();
                            if c2 == b' ' {
                                if self.next() != b'{' {
                                    return Token::Invalid;
                                }
                                self.next();
                                self.state = State::Exemplar;
                                return Token::Comment;
                            }
                            let word = |c: u8| !matches!(c, 0 | b' ' | b'\n');
                            let mut c = c2;
                            while word(c) {
                                c = self.next();
                            }
                            return Token::Timestamp;
                        }
                        let word = |c: u8| !matches!(c, 0 | b' ' | b'\n');
                        if !word(c1) {
                            return Token::Invalid;
                        }
                        while word(self.next()) {}
                        return Token::Timestamp;
                    }
                    _ => return Token::Invalid,
                },
                State::EValue => match c {
                    b'"' => {
                        if !self.quoted(false) {
                            return Token::Invalid;
                        }
                        self.state = State::Exemplar;
                        return Token::LValue;
                    }
                    b' ' => {
                        if !self.spaced_word() {
                            return Token::Invalid;
                        }
                        self.state = State::ETimestamp;
                        return Token::Value;
                    }
                    _ => return Token::Invalid,
                },
                State::ETimestamp => match c {
                    b'\n' => {
                        self.next();
                        self.state = State::Init;
                        return Token::Linebreak;
                    }
                    b' ' => {
                        if !self.spaced_word() {
                            return Token::Invalid;
                        }
                        return Token::Timestamp;
                    }
                    _ => return Token::Invalid,
                },
            }
        }
    }
}

/// Parses OpenMetrics 1.0 text.
#[derive(Clone, Debug)]
pub struct OpenMetricsParser<'a> {
    l: Lexer<'a>,
    start: usize,
    offsets: Vec<usize>,
    series: (usize, usize),
    mf_name_len: usize,
    text: (usize, usize),
    mtype: MetricType,
    unit: String,
    val: f64,
    ts: Option<i64>,
    e_offsets: Vec<usize>,
    has_exemplar: bool,
    exemplar_val: f64,
    exemplar_ts: Option<i64>,
    st: i64,
    st_hash: u64,
    ignore_exemplar: bool,
    skip_created: bool,
    type_and_unit_labels: bool,
}

impl<'a> OpenMetricsParser<'a> {
    pub fn new(body: &'a [u8]) -> OpenMetricsParser<'a> {
        OpenMetricsParser {
            l: Lexer {
                inp: Input::new(body, false),
                state: State::Init,
            },
            start: 0,
            offsets: Vec::with_capacity(16),
            series: (0, 0),
            mf_name_len: 0,
            text: (0, 0),
            mtype: MetricType::Unknown,
            unit: String::new(),
            val: 0.0,
            ts: None,
            e_offsets: Vec::new(),
            has_exemplar: false,
            exemplar_val: 0.0,
            exemplar_ts: None,
            st: 0,
            st_hash: 0,
            ignore_exemplar: false,
            skip_created: false,
            type_and_unit_labels: false,
        }
    }

    /// Leaves `_created` series of counters, summaries and histograms out of
    /// the entries (they only feed [`Parser::start_timestamp`]).
    pub fn skip_created_series(mut self, on: bool) -> OpenMetricsParser<'a> {
        self.skip_created = on;
        self
    }

    pub fn with_type_and_unit_labels(mut self, on: bool) -> OpenMetricsParser<'a> {
        self.type_and_unit_labels = on;
        self
    }

    fn token(&mut self) -> Token {
        self.l.lex()
    }

    fn err(&self, expected: &str, got: Token) -> ParseError {
        self.l.inp.error(self.start, expected, got)
    }

    fn so_far(&self) -> String {
        go_quote(&self.l.inp.slice(self.start, self.l.inp.i))
    }

    fn bytes(&self, (a, b): (usize, usize)) -> &'a [u8] {
        let body = self.l.inp.b;
        &body[a.min(body.len())..b.min(body.len())]
    }

    fn label_values(&mut self, exemplar: bool) -> Result<(), ParseError> {
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
                if exemplar {
                    return Err(self.err("expected label name", t));
                }
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
            let target = if exemplar {
                &mut self.e_offsets
            } else {
                &mut self.offsets
            };
            target.extend([cur_start, cur_i]);
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
            let (s, i) = (self.l.inp.start, self.l.inp.i);
            if exemplar {
                self.e_offsets.extend([s + 1, i - 1]);
            } else {
                self.offsets.extend([s + 1, i - 1]);
            }
            t = self.token();
            if t == Token::Comma {
                t = self.token();
            } else if t != Token::BraceClose {
                return Err(self.err("expected comma or brace close", t));
            }
        }
    }

    fn float_value(&self, t: Token, after: &str) -> Result<f64, ParseError> {
        if t != Token::Value {
            return Err(self.err(&format!("expected value after {after}"), t));
        }
        let buf = self.l.inp.buf();
        let v = parse_float(&buf[1..])
            .map_err(|e| ParseError(format!("{e} while parsing: {}", self.so_far())))?;
        Ok(if v.is_nan() { NORMAL_NAN } else { v })
    }

    fn timestamp(&self, what: &str) -> Result<i64, ParseError> {
        let buf = self.l.inp.buf();
        let ts = parse_float(&buf[1..])
            .map_err(|e| ParseError(format!("{e} while parsing: {}", self.so_far())))?;
        if ts.is_nan() || ts.is_infinite() {
            return Err(ParseError(format!("invalid {what}{}", go_percent_f(ts))));
        }
        Ok((ts * 1000.0) as i64)
    }

    fn comment(&mut self) -> Result<(), ParseError> {
        if self.ignore_exemplar {
            loop {
                match self.token() {
                    Token::Linebreak => return Ok(()),
                    Token::Eof => return Err(ParseError("data does not end with # EOF".into())),
                    _ => {}
                }
            }
        }
        self.label_values(true)?;
        self.has_exemplar = true;
        let t = self.token();
        self.exemplar_val = self.float_value(t, "exemplar labels")?;
        self.exemplar_ts = None;
        match self.token() {
            Token::Eof => return Err(ParseError("data does not end with # EOF".into())),
            Token::Linebreak => {}
            Token::Timestamp => {
                self.exemplar_ts = Some(self.timestamp("exemplar timestamp ")?);
                let t3 = self.token();
                if t3 != Token::Linebreak {
                    return Err(self.err("expected next entry after exemplar timestamp", t3));
                }
            }
            t => return Err(self.err("expected timestamp or comment", t)),
        }
        Ok(())
    }

    fn end_of_line(&mut self, t: Token) -> Result<(), ParseError> {
        if self.offsets[0] == UNSET {
            return Err(ParseError(format!(
                "metric name not set while parsing: {}",
                self.so_far()
            )));
        }
        self.val = self.float_value(t, "metric")?;
        self.ts = None;
        match self.token() {
            Token::Eof => return Err(ParseError("data does not end with # EOF".into())),
            Token::Linebreak => {}
            Token::Comment => self.comment()?,
            Token::Timestamp => {
                self.ts = Some(self.timestamp("timestamp ")?);
                match self.token() {
                    Token::Linebreak => {}
                    Token::Comment => self.comment()?,
                    t3 => return Err(self.err("expected next entry after timestamp", t3)),
                }
            }
            // Upstream accepts the line whatever else follows.
            _ => {}
        }
        Ok(())
    }

    fn name(&self) -> &'a [u8] {
        self.bytes((self.offsets[0], self.offsets[1]))
    }

    fn is_created_series(&self) -> bool {
        requires_start_timestamp(self.mtype) && self.name().ends_with(b"_created")
    }

    /// Upstream's `seriesHash`: the labels (without `le`/`quantile` of
    /// histograms/summaries) and the family name.
    fn series_hash(&self, family: &[u8]) -> u64 {
        let mut h = rustc_hash::FxHasher::default();
        for pair in self.offsets[2..].chunks_exact(4) {
            let label = self.bytes((pair[0], pair[1]));
            if (self.mtype == MetricType::Summary && label == b"quantile")
                || (self.mtype == MetricType::Histogram && label == b"le")
            {
                continue;
            }
            label.hash(&mut h);
            self.bytes((pair[2], pair[3])).hash(&mut h);
        }
        family.hash(&mut h);
        h.finish()
    }

    fn entry(&mut self) -> Result<Option<Entry>, ParseError> {
        loop {
            self.start = self.l.inp.i;
            self.offsets.clear();
            if !self.ignore_exemplar {
                self.e_offsets.clear();
                self.has_exemplar = false;
                self.exemplar_val = 0.0;
                self.exemplar_ts = None;
            }
            let t = self.token();
            match t {
                Token::EofWord => {
                    if self.token() != Token::Eof {
                        return Err(ParseError("unexpected data after # EOF".into()));
                    }
                    return Ok(None);
                }
                Token::Eof => return Err(ParseError("data does not end with # EOF".into())),
                Token::Help | Token::Type | Token::Unit => {
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
                    self.mf_name_len = me - ms;
                    self.offsets.extend([ms, me]);
                    if self.token() != Token::Text {
                        return Err(ParseError(format!("expected text in {}", t.name())));
                    }
                    let (s, e) = (self.l.inp.start, self.l.inp.i);
                    self.text = if e - s > 1 { (s + 1, e - 1) } else { (e, e) };
                    let text = self.bytes(self.text);
                    match t {
                        Token::Type => {
                            self.mtype = match text {
                                b"counter" => MetricType::Counter,
                                b"gauge" => MetricType::Gauge,
                                b"histogram" => MetricType::Histogram,
                                b"gaugehistogram" => MetricType::GaugeHistogram,
                                b"summary" => MetricType::Summary,
                                b"info" => MetricType::Info,
                                b"stateset" => MetricType::StateSet,
                                b"unknown" => MetricType::Unknown,
                                _ => {
                                    return Err(ParseError(format!(
                                        "invalid metric type {}",
                                        go_quote(text)
                                    )))
                                }
                            };
                            return Ok(Some(Entry::Type));
                        }
                        Token::Help => {
                            if std::str::from_utf8(text).is_err() {
                                return Err(ParseError(format!(
                                    "help text {} is not a valid utf8 string",
                                    go_quote(text)
                                )));
                            }
                            return Ok(Some(Entry::Help));
                        }
                        _ => {
                            self.unit = lossy(text);
                            let m = self.name();
                            let unit = self.unit.as_bytes();
                            if !unit.is_empty()
                                && (!m.ends_with(unit)
                                    || m.len() < unit.len() + 1
                                    || m[m.len() - unit.len() - 1] != b'_')
                            {
                                return Err(ParseError(format!(
                                    "unit {} not a suffix of metric {}",
                                    go_quote(unit),
                                    go_quote(m)
                                )));
                            }
                            return Ok(Some(Entry::Unit));
                        }
                    }
                }
                Token::BraceOpen => {
                    self.offsets.extend([UNSET, UNSET]);
                    self.label_values(false)?;
                    self.series = (self.start, self.l.inp.i);
                    let t2 = self.token();
                    self.end_of_line(t2)?;
                    if self.skip_created && self.is_created_series() {
                        continue;
                    }
                    return Ok(Some(Entry::Series));
                }
                Token::MName => {
                    self.offsets.extend([self.start, self.l.inp.i]);
                    self.series = (self.start, self.l.inp.i);
                    let mut t2 = self.token();
                    if t2 == Token::BraceOpen {
                        self.label_values(false)?;
                        self.series = (self.start, self.l.inp.i);
                        t2 = self.token();
                    }
                    self.end_of_line(t2)?;
                    if self.skip_created && self.is_created_series() {
                        continue;
                    }
                    return Ok(Some(Entry::Series));
                }
                _ => return Err(self.err("expected a valid start token", t)),
            }
        }
    }
}

/// Go's `%f` for the special values the timestamp checks reject.
fn go_percent_f(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v > 0.0 {
        "+Inf".into()
    } else {
        "-Inf".into()
    }
}

fn requires_start_timestamp(t: MetricType) -> bool {
    matches!(
        t,
        MetricType::Counter | MetricType::Summary | MetricType::Histogram
    )
}

impl<'a> Parser for OpenMetricsParser<'a> {
    fn next(&mut self) -> Result<Option<Entry>, ParseError> {
        self.entry()
    }

    fn series(&self) -> (&[u8], Option<i64>, f64) {
        (self.bytes(self.series), self.ts, self.val)
    }

    fn help(&self) -> (&[u8], Cow<'_, [u8]>) {
        (self.name(), unescape_value(self.bytes(self.text), false))
    }

    fn metric_type(&self) -> (&[u8], MetricType) {
        (self.name(), self.mtype)
    }

    fn unit(&self) -> (&[u8], &[u8]) {
        (self.name(), self.unit.as_bytes())
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
            Some(&self.unit),
            self.type_and_unit_labels,
        );
    }

    fn exemplar(&mut self) -> Option<Exemplar> {
        if !self.has_exemplar {
            return None;
        }
        self.has_exemplar = false;
        let pairs: Vec<(String, String)> = self
            .e_offsets
            .chunks_exact(4)
            .map(|p| {
                (
                    lossy(self.bytes((p[0], p[1]))),
                    lossy(self.bytes((p[2], p[3]))),
                )
            })
            .collect();
        Some(Exemplar {
            labels: Labels::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            value: self.exemplar_val,
            t: self.exemplar_ts,
        })
    }

    /// Upstream's look-ahead: the `_created` sample of this series' family
    /// with the same labels, found before the family's series end.
    fn start_timestamp(&mut self) -> i64 {
        if !requires_start_timestamp(self.mtype) {
            self.st_hash = 0;
            return 0;
        }
        let series = self.bytes(self.series);
        let name_start = self.offsets[0].saturating_sub(self.start).min(series.len());
        let quoted = series.len() > 1 && series[0] == b'{' && series[1] == b'"';
        let end = if quoted {
            self.mf_name_len + 2
        } else {
            self.mf_name_len
        };
        // Upstream slices without bounds checks; a family name longer than
        // the series name is clamped here instead of panicking.
        let current = &series[name_start..end.clamp(name_start, series.len())];
        let current_hash = self.series_hash(current);
        if current_hash == self.st_hash && self.st > 0 {
            return self.st;
        }
        let saved = (
            self.l.clone(),
            self.start,
            self.mtype,
            self.offsets.clone(),
            self.series,
            self.val,
            self.ts,
            self.skip_created,
        );
        self.skip_created = false;
        self.ignore_exemplar = true;
        let found = loop {
            match self.entry() {
                Ok(Some(Entry::Series)) => {}
                _ => break None,
            }
            let name = self.name();
            let Some(family) = name.strip_suffix(b"_created") else {
                continue;
            };
            if self.series_hash(family) != current_hash {
                break None;
            }
            break Some((self.val * 1000.0) as i64);
        };
        let (l, start, mtype, offsets, series, val, ts, _) = saved;
        self.l = l;
        self.start = start;
        self.mtype = mtype;
        self.offsets = offsets;
        self.series = series;
        self.val = val;
        self.ts = ts;
        self.ignore_exemplar = false;
        match found {
            Some(st) => {
                self.st = st;
                self.st_hash = current_hash;
                self.skip_created = true;
                st
            }
            None => {
                // As upstream: a failed look-ahead also turns skipping on.
                self.st_hash = 0;
                self.skip_created = true;
                0
            }
        }
    }
}

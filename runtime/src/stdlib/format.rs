//! `string.format`: Go's `fmt.Sprintf` over Alloy values.
//!
//! Upstream hands the arguments to `fmt.Sprintf` as Go values (numbers as
//! `int`, `uint64` or `float64`, arrays as `[]interface {}`, objects as
//! `map[string]interface {}`), so the output, including Go's in-band error
//! notes such as `%!d(string=hello)` and `%!s(MISSING)`, follows from Go's
//! rules for those types. This module reimplements those rules: flags
//! `+ - # 0 space`, widths and precisions (also `*` and explicit argument
//! indexes `%[2]d`), and the verbs `v s q d b o O x X c U e E f F g G t T
//! %`.
//!
//! Differences, all deliberate: an optional secret that is not secret
//! prints as its text (Go would print the struct `{false text}`), host
//! capsules print as `capsule("type")`, functions as `function`, `%x` on
//! floats uses `%g`, and `#` does not keep trailing zeros of floats.
//! Secrets print their text, but then the whole result is returned as a
//! secret by the caller, so it cannot leak through a string.

use alloy_syntax::unicode::go_quote;

use crate::value::strconv::format_float;
use crate::value::{Capsule, Number, Value};

/// Formatting state for one verb (Go's `fmt.fmtFlags` plus width and
/// precision).
#[derive(Clone, Copy, Default)]
struct Spec {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    sharp_v: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

/// Go's `tooLarge`: widths and precisions above a million are nonsense.
const MAX_NUM: usize = 1_000_000;

/// How deep nested arrays and objects are printed before `...`.
const MAX_DEPTH: usize = 64;

/// Formats `args` according to `format`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer {
        out: String::new(),
        args,
    };
    p.do_printf(format);
    p.out
}

struct Printer<'a> {
    out: String,
    args: &'a [Value],
}

/// Parses a decimal number at `s[i..end]`; `(num, present, next)`.
fn parse_num(s: &[u8], mut i: usize, end: usize) -> (usize, bool, usize) {
    let mut num: usize = 0;
    let mut present = false;
    while i < end && s[i].is_ascii_digit() {
        if num > MAX_NUM {
            return (0, false, end);
        }
        num = num * 10 + usize::from(s[i] - b'0');
        present = true;
        i += 1;
    }
    (num, present, i)
}

impl Printer<'_> {
    fn do_printf(&mut self, format: &str) {
        let s = format.as_bytes();
        let end = s.len();
        let mut arg_num = 0usize;
        let mut reordered = false;
        let mut i = 0;
        while i < end {
            let lasti = i;
            while i < end && s[i] != b'%' {
                i += 1;
            }
            if i > lasti {
                self.out.push_str(&format[lasti..i]);
            }
            if i >= end {
                break;
            }
            i += 1;
            let mut spec = Spec::default();
            let mut good_arg_num = true;
            // Flags.
            while i < end {
                match s[i] {
                    b'#' => spec.sharp = true,
                    b'0' => spec.zero = !spec.minus,
                    b'+' => spec.plus = true,
                    b'-' => {
                        spec.minus = true;
                        spec.zero = false;
                    }
                    b' ' => spec.space = true,
                    _ => break,
                }
                i += 1;
            }
            // Argument index, width.
            let mut after_index;
            (arg_num, i, after_index) =
                self.arg_number(arg_num, s, i, &mut good_arg_num, &mut reordered);
            if i < end && s[i] == b'*' {
                i += 1;
                let (wid, ok, next) = self.int_from_arg(arg_num);
                arg_num = next;
                if !ok {
                    self.out.push_str("%!(BADWIDTH)");
                }
                if wid < 0 {
                    spec.minus = true;
                    spec.zero = false;
                }
                spec.wid = ok.then_some(wid.unsigned_abs() as usize);
                after_index = false;
            } else {
                let (wid, present, next) = parse_num(s, i, end);
                i = next;
                spec.wid = present.then_some(wid);
                if after_index && present {
                    good_arg_num = false;
                }
            }
            // Precision.
            if i + 1 < end && s[i] == b'.' {
                i += 1;
                if after_index {
                    good_arg_num = false;
                }
                (arg_num, i, after_index) =
                    self.arg_number(arg_num, s, i, &mut good_arg_num, &mut reordered);
                if i < end && s[i] == b'*' {
                    i += 1;
                    let (prec, ok, next) = self.int_from_arg(arg_num);
                    arg_num = next;
                    spec.prec = (ok && prec >= 0).then_some(prec as usize);
                    if !ok {
                        self.out.push_str("%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (prec, present, next) = parse_num(s, i, end);
                    i = next;
                    spec.prec = Some(if present { prec } else { 0 });
                }
            }
            if !after_index {
                (arg_num, i, _) = self.arg_number(arg_num, s, i, &mut good_arg_num, &mut reordered);
            }
            if i >= end {
                self.out.push_str("%!(NOVERB)");
                break;
            }
            let Some(verb) = format[i..].chars().next() else {
                break;
            };
            i += verb.len_utf8();
            if verb == '%' {
                self.out.push('%');
            } else if !good_arg_num {
                self.out.push_str(&format!("%!{verb}(BADINDEX)"));
            } else if arg_num >= self.args.len() {
                self.out.push_str(&format!("%!{verb}(MISSING)"));
            } else {
                if verb == 'v' {
                    spec.sharp_v = spec.sharp;
                    spec.sharp = false;
                    // Go's `%+v` only matters for structs, which do not
                    // occur here.
                    spec.plus = false;
                }
                let arg = &self.args[arg_num];
                let text = print_arg(arg, verb, &spec, 0);
                self.out.push_str(&text);
                arg_num += 1;
            }
        }
        if !reordered && arg_num < self.args.len() {
            self.out.push_str("%!(EXTRA ");
            for (n, arg) in self.args[arg_num..].iter().enumerate() {
                if n > 0 {
                    self.out.push_str(", ");
                }
                match go_type(arg) {
                    None => self.out.push_str("<nil>"),
                    Some(ty) => {
                        self.out.push_str(&ty);
                        self.out.push('=');
                        self.out.push_str(&print_arg(arg, 'v', &Spec::default(), 0));
                    }
                }
            }
            self.out.push(')');
        }
    }

    /// Go's `argNumber`: an optional `[n]` at `s[i..]`.
    fn arg_number(
        &self,
        arg_num: usize,
        s: &[u8],
        i: usize,
        good: &mut bool,
        reordered: &mut bool,
    ) -> (usize, usize, bool) {
        if i >= s.len() || s[i] != b'[' {
            return (arg_num, i, false);
        }
        *reordered = true;
        let rest = &s[i..];
        let (index, width, ok) = parse_arg_number(rest);
        if ok && index >= 1 && index - 1 < self.args.len() {
            return (index - 1, i + width, true);
        }
        *good = false;
        (arg_num, i + width, ok)
    }

    /// Go's `intFromArg`: the argument as a width or precision.
    fn int_from_arg(&self, arg_num: usize) -> (i64, bool, usize) {
        let Some(arg) = self.args.get(arg_num) else {
            return (0, false, arg_num);
        };
        let (num, ok) = match arg {
            Value::Number(Number::Int(i)) => (*i, true),
            Value::Number(Number::Uint(u)) => match i64::try_from(*u) {
                Ok(i) => (i, true),
                Err(_) => (0, false),
            },
            _ => (0, false),
        };
        if num.unsigned_abs() > MAX_NUM as u64 {
            return (0, false, arg_num + 1);
        }
        (num, ok, arg_num + 1)
    }
}

/// Go's `parseArgNumber` on text starting with `[`: the one-based index,
/// the bytes used and whether it parsed.
fn parse_arg_number(s: &[u8]) -> (usize, usize, bool) {
    if s.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..s.len() {
        if s[i] == b']' {
            let (num, present, next) = parse_num(s, 1, i);
            if !present || next != i {
                return (0, i + 1, false);
            }
            return (num, i + 1, true);
        }
    }
    (0, 1, false)
}

/// The Go type an argument has after upstream's decoding into `any`;
/// `None` for nil.
fn go_type(value: &Value) -> Option<String> {
    Some(match value {
        Value::Null => return None,
        Value::Number(Number::Float(_)) => "float64".to_owned(),
        Value::Number(Number::Uint(u)) if *u > i64::MAX as u64 => "uint64".to_owned(),
        Value::Number(_) => "int".to_owned(),
        Value::String(_) => "string".to_owned(),
        Value::Bool(_) => "bool".to_owned(),
        Value::Array(_) => "[]interface {}".to_owned(),
        Value::Object(_) => "map[string]interface {}".to_owned(),
        Value::Function(_) => "func".to_owned(),
        Value::Capsule(c) => c.type_name().to_owned(),
    })
}

fn rune_count(s: &str) -> usize {
    s.chars().count()
}

/// Go's `pad`: width padding, zeros only to the left and only when asked.
fn pad(text: &str, spec: &Spec) -> String {
    let Some(wid) = spec.wid else {
        return text.to_owned();
    };
    let len = rune_count(text);
    if wid <= len {
        return text.to_owned();
    }
    let fill = wid - len;
    if spec.minus {
        format!("{text}{}", " ".repeat(fill))
    } else {
        let byte = if spec.zero { "0" } else { " " };
        format!("{}{text}", byte.repeat(fill))
    }
}

/// Go's `truncate`: precision limits strings to that many runes.
fn truncate<'t>(text: &'t str, spec: &Spec) -> &'t str {
    match spec.prec {
        Some(n) => match text.char_indices().nth(n) {
            Some((i, _)) => &text[..i],
            None => text,
        },
        None => text,
    }
}

fn bad_verb(value: &Value, verb: char, spec: &Spec, depth: usize) -> String {
    match go_type(value) {
        Some(ty) => format!(
            "%!{verb}({ty}={})",
            print_arg(
                value,
                'v',
                &Spec {
                    sharp_v: false,
                    ..*spec
                },
                depth
            )
        ),
        None => format!("%!{verb}(<nil>)"),
    }
}

/// Formats one argument (Go's `printArg` and `printValue`).
fn print_arg(value: &Value, verb: char, spec: &Spec, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return "...".to_owned();
    }
    if verb == 'T' {
        return pad(
            truncate(&go_type(value).unwrap_or_else(|| "<nil>".to_owned()), spec),
            spec,
        );
    }
    match value {
        Value::Null => {
            if depth > 0 && spec.sharp_v {
                "interface {}(nil)".to_owned()
            } else if verb == 'v' || depth > 0 {
                pad("<nil>", spec)
            } else {
                bad_verb(value, verb, spec, depth)
            }
        }
        Value::Bool(b) => match verb {
            't' | 'v' => pad(if *b { "true" } else { "false" }, spec),
            _ => bad_verb(value, verb, spec, depth),
        },
        Value::Number(Number::Float(f)) => {
            format_float_verb(*f, verb, spec).unwrap_or_else(|| bad_verb(value, verb, spec, depth))
        }
        Value::Number(n) => {
            let (magnitude, negative, signed) = match *n {
                Number::Int(i) => (i.unsigned_abs(), i < 0, true),
                Number::Uint(u) if u <= i64::MAX as u64 => (u, false, true),
                Number::Uint(u) => (u, false, false),
                Number::Float(_) => (0, false, true),
            };
            format_integer(magnitude, negative, signed, verb, spec)
                .unwrap_or_else(|| bad_verb(value, verb, spec, depth))
        }
        Value::String(s) => {
            format_string(s, verb, spec).unwrap_or_else(|| bad_verb(value, verb, spec, depth))
        }
        Value::Capsule(Capsule::Secret(s)) => format_string(s.reveal(), verb, spec)
            .unwrap_or_else(|| bad_verb(value, verb, spec, depth)),
        Value::Capsule(Capsule::OptionalSecret(s)) => format_string(s.reveal(), verb, spec)
            .unwrap_or_else(|| bad_verb(value, verb, spec, depth)),
        Value::Capsule(c @ Capsule::Host(_)) => pad(&c.describe(), spec),
        Value::Function(_) => pad("function", spec),
        Value::Array(items) => {
            let mut out = String::new();
            if spec.sharp_v {
                out.push_str("[]interface {}{");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&print_arg(item, verb, spec, depth + 1));
                }
                out.push('}');
            } else {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(&print_arg(item, verb, spec, depth + 1));
                }
                out.push(']');
            }
            out
        }
        Value::Object(object) => {
            let mut out = String::new();
            if spec.sharp_v {
                out.push_str("map[string]interface {}{");
            } else {
                out.push_str("map[");
            }
            for (i, (key, item)) in object.sorted().into_iter().enumerate() {
                if i > 0 {
                    out.push_str(if spec.sharp_v { ", " } else { " " });
                }
                out.push_str(&print_arg(&Value::string(key), verb, spec, depth + 1));
                out.push(':');
                out.push_str(&print_arg(item, verb, spec, depth + 1));
            }
            out.push(if spec.sharp_v { '}' } else { ']' });
            out
        }
    }
}

fn format_string(s: &str, verb: char, spec: &Spec) -> Option<String> {
    Some(match verb {
        'v' if spec.sharp_v => quote_string(s, spec),
        'v' | 's' => pad(truncate(s, spec), spec),
        'q' => quote_string(s, spec),
        'x' | 'X' => {
            let bytes = s.as_bytes();
            let limit = spec.prec.unwrap_or(bytes.len()).min(bytes.len());
            let mut out = String::new();
            for (i, b) in bytes[..limit].iter().enumerate() {
                if spec.space && i > 0 {
                    out.push(' ');
                }
                if spec.sharp && (spec.space || i == 0) {
                    out.push_str(if verb == 'x' { "0x" } else { "0X" });
                }
                if verb == 'x' {
                    out.push_str(&format!("{b:02x}"));
                } else {
                    out.push_str(&format!("{b:02X}"));
                }
            }
            pad(&out, spec)
        }
        _ => return None,
    })
}

fn quote_string(s: &str, spec: &Spec) -> String {
    let s = truncate(s, spec);
    let can_backquote = !s.contains('`')
        && s.chars()
            .all(|c| c == '\t' || !(c.is_control() || c == '\u{feff}'));
    let quoted = if spec.sharp && can_backquote {
        format!("`{s}`")
    } else if spec.plus {
        quote_ascii(s)
    } else {
        go_quote(s.as_bytes())
    };
    pad(&quoted, spec)
}

/// Go's `strconv.QuoteToASCII`.
fn quote_ascii(s: &str) -> String {
    let quoted = go_quote(s.as_bytes());
    let mut out = String::with_capacity(quoted.len());
    for c in quoted.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if (c as u32) < 0x10000 {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push_str(&format!("\\U{:08x}", c as u32));
        }
    }
    out
}

/// Go's `fmtInteger` and friends; `None` for a verb integers do not take.
fn format_integer(
    magnitude: u64,
    negative: bool,
    signed: bool,
    verb: char,
    spec: &Spec,
) -> Option<String> {
    let (base, upper) = match verb {
        'v' if spec.sharp_v && !signed => {
            let digits = format!("0x{magnitude:x}");
            return Some(pad(&digits, spec));
        }
        'v' | 'd' => (10, false),
        'b' => (2, false),
        'o' | 'O' => (8, false),
        'x' => (16, false),
        'X' => (16, true),
        'c' => {
            let c = char::from_u32(u32::try_from(magnitude).unwrap_or(0xfffd))
                .filter(|_| !negative)
                .unwrap_or('\u{fffd}');
            return Some(pad(&c.to_string(), spec));
        }
        'q' => {
            let c = char::from_u32(u32::try_from(magnitude).unwrap_or(0xfffd))
                .filter(|_| !negative)
                .unwrap_or('\u{fffd}');
            let inner = go_quote(c.to_string().as_bytes());
            let inner = &inner[1..inner.len() - 1];
            let inner = if inner == "'" {
                "\\'"
            } else if inner == "\\\"" {
                "\""
            } else {
                inner
            };
            return Some(pad(&format!("'{inner}'"), spec));
        }
        'U' => {
            let mut out = format!("U+{magnitude:04X}");
            if spec.sharp {
                if let Some(c) = u32::try_from(magnitude).ok().and_then(char::from_u32) {
                    if alloy_syntax::unicode::is_print(c) {
                        out.push_str(&format!(" '{c}'"));
                    }
                }
            }
            return Some(pad(&out, spec));
        }
        _ => return None,
    };
    let mut digits = match base {
        2 => format!("{magnitude:b}"),
        8 => format!("{magnitude:o}"),
        16 if upper => format!("{magnitude:X}"),
        16 => format!("{magnitude:x}"),
        _ => magnitude.to_string(),
    };
    // Precision (or zero padding) asks for leading zeros.
    let mut min_digits = 0;
    match spec.prec {
        Some(0) if magnitude == 0 => {
            return Some(pad(
                "",
                &Spec {
                    zero: false,
                    ..*spec
                },
            ));
        }
        Some(p) => min_digits = p,
        None => {
            if spec.zero && !spec.minus {
                if let Some(w) = spec.wid {
                    min_digits = w;
                    if negative || spec.plus || spec.space {
                        min_digits = min_digits.saturating_sub(1);
                    }
                }
            }
        }
    }
    if digits.len() < min_digits {
        digits = format!("{}{digits}", "0".repeat(min_digits - digits.len()));
    }
    let mut prefix = String::new();
    if negative {
        prefix.push('-');
    } else if spec.plus {
        prefix.push('+');
    } else if spec.space {
        prefix.push(' ');
    }
    if spec.sharp {
        match base {
            2 => prefix.push_str("0b"),
            8 if !digits.starts_with('0') => prefix.push('0'),
            16 => prefix.push_str(if upper { "0X" } else { "0x" }),
            _ => {}
        }
    }
    if verb == 'O' {
        prefix.push_str("0o");
    }
    Some(pad(
        &format!("{prefix}{digits}"),
        &Spec {
            zero: false,
            ..*spec
        },
    ))
}

/// Go's `fmtFloat`; `None` for a verb floats do not take.
fn format_float_verb(f: f64, verb: char, spec: &Spec) -> Option<String> {
    let (fmt, default_prec) = match verb {
        'v' | 'g' | 'x' => ('g', None),
        'G' | 'X' => ('G', None),
        'e' => ('e', Some(6)),
        'E' => ('E', Some(6)),
        'f' | 'F' => ('f', Some(6)),
        _ => return None,
    };
    let prec = spec.prec.or(default_prec);
    let mut num = format_float(f, fmt, prec);
    if !num.starts_with(['-', '+']) {
        num.insert(0, '+');
    }
    if spec.space && num.starts_with('+') && !spec.plus {
        num.replace_range(..1, " ");
    }
    let body = &num[1..];
    if body.starts_with(['I', 'N']) {
        let shown = if body.starts_with('N') && !spec.space && !spec.plus {
            body.to_owned()
        } else {
            num.clone()
        };
        return Some(pad(
            &shown,
            &Spec {
                zero: false,
                ..*spec
            },
        ));
    }
    if spec.plus || !num.starts_with('+') {
        if spec.zero && !spec.minus {
            if let Some(wid) = spec.wid {
                let len = num.chars().count();
                if wid > len {
                    let (sign, rest) = num.split_at(1);
                    return Some(format!("{sign}{}{rest}", "0".repeat(wid - len)));
                }
            }
        }
        return Some(pad(&num, spec));
    }
    Some(pad(body, spec))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Object;

    fn f(format: &str, args: Vec<Value>) -> String {
        sprintf(format, &args)
    }

    #[test]
    fn common_verbs() {
        assert_eq!(f("Hello %s", vec!["World".into()]), "Hello World");
        assert_eq!(f("%#v", vec![Value::int(1)]), "1");
        assert_eq!(f("%#v", vec![true.into()]), "true");
        assert_eq!(f("%q", vec!["hello".into()]), "\"hello\"");
        assert_eq!(f("%d%%", vec![Value::int(50)]), "50%");
        assert_eq!(
            f(
                "%5d|%-5d|%05d",
                vec![Value::int(42), Value::int(42), Value::int(-42)]
            ),
            "   42|42   |-0042"
        );
        assert_eq!(
            f(
                "%x %X %o %b",
                vec![
                    Value::int(255),
                    Value::int(255),
                    Value::int(8),
                    Value::int(5)
                ]
            ),
            "ff FF 10 101"
        );
        assert_eq!(f("%#x", vec![Value::int(255)]), "0xff");
        assert_eq!(f("%.2f", vec![Value::float(1.23456)]), "1.23");
        assert_eq!(f("%f", vec![Value::float(1.5)]), "1.500000");
        assert_eq!(f("%v", vec![Value::float(1e6)]), "1e+06");
        assert_eq!(f("%e", vec![Value::float(1234.5678)]), "1.234568e+03");
        assert_eq!(f("%+d", vec![Value::int(5)]), "+5");
        assert_eq!(f("%t", vec![false.into()]), "false");
        assert_eq!(f("%8.3s|", vec!["abcdef".into()]), "     abc|");
        assert_eq!(f("%x", vec!["hi".into()]), "6869");
        assert_eq!(f("%c", vec![Value::int(65)]), "A");
        assert_eq!(f("%U", vec![Value::int(0x1F600)]), "U+1F600");
        assert_eq!(
            f("%T %T", vec![Value::int(1), Value::array(vec![])]),
            "int []interface {}"
        );
    }

    #[test]
    fn go_error_notes() {
        assert_eq!(f("%d", vec!["hello".into()]), "%!d(string=hello)");
        assert_eq!(f("%s", vec![Value::int(5)]), "%!s(int=5)");
        assert_eq!(f("%d", vec![Value::float(1.5)]), "%!d(float64=1.5)");
        assert_eq!(f("%s %s", vec!["a".into()]), "a %!s(MISSING)");
        assert_eq!(f("%s", vec!["a".into(), Value::int(1)]), "a%!(EXTRA int=1)");
        assert_eq!(f("%d", vec![Value::Null]), "%!d(<nil>)");
        assert_eq!(f("%v", vec![Value::Null]), "<nil>");
        assert_eq!(f("%", vec![]), "%!(NOVERB)");
        assert_eq!(f("%[3]d", vec![Value::int(1)]), "%!d(BADINDEX)");
    }

    #[test]
    fn collections() {
        let array = Value::array(vec![Value::int(1), "a".into(), Value::Null]);
        assert_eq!(f("%v", vec![array.clone()]), "[1 a <nil>]");
        assert_eq!(
            f("%#v", vec![array]),
            "[]interface {}{1, \"a\", interface {}(nil)}"
        );
        let mut object = Object::new();
        object.insert("b", Value::int(2));
        object.insert("a", Value::int(1));
        let object = Value::object(object);
        assert_eq!(f("%v", vec![object.clone()]), "map[a:1 b:2]");
        assert_eq!(
            f("%#v", vec![object]),
            "map[string]interface {}{\"a\":1, \"b\":2}"
        );
        assert_eq!(
            f("%d", vec![Value::array(vec![Value::int(1), "x".into()])]),
            "[1 %!d(string=x)]"
        );
    }

    #[test]
    fn star_width_and_indexes() {
        assert_eq!(f("%*d", vec![Value::int(4), Value::int(7)]), "   7");
        assert_eq!(f("%-*d|", vec![Value::int(3), Value::int(7)]), "7  |");
        assert_eq!(f("%.*f", vec![Value::int(1), Value::float(2.25)]), "2.2");
        assert_eq!(f("%[2]s %[1]s", vec!["a".into(), "b".into()]), "b a");
    }
}

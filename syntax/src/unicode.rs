//! Go's character classes, which decide what is an identifier and how
//! messages quote text. Rust's `char::is_alphabetic` is a different property
//! (it includes letter numbers and some marks), so the general category is
//! consulted directly, from a table pinned to Unicode 15.0: the version Go
//! (1.21 and later, so upstream's build) uses.

use unicode_general_category::{get_general_category, GeneralCategory, GeneralCategory as G};

/// Go `unicode.IsLetter`: categories Lu, Ll, Lt, Lm, Lo.
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    matches!(
        get_general_category(c),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
    )
}

/// Go `unicode.IsDigit`: category Nd.
pub fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    get_general_category(c) == G::DecimalNumber
}

/// Go's `%#U` verb: `U+0023 '#'`, or just `U+0007` for unprintable runes.
pub fn format_code_point(c: char) -> String {
    if is_print(c) {
        format!("U+{:04X} '{}'", c as u32, c)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// Upstream `scanner.IsValidIdentifier`: the whole string scans as one
/// identifier, so keywords are not valid.
pub fn is_valid_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first == '_' || is_letter(first))
        && chars.all(|c| c == '_' || is_letter(c) || is_digit(c))
        && !matches!(s, "true" | "false" | "null")
}

/// Go `strconv.Quote` (the `%q` verb) over raw bytes: how upstream quotes
/// text in messages and how its formatter re-quotes labels and object keys.
const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";

/// Bytes that do not form valid UTF-8 are written as `\xNN`; so are control
/// characters below U+0020 and U+007F that have no short escape.
/// Non-printable runes become `\uNNNN` or `\UNNNNNNNN`; printable non-ASCII
/// runes are kept as they are.
pub fn go_quote(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_escaped_rune(&mut out, c);
        }
        for &b in chunk.invalid() {
            push_hex_escape(&mut out, 'x', u32::from(b), 2);
        }
    }
    out.push('"');
    out
}

fn push_escaped_rune(out: &mut String, c: char) {
    if c == '"' || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        _ => {
            let r = u32::from(c);
            if r < 0x20 || r == 0x7f {
                push_hex_escape(out, 'x', r, 2);
            } else if r < 0x10000 {
                push_hex_escape(out, 'u', r, 4);
            } else {
                push_hex_escape(out, 'U', r, 8);
            }
        }
    }
}

fn push_hex_escape(out: &mut String, kind: char, value: u32, digits: u32) {
    out.push('\\');
    out.push(kind);
    for shift in (0..digits).rev() {
        let nibble = (value >> (shift * 4)) & 0xf;
        out.push(char::from(LOWER_HEX[nibble as usize]));
    }
}

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and
/// the ASCII space.
pub fn is_print(c: char) -> bool {
    let r = u32::from(c);
    if r <= 0xff {
        // Latin-1 fast path, as Go has it: U+00A0 (no-break space) and U+00AD
        // (soft hyphen) are not printable.
        return (0x20..=0x7e).contains(&r) || ((0xa1..=0xff).contains(&r) && r != 0xad);
    }
    use GeneralCategory::*;
    match get_general_category(c) {
        UppercaseLetter | LowercaseLetter | TitlecaseLetter | ModifierLetter | OtherLetter
        | NonspacingMark | SpacingMark | EnclosingMark | DecimalNumber | LetterNumber
        | OtherNumber | ConnectorPunctuation | DashPunctuation | OpenPunctuation
        | ClosePunctuation | InitialPunctuation | FinalPunctuation | OtherPunctuation
        | MathSymbol | CurrencySymbol | ModifierSymbol | OtherSymbol => true,
        SpaceSeparator | LineSeparator | ParagraphSeparator | Control | Format | Surrogate
        | PrivateUse | Unassigned => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_points_format_like_go() {
        assert_eq!(format_code_point('#'), "U+0023 '#'");
        assert_eq!(format_code_point('\u{7}'), "U+0007");
        assert_eq!(format_code_point('\u{a0}'), "U+00A0");
        assert_eq!(format_code_point('’'), "U+2019 '’'");
        assert_eq!(format_code_point('\u{FFFD}'), "U+FFFD '\u{FFFD}'");
    }

    #[test]
    fn identifiers_follow_go_classes() {
        assert!(is_valid_identifier("foo६४"));
        assert!(is_valid_identifier("_x1"));
        assert!(!is_valid_identifier("true"));
        assert!(!is_valid_identifier("a-b"));
        assert!(!is_valid_identifier("1a"));
        assert!(!is_valid_identifier(""));
    }

    #[test]
    fn quote_matches_strconv_on_labels() {
        assert_eq!(go_quote(b"`x`"), "\"`x`\"");
        assert_eq!(go_quote("a\"b\\".as_bytes()), r#""a\"b\\""#);
        assert_eq!(go_quote("é\u{200b}\u{1}".as_bytes()), "\"é\\u200b\\x01\"");
        assert_eq!(go_quote(b"\xff"), "\"\\xff\"");
    }

    fn q(s: &str) -> String {
        go_quote(s.as_bytes())
    }

    #[test]
    fn plain_and_special_ascii() {
        assert_eq!(q(""), r#""""#);
        assert_eq!(q("abc"), r#""abc""#);
        assert_eq!(q(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(q("'"), r#""'""#);
        assert_eq!(q("\x07\x08\x0c\n\r\t\x0b"), r#""\a\b\f\n\r\t\v""#);
        assert_eq!(q("\x00\x01\x1f\x7f"), r#""\x00\x01\x1f\x7f""#);
    }

    #[test]
    fn the_object_key_quirk_input() {
        // `{ "a\"b" = 1 }` stores the raw key `a\"b`; Go re-quotes it.
        assert_eq!(q(r#"a\"b"#), r#""a\\\"b""#);
    }

    #[test]
    fn non_ascii() {
        assert_eq!(q("é"), "\"é\"");
        assert_eq!(q("日本語"), "\"日本語\"");
        assert_eq!(q("\u{a0}"), r#""\u00a0""#);
        assert_eq!(q("\u{ad}"), r#""\u00ad""#);
        assert_eq!(q("\u{200b}"), r#""\u200b""#);
        assert_eq!(q("\u{2028}"), r#""\u2028""#);
        assert_eq!(q("\u{3000}"), r#""\u3000""#);
        assert_eq!(q("\u{feff}"), r#""\ufeff""#);
        assert_eq!(q("\u{e000}"), r#""\ue000""#);
        assert_eq!(q("\u{10ffff}"), r#""\U0010ffff""#);
        assert_eq!(q("\u{e0001}"), r#""\U000e0001""#);
        assert_eq!(q("🦳"), "\"🦳\"");
        assert_eq!(q("\u{fffd}"), "\"\u{fffd}\"");
        assert_eq!(q("\u{85}"), r#""\u0085""#);
    }

    #[test]
    fn invalid_utf8_bytes_are_hex_escaped() {
        assert_eq!(go_quote(b"a\xffb"), r#""a\xffb""#);
        assert_eq!(go_quote(b"\xe2\x82"), r#""\xe2\x82""#);
        assert_eq!(go_quote(b"\xed\xa0\x80"), r#""\xed\xa0\x80""#);
    }

    #[test]
    fn is_print_matches_go_on_samples() {
        assert!(is_print(' '));
        assert!(!is_print('\u{2002}'));
        assert!(is_print('_'));
        assert!(is_print('\u{301}'));
        assert!(!is_print('\u{378}'));
        assert!(is_print('\u{1f600}'));
    }
}

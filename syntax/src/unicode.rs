//! Go's character classes, which decide what is an identifier and how
//! messages quote text. Rust's `char::is_alphabetic` is a different property
//! (it includes letter numbers and some marks), so the general category is
//! consulted directly.

use unicode_general_category::{get_general_category, GeneralCategory as G};

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

/// Go `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the
/// ASCII space.
pub fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    !matches!(
        get_general_category(c),
        G::SpaceSeparator
            | G::LineSeparator
            | G::ParagraphSeparator
            | G::Control
            | G::Format
            | G::Surrogate
            | G::PrivateUse
            | G::Unassigned
    )
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

/// Go `strconv.Quote` over raw bytes: how upstream quotes text in messages
/// and how its formatter re-quotes labels and object keys.
pub fn go_quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    let mut rest = bytes;
    while !rest.is_empty() {
        let (c, width) = match decode_first(rest) {
            Some(decoded) => decoded,
            None => {
                out.push_str(&format!("\\x{:02x}", rest[0]));
                rest = &rest[1..];
                continue;
            }
        };
        rest = &rest[width..];
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_print(c) => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn decode_first(bytes: &[u8]) -> Option<(char, usize)> {
    let width = match bytes[0] {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return None,
    };
    let chunk = bytes.get(..width)?;
    let s = std::str::from_utf8(chunk).ok()?;
    s.chars().next().map(|c| (c, width))
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
    fn quote_matches_strconv() {
        assert_eq!(go_quote(b"`x`"), "\"`x`\"");
        assert_eq!(go_quote("a\"b\\".as_bytes()), r#""a\"b\\""#);
        assert_eq!(go_quote("é\u{200b}\u{1}".as_bytes()), "\"é\\u200b\\x01\"");
        assert_eq!(go_quote(b"\xff"), "\"\\xff\"");
    }
}

//! Go RE2 behaviour the translation must reproduce: what Go's `regexp`
//! matches where Rust's dialect would differ, and what Go refuses with
//! which message. Expected values are Go's (regexp package, Go 1.22+).

use alloy_goregex::{expand, translate, Regex};

fn matches(pattern: &str, input: &str) -> bool {
    Regex::new(pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
        .is_match(input)
}

#[test]
fn perl_classes_are_ascii() {
    let cases: &[(&str, &str, bool)] = &[
        (r"^\d$", "7", true),
        (r"^\d$", "\u{663}", false), // ARABIC-INDIC DIGIT THREE
        (r"^\w$", "é", false),
        (r"^\w$", "_", true),
        (r"^\W$", "é", true),
        (r"^\s$", "\u{a0}", false),
        (r"^\s$", "\x0B", false), // Go's \s has no \v
        (r"^\s$", "\x0C", true),
        (r"^\S$", "\x0B", true),
        (r"^\D$", "\u{663}", true),
        (r"\bfoo\b", "éfooé", true), // é is not an ASCII word character
        (r"\Bfoo", "éfoo", false),
        (r"^[\d]$", "\u{663}", false),
        (r"^[^\s]$", "\u{a0}", true),
        (r"^[\w-]+$", "a-b_c", true),
        (r"^\pL$", "é", true),
        (r"^\p{Greek}$", "α", true),
        (r"^\PL$", "1", true),
    ];
    for (pattern, input, want) in cases {
        assert_eq!(matches(pattern, input), *want, "{pattern} on {input:?}");
    }
}

#[test]
fn classes_have_no_set_operations_or_nesting() {
    let cases: &[(&str, &str, bool)] = &[
        (r"^[&&a]+$", "&a&", true),
        (r"^[a~~b]+$", "~ab", true),
        (r"^[[a]$", "[", true),
        (r"^[[a]]$", "a]", true),
        (r"^[[a]]$", "a", false),
        (r"^[a-c-e]+$", "b-e", true),
        (r"^[a-c-e]+$", "d", false),
        (r"^[]a]+$", "]a", true),
        (r"^[^]a]$", "b", true),
        (r"^[a-]+$", "-a", true),
        (r"^[[:alpha:]]+$", "ab", true),
        (r"^[[:^digit:]]$", "x", true),
        (r"^[\[\]]+$", "[]", true),
        (r"^[\x41-\x43]+$", "ABC", true),
        (r"^[<>]+$", "<>", true),
    ];
    for (pattern, input, want) in cases {
        assert_eq!(matches(pattern, input), *want, "{pattern} on {input:?}");
    }
}

#[test]
fn literal_forms() {
    let cases: &[(&str, &str, bool)] = &[
        (r"^\Qa.b\E$", "a.b", true),
        (r"^\Qa.b\E$", "axb", false),
        (r"^\Qa.b$", "a.b$", true), // \Q without \E runs to the end
        (r"^\<a\>$", "<a>", true),  // Go: escaped punctuation is literal
        (r"^\101\x42\x{43}$", "ABC", true),
        (r"^\0$", "\0", true),
        (r"^a{,5}$", "a{,5}", true),
        (r"^x{$", "x{", true),
        (r"^a{2}$", "aa", true),
        (r"^}$", "}", true),
        (r"^]$", "]", true),
        (r"^ #$", " #", true),
        (r"(?)a", "a", true),
        (r"^(?i)AbC$", "aBc", true),
        (r"^(?U)a+$", "aa", true),
        (r"^(?P<x>a)(?<y>b)$", "ab", true),
        (r"^a{1000}$", &"a".repeat(1000), true),
    ];
    for (pattern, input, want) in cases {
        assert_eq!(matches(pattern, input), *want, "{pattern} on {input:?}");
    }
}

#[test]
fn refusals_carry_go_messages() {
    let cases: &[(&str, &str)] = &[
        ("a{1001}", "invalid repeat count: `{1001}`"),
        ("a{2,1001}", "invalid repeat count: `{2,1001}`"),
        ("a{2,1}", "invalid repeat count: `{2,1}`"),
        ("a**", "invalid nested repetition operator: `**`"),
        ("a*??", "invalid nested repetition operator: `*??`"),
        ("a{2}{3}", "invalid nested repetition operator: `{2}{3}`"),
        ("*a", "missing argument to repetition operator: `*`"),
        ("a|+", "missing argument to repetition operator: `+`"),
        ("(?i)*", "missing argument to repetition operator: `*`"),
        ("(?x)a", "invalid or unsupported Perl syntax: `(?x`"),
        ("(?i-)a", "invalid or unsupported Perl syntax: `(?i-)`"),
        ("(?P=n)", "invalid named capture: `(?P=`"),
        ("(?P<n!>a)", "invalid named capture: `(?P<n!>`"),
        ("(?P<>a)", "invalid named capture: `(?P<>`"),
        (r"\8", "invalid escape sequence: `\\8`"),
        (r"\1", "invalid escape sequence: `\\1`"),
        (r"\q", "invalid escape sequence: `\\q`"),
        (r"\xZ1", "invalid escape sequence: `\\xZ1`"),
        ("(a", "missing closing ): `(a`"),
        ("a)", "unexpected ): `a)`"),
        ("[a", "missing closing ]: `[a`"),
        ("a\\", "trailing backslash at end of expression: ``"),
        ("[z-a]", "invalid character class range: `z-a`"),
        ("[a--]", "invalid character class range: `a--`"),
        ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
    ];
    for (pattern, want) in cases {
        let err = Regex::new(pattern).expect_err(pattern);
        assert_eq!(
            err.to_string(),
            format!("error parsing regexp: {want}"),
            "{pattern}"
        );
    }
    let deep = format!("{}a{}", "(".repeat(1001), ")".repeat(1001));
    assert_eq!(
        Regex::new(&deep).expect_err("deep").code,
        alloy_goregex::ErrorCode::NestingDepth
    );
    let deep = format!("{}a{}", "(".repeat(300), ")".repeat(300));
    assert_eq!(
        Regex::new(&deep).expect_err("deep").code,
        alloy_goregex::ErrorCode::NestingDepth
    );
    assert!(Regex::new(&format!("{}a{}", "(".repeat(100), ")".repeat(100))).is_ok());
}

#[test]
fn anchored_relabel_form() {
    let re = Regex::new_anchored("a.b").expect("valid");
    assert!(re.is_match("a\nb"));
    assert!(!re.is_match("xa\nb"));
    assert_eq!(re.as_str(), "a.b");
    // The user's text may close the wrapper's group, as upstream allows.
    let odd = Regex::new_anchored("a)|(b").expect("valid in Go too");
    assert!(odd.is_match("a"));
    assert!(odd.is_match("b"));
    assert!(Regex::new_anchored("a|b").expect("valid").is_match("b"));
}

#[test]
fn expansion_follows_go() {
    let re = Regex::new(r"(?P<first>\w+)-(\d+)").expect("valid");
    let caps = re.captures("abc-42").expect("match");
    let cases = [
        ("$1", "abc"),
        ("${2}x", "42x"),
        ("$2x", ""), // the name is `2x`, which does not exist
        ("$first", "abc"),
        ("${first}_", "abc_"),
        ("$first_", ""),
        ("$$1", "$1"),
        ("a$", "a$"),
        ("${1", "${1"),
        ("$-", "$-"),
        ("$9", ""),
        ("$01", "abc"),
        ("x${}y", "x${}y"),
    ];
    for (template, want) in cases {
        let mut out = String::new();
        expand(&caps, template, &mut out);
        assert_eq!(out, want, "{template}");
    }
    let re = Regex::new("a*").expect("valid");
    assert_eq!(re.replace_all("baaac", "X"), "XbXcX");
    let re = Regex::new(r"(\w)(\w)").expect("valid");
    assert_eq!(re.replace_all("abcd e", "$2$1"), "badc e");
}

#[test]
fn translation_is_plain_rust_syntax() {
    assert_eq!(translate(r"\d+").expect("valid"), "[0-9]+");
    assert_eq!(translate(r"[&&]").expect("valid"), r"[\&\&]");
    assert_eq!(translate(r"\bx").expect("valid"), r"(?-u:\b)x");
}

/// Every short string over the syntax's special characters translates or
/// is refused without a panic, and whatever translates compiles or is
/// refused with an error (never a panic in the regex crate).
#[test]
fn short_inputs_never_panic() {
    let alphabet: Vec<char> = r"\[]{}()*+?|^$-:&~aPpQE1x,0<".chars().collect();
    let mut stack: Vec<String> = vec![String::new()];
    let mut seen = 0;
    while let Some(s) = stack.pop() {
        let _ = Regex::new(&s);
        let _ = Regex::new_anchored(&s);
        seen += 1;
        if s.chars().count() < 3 {
            for c in &alphabet {
                let mut next = s.clone();
                next.push(*c);
                stack.push(next);
            }
        }
    }
    assert!(seen > 20_000);
}

//! go-logfmt's decoder, for `stage.logfmt`: `key=value`, `key="quoted
//! value"`, bare `key` (empty value).

pub(crate) fn logfmt(line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] <= b' ' {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        while i < b.len() && b[i] > b' ' && b[i] != b'=' && b[i] != b'"' {
            i += 1;
        }
        let key = line[start..i].to_owned();
        if i < b.len() && b[i] == b'"' {
            // A quote inside a key is invalid: skip to the next space.
            while i < b.len() && b[i] > b' ' {
                i += 1;
            }
            continue;
        }
        if i >= b.len() || b[i] != b'=' {
            if !key.is_empty() {
                out.push((key, String::new()));
            }
            continue;
        }
        i += 1;
        let value = if i < b.len() && b[i] == b'"' {
            i += 1;
            let mut v = String::new();
            let mut chars = line[i..].char_indices();
            let mut end = line.len();
            while let Some((j, c)) = chars.next() {
                match c {
                    '"' => {
                        end = i + j + 1;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some((_, 'n')) => v.push('\n'),
                        Some((_, 't')) => v.push('\t'),
                        Some((_, 'r')) => v.push('\r'),
                        Some((_, c)) => v.push(c),
                        None => {}
                    },
                    c => v.push(c),
                }
            }
            i = end;
            v
        } else {
            let vs = i;
            while i < b.len() && b[i] > b' ' {
                i += 1;
            }
            line[vs..i].to_owned()
        };
        if !key.is_empty() {
            out.push((key, value));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn logfmt_pairs() {
        let got = super::logfmt(r#"time=2012 app=my-app msg="hello \"x\" world" flag"#);
        assert_eq!(
            got,
            vec![
                ("time".into(), "2012".into()),
                ("app".into(), "my-app".into()),
                ("msg".into(), "hello \"x\" world".into()),
                ("flag".into(), String::new()),
            ]
        );
    }
}

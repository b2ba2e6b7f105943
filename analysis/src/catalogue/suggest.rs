//! "Did you mean ...?" suggestions for misspelt names.

/// The candidate closest to `name`, if it is close enough to be a typo.
///
/// Uses the optimal-string-alignment variant of Damerau-Levenshtein, so a
/// swapped pair of letters (`reciever`) costs one edit like a missing one
/// (`prometheus.scrap`). A suggestion is only made within `chars / 3`
/// edits, and at least one edit for names of three or more characters:
/// close enough for typos, far enough from suggesting an unrelated name
/// (any one-letter name is one edit from any other). A case-only
/// difference always wins, since it is almost certainly the intended name.
/// Ties keep the earliest candidate, so results are deterministic for the
/// sorted catalogue tables. `name` itself is never suggested.
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let target: Vec<char> = name.chars().collect();
    let limit = if target.len() >= 3 {
        (target.len() / 3).max(1)
    } else {
        0
    };
    let mut best: Option<(usize, &'a str)> = None;
    let mut buf = Vec::new();
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        if candidate.eq_ignore_ascii_case(name) {
            return Some(candidate);
        }
        let bound = best.map_or(limit, |(d, _)| d.saturating_sub(1));
        buf.clear();
        buf.extend(candidate.chars());
        if let Some(d) = osa_distance(&target, &buf, bound) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Optimal-string-alignment distance between `a` and `b`, or `None` when it
/// exceeds `bound` (checked up front by length and per row, so scanning
/// every component name stays cheap).
fn osa_distance(a: &[char], b: &[char], bound: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > bound {
        return None;
    }
    // Three rolling rows: i-2, i-1 and i.
    let width = b.len() + 1;
    let mut prev2 = vec![0usize; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur = vec![0usize; width];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > bound {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= bound).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(a: &str, b: &str) -> Option<usize> {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        osa_distance(&a, &b, usize::MAX)
    }

    #[test]
    fn distances() {
        assert_eq!(dist("", ""), Some(0));
        assert_eq!(dist("abc", ""), Some(3));
        assert_eq!(dist("kitten", "sitting"), Some(3));
        assert_eq!(dist("reciever", "receiver"), Some(1));
        assert_eq!(dist("ca", "abc"), Some(3));
    }

    #[test]
    fn bound_prunes() {
        let a: Vec<char> = "abcdef".chars().collect();
        let b: Vec<char> = "uvwxyz".chars().collect();
        assert_eq!(osa_distance(&a, &b, 2), None);
        assert_eq!(osa_distance(&a, &a, 0), Some(0));
    }

    #[test]
    fn suggestions() {
        let names = ["prometheus.scrape", "prometheus.relabel", "loki.write"];
        assert_eq!(
            did_you_mean("prometheus.scrap", names),
            Some("prometheus.scrape")
        );
        assert_eq!(did_you_mean("loki.wirte", names), Some("loki.write"));
        assert_eq!(did_you_mean("Loki.Write", names), Some("loki.write"));
        assert_eq!(did_you_mean("otelcol.receiver.otlp", names), None);
        assert_eq!(did_you_mean("loki.write", names), None);
        assert_eq!(did_you_mean("x", ["y", "z"]), None);
        assert_eq!(did_you_mean("X", ["y", "x"]), Some("x"));
        assert_eq!(did_you_mean("tsl", ["tls"]), Some("tls"));
        // Ties keep the first candidate.
        assert_eq!(did_you_mean("abcd", ["abce", "abcf"]), Some("abce"));
    }
}

//! From a discovered label set to a scrape target: upstream's
//! `PopulateLabels` without target relabelling (Alloy relabels targets in
//! `discovery.relabel`, before `prometheus.scrape`).

use std::fmt::Write;
use std::time::Duration;

use crate::model::{
    Labels, LabelsBuilder, ADDRESS_LABEL, INSTANCE_LABEL, JOB_LABEL, METRICS_PATH_LABEL,
    PARAM_LABEL_PREFIX, RESERVED_LABEL_PREFIX, SCHEME_LABEL, SCRAPE_INTERVAL_LABEL,
    SCRAPE_TIMEOUT_LABEL,
};

/// One target to scrape.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The labels every scraped series gets (`job`, `instance`, discovered
    /// labels without the `__` ones).
    pub labels: Labels,
    /// All labels before the reserved ones were dropped (debug info).
    pub discovered: Labels,
    pub url: String,
    pub interval: Duration,
    pub timeout: Duration,
}

/// What targets inherit from the component.
#[derive(Clone, Debug)]
pub struct TargetDefaults {
    pub job: String,
    pub scheme: String,
    pub metrics_path: String,
    pub interval: Duration,
    pub timeout: Duration,
    pub params: Vec<(String, Vec<String>)>,
}

/// Go's `model.Duration.String()` (`1m`, `15s`, `1m30s`, `500ms`).
pub fn go_model_duration(d: Duration) -> String {
    let mut ms = d.as_millis() as u64;
    if ms == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    for (unit, size) in [
        ("y", 365 * 24 * 3_600_000u64),
        ("w", 7 * 24 * 3_600_000),
        ("d", 24 * 3_600_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
        ("ms", 1),
    ] {
        if ms >= size {
            let _ = write!(out, "{}{unit}", ms / size);
            ms %= size;
        }
    }
    out
}

/// Reads a `__scrape_interval__`-style duration (Prometheus's duration
/// syntax: `1h30m`, `15s`, `500ms`).
fn parse_model_duration(s: &str) -> Option<Duration> {
    let mut total = 0u64;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        let ms = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            "y" => 31_536_000_000,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total = total.checked_add(n.checked_mul(ms)?)?;
    }
    Some(Duration::from_millis(total))
}

fn percent_encode(s: &str, out: &mut String) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
}

/// Builds a target; `Ok(None)` when the set should be skipped, `Err` with
/// upstream's reason when it is invalid.
pub fn populate(discovered: &Labels, d: &TargetDefaults) -> Result<Option<Target>, String> {
    let mut lb = discovered.to_builder();
    let set_default = |lb: &mut LabelsBuilder, name: &str, value: &str| {
        if lb.get(name).is_none() {
            lb.set(name, value);
        }
    };
    set_default(&mut lb, JOB_LABEL, &d.job);
    set_default(
        &mut lb,
        SCRAPE_INTERVAL_LABEL,
        &go_model_duration(d.interval),
    );
    set_default(&mut lb, SCRAPE_TIMEOUT_LABEL, &go_model_duration(d.timeout));
    set_default(&mut lb, METRICS_PATH_LABEL, &d.metrics_path);
    set_default(&mut lb, SCHEME_LABEL, &d.scheme);
    for (name, values) in &d.params {
        if let Some(first) = values.first() {
            set_default(&mut lb, &format!("{PARAM_LABEL_PREFIX}{name}"), first);
        }
    }
    let Some(address) = lb.get(ADDRESS_LABEL).map(str::to_owned) else {
        return Err("no address".to_owned());
    };
    if address.contains('/') {
        return Err(format!("{address:?} is not a valid hostname"));
    }
    let interval_text = lb.get(SCRAPE_INTERVAL_LABEL).unwrap_or("").to_owned();
    let interval = parse_model_duration(&interval_text)
        .ok_or_else(|| format!("error parsing scrape interval: {interval_text:?}"))?;
    let timeout_text = lb.get(SCRAPE_TIMEOUT_LABEL).unwrap_or("").to_owned();
    let timeout = parse_model_duration(&timeout_text)
        .ok_or_else(|| format!("error parsing scrape timeout: {timeout_text:?}"))?;
    if interval.is_zero() {
        return Err("scrape interval cannot be 0".to_owned());
    }
    if timeout.is_zero() {
        return Err("scrape timeout cannot be 0".to_owned());
    }
    if timeout > interval {
        return Err(format!(
            "scrape timeout cannot be greater than scrape interval ({timeout_text:?} > {interval_text:?})"
        ));
    }
    let scheme = lb.get(SCHEME_LABEL).unwrap_or("http").to_owned();
    let path = lb.get(METRICS_PATH_LABEL).unwrap_or("/metrics").to_owned();
    let mut url = format!("{scheme}://{address}{path}");
    let mut first = !path.contains('?');
    // Component params, with `__param_` labels overriding the first value.
    let mut params: Vec<(String, Vec<String>)> = d.params.clone();
    for l in lb.iter() {
        if let Some(name) = l.name.strip_prefix(PARAM_LABEL_PREFIX) {
            match params.iter_mut().find(|(n, _)| n == name) {
                Some((_, values)) if !values.is_empty() => values[0] = l.value.to_owned(),
                Some((_, values)) => values.push(l.value.to_owned()),
                None => params.push((name.to_owned(), vec![l.value.to_owned()])),
            }
        }
    }
    params.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, values) in &params {
        for v in values {
            url.push(if first { '?' } else { '&' });
            first = false;
            percent_encode(name, &mut url);
            url.push('=');
            percent_encode(v, &mut url);
        }
    }
    if lb.get(INSTANCE_LABEL).is_none() {
        lb.set(INSTANCE_LABEL, &address);
    }
    let all = lb.labels();
    lb.retain(|name, _| !name.starts_with(RESERVED_LABEL_PREFIX));
    Ok(Some(Target {
        labels: lb.labels(),
        discovered: all,
        url,
        interval,
        timeout,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> TargetDefaults {
        TargetDefaults {
            job: "prometheus.scrape.default".into(),
            scheme: "http".into(),
            metrics_path: "/metrics".into(),
            interval: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
            params: vec![("module".into(), vec!["a b".into()])],
        }
    }

    #[test]
    fn targets_get_job_instance_and_url() {
        let t = populate(
            &Labels::from_pairs([
                ("__address__", "localhost:9100"),
                ("__meta_x", "y"),
                ("env", "prod"),
                ("__param_target", "x"),
            ]),
            &defaults(),
        )
        .expect("valid")
        .expect("kept");
        assert_eq!(
            t.labels,
            Labels::from_pairs([
                ("env", "prod"),
                ("instance", "localhost:9100"),
                ("job", "prometheus.scrape.default")
            ])
        );
        assert_eq!(t.url, "http://localhost:9100/metrics?module=a+b&target=x");
        assert_eq!(t.discovered.get("__scrape_interval__"), Some("1m"));
    }

    #[test]
    fn invalid_targets_are_refused() {
        assert_eq!(
            populate(&Labels::from_pairs([("a", "b")]), &defaults()),
            Err("no address".into())
        );
        let bad = Labels::from_pairs([("__address__", "h:1"), ("__scrape_timeout__", "2m")]);
        assert!(populate(&bad, &defaults()).is_err());
    }

    #[test]
    fn durations_print_like_prometheus() {
        assert_eq!(go_model_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_model_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(parse_model_duration("1m30s"), Some(Duration::from_secs(90)));
    }
}

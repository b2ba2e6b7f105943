//! Prometheus text exposition (format 0.0.4), the format Alloy's `/metrics`
//! serves through `promhttp` without OpenMetrics.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Family, MetricKind, Registry, SeriesValue};

type LabelSet = Vec<(String, String)>;

/// Renders several registries as one exposition. Each registry's series get
/// its `extra` labels (e.g. `component_id`, `component_path`); families with
/// the same name are merged under one `# HELP`/`# TYPE` header, as a
/// Prometheus gatherer does. Output is sorted by family name.
pub fn encode_text(sources: &[(&Registry, &[(&str, &str)])]) -> String {
    let mut merged: BTreeMap<String, (Family, Vec<LabelSet>)> = BTreeMap::new();
    for (reg, extra) in sources {
        for (name, fam) in reg.snapshot() {
            let entry = merged.entry(name).or_insert_with(|| {
                (
                    Family {
                        help: fam.help.clone(),
                        kind: fam.kind,
                        series: Vec::new(),
                    },
                    Vec::new(),
                )
            });
            if entry.0.kind != fam.kind {
                continue;
            }
            for s in fam.series {
                let mut labels: Vec<(String, String)> = extra
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                labels.extend(s.labels.iter().cloned());
                labels.sort();
                entry.1.push(labels);
                entry.0.series.push(s);
            }
        }
    }

    let mut out = String::new();
    for (name, (fam, labelsets)) in merged {
        if fam.series.is_empty() {
            continue;
        }
        let _ = writeln!(out, "# HELP {name} {}", escape_help(&fam.help));
        let _ = writeln!(out, "# TYPE {name} {}", fam.kind.as_str());
        for (s, labels) in fam.series.iter().zip(labelsets.iter()) {
            match &s.value {
                SeriesValue::Counter(c) => {
                    line(&mut out, &name, labels, None, &c.get().to_string())
                }
                SeriesValue::Gauge(g) => line(&mut out, &name, labels, None, &g.get().to_string()),
                SeriesValue::Histogram(h) => {
                    debug_assert_eq!(fam.kind, MetricKind::Histogram);
                    let core = &h.0;
                    let bucket = format!("{name}_bucket");
                    let mut cumulative = 0u64;
                    for (i, b) in core.buckets.iter().enumerate() {
                        cumulative += b.load(std::sync::atomic::Ordering::Relaxed);
                        let le = core
                            .bounds
                            .get(i)
                            .map_or("+Inf".to_string(), |b| fmt_float(*b));
                        line(
                            &mut out,
                            &bucket,
                            labels,
                            Some(&le),
                            &cumulative.to_string(),
                        );
                    }
                    line(
                        &mut out,
                        &format!("{name}_sum"),
                        labels,
                        None,
                        &fmt_float(h.sum()),
                    );
                    line(
                        &mut out,
                        &format!("{name}_count"),
                        labels,
                        None,
                        &h.count().to_string(),
                    );
                }
            }
        }
    }
    out
}

fn line(out: &mut String, name: &str, labels: &[(String, String)], le: Option<&str>, value: &str) {
    out.push_str(name);
    if !labels.is_empty() || le.is_some() {
        out.push('{');
        let mut first = true;
        for (k, v) in labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(le.map(|l| ("le", l)))
        {
            if !first {
                out.push(',');
            }
            first = false;
            let _ = write!(out, "{k}=\"{}\"", escape_label(v));
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(value);
    out.push('\n');
}

fn fmt_float(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else if v.is_nan() {
        "NaN".into()
    } else {
        format!("{v}")
    }
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

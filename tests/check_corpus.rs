//! No false errors: configurations upstream accepts check clean.
//!
//! Corpus (see `docs/checks.md`, "False errors"):
//! - every file of `extra-alloy-files` (real configs from the upstream
//!   repository: converter outputs, integration tests, examples), except
//!   the one that is not Alloy syntax (`STATUS.tsv` says `parse_error`) and
//!   the converter outputs listed in `UPSTREAM_REJECTS`, which upstream's
//!   own schema rejects too;
//! - every documentation snippet that parses and has no placeholders and is
//!   a whole config, not a fragment. A snippet is a fragment when it shows
//!   a nested block alone or refers to components defined elsewhere in the
//!   page: it then reports one of `FRAGMENT_CODES`. Snippets that are
//!   deliberately or accidentally invalid are pinned in `DOC_DEFECTS`.
//!
//! Everything is checked at the `experimental` level with community
//! components enabled, so gating is not what is tested here.

mod common;

use std::collections::BTreeMap;

use alloy_analysis::catalogue::Stability;
use alloy_analysis::{AnalysisHost, Code, Severity};
use common::{conformance_dir, read, read_string, walk};

/// Converter outputs without the `output` block (or `sort_by`) that the Go
/// structs require: upstream `alloy validate` reports them as well.
const UPSTREAM_REJECTS: &[(&str, Code)] = &[
    (
        "internal/converter/internal/otelcolconvert/testdata/fileexporter.alloy",
        Code::MissingBlock,
    ),
    (
        "internal/converter/internal/otelcolconvert/testdata/filelog.alloy",
        Code::MissingBlock,
    ),
    (
        "internal/converter/internal/otelcolconvert/testdata/fluentforwarder.alloy",
        Code::MissingBlock,
    ),
    (
        "internal/converter/internal/otelcolconvert/testdata/syslog.alloy",
        Code::MissingBlock,
    ),
    (
        "internal/converter/internal/otelcolconvert/testdata/tcplog.alloy",
        Code::MissingBlock,
    ),
];

const FRAGMENT_CODES: &[Code] = &[
    Code::TopLevelAttribute,
    Code::UnknownComponent,
    Code::MissingLabel,
    Code::UnknownReference,
    Code::MissingAttribute,
];

/// Snippets that are invalid on purpose (the docs say so) or by mistake,
/// with the code each must report.
const DOC_DEFECTS: &[(&str, Code)] = &[
    // "INVALID: ... can't reference itself" / "cyclic reference" examples.
    (
        "get-started__components__component-controller__1.alloy",
        Code::SelfReference,
    ),
    (
        "get-started__components__component-controller__2.alloy",
        Code::Cycle,
    ),
    (
        "get-started__components__configure-components__7.alloy",
        Code::SelfReference,
    ),
    (
        "get-started__components__configure-components__8.alloy",
        Code::Cycle,
    ),
    // `queue_config` belongs inside `endpoint`.
    (
        "get-started__components__configure-components__4.alloy",
        Code::UnknownBlock,
    ),
    // `attributes` needs its required `kubernetes` block.
    (
        "reference__components__beyla__beyla.ebpf__2.alloy",
        Code::MissingBlock,
    ),
    (
        "reference__components__beyla__beyla.ebpf__3.alloy",
        Code::MissingBlock,
    ),
    // Not an argument of the `metrics` block.
    (
        "reference__components__otelcol__otelcol.exporter.datadog__2.alloy",
        Code::UnknownAttribute,
    ),
    // `source` is required.
    (
        "reference__components__otelcol__otelcol.extension.jaeger_remote_sampling__4.alloy",
        Code::MissingBlock,
    ),
    // `[discovery...targets]` is a list of lists: `alloy run` refuses it.
    (
        "reference__components__pyroscope__pyroscope.scrape__4.alloy",
        Code::InvalidTarget,
    ),
    // `client` is not a block of prometheus.remote_write (it is `endpoint`).
    (
        "reference__components__remote__remote.http__2.alloy",
        Code::UnknownBlock,
    ),
];

fn errors(host: &mut AnalysisHost, name: &str, bytes: Vec<u8>) -> Vec<(Code, String)> {
    let file = host.set_file(name, bytes);
    let config = host.new_config(vec![file]);
    host.analysis()
        .diagnostics(config)
        .expect("not cancelled")
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.code, d.message))
        .collect()
}

fn host() -> AnalysisHost {
    let mut host = AnalysisHost::new();
    host.set_settings(Stability::Experimental, true);
    host
}

#[test]
fn extra_alloy_files_check_clean() {
    let Some(root) = conformance_dir() else {
        return;
    };
    let dir = root.join("extra-alloy-files");
    let status = read_string(&root.join("extra-alloy-files-golden/STATUS.tsv"));
    let unparsable: Vec<&str> = status
        .lines()
        .filter(|l| l.contains("parse_error"))
        .filter_map(|l| l.split('\t').next())
        .collect();
    let mut host = host();
    let mut checked = 0;
    let mut failures = BTreeMap::new();
    for path in walk(&dir, ".alloy") {
        let rel = path
            .strip_prefix(&dir)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if unparsable
            .iter()
            .any(|u| rel.ends_with(u) || u.ends_with(&rel))
        {
            continue;
        }
        let found = errors(&mut host, &rel, read(&path));
        checked += 1;
        let expected = UPSTREAM_REJECTS.iter().find(|(p, _)| *p == rel);
        let ok = match expected {
            Some((_, code)) => found.iter().any(|(c, _)| c == code),
            None => found.is_empty(),
        };
        if !ok {
            failures.insert(rel, format!("expected {expected:?}, got {found:#?}"));
        }
    }
    eprintln!("extra-alloy-files: {checked} files checked");
    assert!(checked >= 200, "only {checked} files");
    assert!(failures.is_empty(), "false errors: {failures:#?}");
}

#[test]
fn whole_doc_snippets_check_clean() {
    let Some(root) = conformance_dir() else {
        return;
    };
    let dir = root.join("doc-snippets");
    let manifest = read_string(&dir.join("MANIFEST.tsv"));
    let mut host = host();
    let (mut whole, mut fragments) = (0, 0);
    let mut failures = BTreeMap::new();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(name), Some("false"), Some("true")) = (
            cols.first().copied(),
            cols.get(2).copied(),
            cols.get(7).copied(),
        ) else {
            continue;
        };
        let found = errors(&mut host, name, read(&dir.join(name)));
        let defect = DOC_DEFECTS.iter().find(|(n, _)| *n == name);
        if let Some((_, code)) = defect {
            if !found.iter().any(|(c, _)| c == code) {
                failures.insert(name.to_string(), format!("expected {code}, got {found:?}"));
            }
            continue;
        }
        if found.iter().any(|(c, _)| FRAGMENT_CODES.contains(c)) {
            fragments += 1;
            continue;
        }
        whole += 1;
        if !found.is_empty() {
            failures.insert(name.to_string(), format!("{found:#?}"));
        }
    }
    eprintln!("doc snippets: {whole} whole configs clean, {fragments} fragments skipped");
    assert!(whole >= 200, "only {whole} whole snippets");
    assert!(failures.is_empty(), "false errors: {failures:#?}");
}

//! Incrementality, asserted with salsa's event log: an edit inside one
//! component's body re-runs queries for that component only, and an edit
//! to whitespace or comments re-runs no semantic query.

use std::sync::{Arc, Mutex};

use alloy_analysis::{AnalysisHost, Code};

/// The syntactic layer, allowed to re-run on any edit: the tree, the item
/// index and the lowering of items whose subtree changed (which then
/// backdates when only trivia changed).
const SYNTACTIC: &[&str] = &["parse", "item_index", "item_data"];

fn host_with_log() -> (AnalysisHost, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    let host = AnalysisHost::with_event_callback(Some(Box::new(move |event| {
        if let salsa::EventKind::WillExecute { database_key } = event.kind {
            if let Ok(mut log) = sink.lock() {
                log.push(format!("{database_key:?}"));
            }
        }
    })));
    (host, log)
}

fn take(log: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
    std::mem::take(&mut *log.lock().expect("log lock"))
}

fn query_name(entry: &str) -> &str {
    entry.split('(').next().unwrap_or(entry)
}

const CONFIG: &str = r#"prometheus.scrape "a" {
  targets    = [{"__address__" = "localhost:9090"}]
  forward_to = [prometheus.remote_write.sink.receiver]
}

prometheus.scrape "b" {
  targets    = [{"__address__" = "localhost:9091"}]
  forward_to = [prometheus.remote_write.sink.receiver]
}

prometheus.remote_write "sink" {
  endpoint {
    url = "http://mimir:9009/api/v1/push"
  }
}

declare "mod" {
  argument "out" { }

  prometheus.scrape "inner" {
    targets    = []
    forward_to = argument.out.value
  }
}
"#;

#[test]
fn edit_inside_one_component_rechecks_only_that_component() {
    let (mut host, log) = host_with_log();
    let file = host.set_file("main.alloy", CONFIG.as_bytes());
    let config = host.new_config(vec![file]);
    let before = host.analysis().diagnostics(config).expect("not cancelled");
    assert!(before.iter().all(|d| d.code != Code::UnknownComponent));
    let first = take(&log);
    assert!(
        first
            .iter()
            .filter(|e| query_name(e) == "item_diagnostics")
            .count()
            >= 5
    );

    let edited = CONFIG.replace("localhost:9091", "localhost:9092");
    host.set_file("main.alloy", edited.as_bytes());
    host.analysis().diagnostics(config).expect("not cancelled");
    let ran = take(&log);
    let count = |name: &str| ran.iter().filter(|e| query_name(e) == name).count();
    assert_eq!(count("item_data"), 1, "{ran:#?}");
    assert_eq!(count("item_diagnostics"), 1, "{ran:#?}");
    assert_eq!(count("item_references"), 1, "{ran:#?}");
    // The run holding the item is gathered again only if its findings changed.
    assert!(count("run_diagnostics") <= 1, "{ran:#?}");
    assert_eq!(count("module_tree"), 0, "{ran:#?}");
    assert_eq!(count("declare_signature"), 0, "{ran:#?}");
    // The references of `b` did not change, so the graph is not rebuilt.
    assert_eq!(count("component_graph"), 0, "{ran:#?}");
}

#[test]
fn edit_inside_a_declare_body_rechecks_only_the_nested_component() {
    let (mut host, log) = host_with_log();
    let file = host.set_file("main.alloy", CONFIG.as_bytes());
    let config = host.new_config(vec![file]);
    host.analysis().diagnostics(config).expect("not cancelled");
    take(&log);
    let edited = CONFIG.replace("targets    = []", "targets    = [{}]");
    host.set_file("main.alloy", edited.as_bytes());
    host.analysis().diagnostics(config).expect("not cancelled");
    let ran = take(&log);
    let count = |name: &str| ran.iter().filter(|e| query_name(e) == name).count();
    assert_eq!(count("item_diagnostics"), 1, "{ran:#?}");
    assert_eq!(count("module_tree"), 0, "{ran:#?}");
}

#[test]
fn whitespace_and_comment_edits_rerun_no_semantic_query() {
    let (mut host, log) = host_with_log();
    let file = host.set_file("main.alloy", CONFIG.as_bytes());
    let config = host.new_config(vec![file]);
    let before = host.analysis().diagnostics(config).expect("not cancelled");
    take(&log);

    let edited = format!(
        "// a new comment\n\n{}",
        CONFIG
            .replace("  targets    =", "\ttargets =   ")
            .replace("endpoint {", "endpoint { /* inline */")
    );
    host.set_file("main.alloy", edited.as_bytes());
    let after = host.analysis().diagnostics(config).expect("not cancelled");
    let ran = take(&log);
    let semantic: Vec<&String> = ran
        .iter()
        .filter(|e| !SYNTACTIC.contains(&query_name(e)))
        .collect();
    assert!(
        semantic.is_empty(),
        "semantic queries re-ran: {semantic:#?}"
    );
    assert!(ran.iter().any(|e| query_name(e) == "parse"), "{ran:#?}");
    // Same findings, moved by the new lines.
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((b.code, &b.message), (a.code, &a.message));
        assert!(a.range.start() > b.range.start());
    }
}

#[test]
fn snapshots_are_cancelled_by_writes() {
    let (mut host, _log) = host_with_log();
    let file = host.set_file("main.alloy", CONFIG.as_bytes());
    let config = host.new_config(vec![file]);
    let analysis = host.analysis();
    let worker = std::thread::spawn(move || {
        // Keep querying until a write cancels this snapshot.
        for _ in 0..1_000_000 {
            if analysis.diagnostics(config).is_err() {
                return true;
            }
            std::thread::yield_now();
        }
        false
    });
    std::thread::sleep(std::time::Duration::from_millis(20));
    host.set_file("main.alloy", format!("{CONFIG}\n").as_bytes());
    // The write waits for the snapshot; the snapshot's next query sees the
    // pending write and unwinds with `Cancelled`, so the worker lets go.
    assert!(
        worker.join().expect("worker thread"),
        "snapshot was never cancelled"
    );
    let diagnostics = host.analysis().diagnostics(config).expect("fresh snapshot");
    assert!(diagnostics.iter().all(|d| d.code != Code::Syntax));
}

/// Salsa clears each depth's dependency set in time proportional to the
/// largest set that depth ever held, so the per-item checks must all run
/// before the graph, which depends on every item (see `config_diagnostics`).
#[test]
fn item_checks_run_before_the_graph() {
    let (mut host, log) = host_with_log();
    let file = host.set_file("main.alloy", CONFIG.as_bytes());
    let config = host.new_config(vec![file]);
    host.analysis().diagnostics(config).expect("not cancelled");
    let ran = take(&log);
    let position = |name: &str| ran.iter().rposition(|e| query_name(e) == name);
    let last_check = position("item_diagnostics").expect("item checks ran");
    let graph = ran
        .iter()
        .position(|e| query_name(e) == "component_graph")
        .expect("graph built");
    assert!(last_check < graph, "{ran:#?}");
}

/// Edits of a file large enough that replaced trees are freed on the
/// background thread: every re-check must agree with a fresh database, and
/// parse trees handed out before an edit stay usable after it.
#[test]
fn rechecks_of_a_large_file_match_a_fresh_check() {
    let block = |i: usize, target: &str| {
        format!(
            "prometheus.scrape \"s_{i}\" {{\n  targets    = [{{\"__address__\" = \"{target}\"}}]\n  forward_to = [prometheus.remote_write.sink.receiver]\n}}\n\n"
        )
    };
    let mut text = String::from(
        "prometheus.remote_write \"sink\" {\n  endpoint {\n    url = \"http://m:9009/api/v1/push\"\n  }\n}\n\n",
    );
    for i in 0..1_000 {
        text.push_str(&block(i, "localhost:9090"));
    }
    assert!(text.len() > 128 * 1024);
    let mut host = AnalysisHost::new();
    let file = host.set_file("big.alloy", text.as_bytes());
    let config = host.new_config(vec![file]);
    assert!(host
        .analysis()
        .diagnostics(config)
        .expect("not cancelled")
        .is_empty());
    let old_tree = host.analysis().parse(file).expect("not cancelled");
    let edits = [
        text.replacen("s_17\"", "s_17x\"", 1),
        // An unknown attribute: one diagnostic.
        text.replacen(
            "targets    = [{\"__address__\" = \"localhost:9090\"}]",
            "target = []",
            1,
        ),
        text.clone(),
    ];
    let mut found = 0;
    for (round, edited) in edits.into_iter().enumerate() {
        host.set_file("big.alloy", edited.as_bytes());
        let incremental = host.analysis().diagnostics(config).expect("not cancelled");
        if round == 0 {
            // Reparsed, not parsed again: the blocks before the edit are
            // the previous tree's own nodes.
            let new_tree = host.analysis().parse(file).expect("not cancelled");
            let first = |p: &alloy_syntax::Parse| {
                p.green()
                    .children()
                    .find_map(|c| c.into_node())
                    .map(|n| n as *const _)
            };
            assert!(first(&old_tree).is_some());
            assert_eq!(first(&old_tree), first(&new_tree));
        }
        let mut fresh = AnalysisHost::new();
        let fresh_file = fresh.set_file("big.alloy", edited.as_bytes());
        let fresh_config = fresh.new_config(vec![fresh_file]);
        let expected = fresh
            .analysis()
            .diagnostics(fresh_config)
            .expect("not cancelled");
        let summary =
            |d: &[alloy_analysis::Diagnostic]| -> Vec<(Code, String, alloy_analysis::TextRange)> {
                d.iter()
                    .map(|d| (d.code, d.message.clone(), d.range))
                    .collect()
            };
        assert_eq!(summary(&incremental), summary(&expected));
        found += incremental.len();
    }
    assert!(found > 0, "the unknown attribute was not reported");
    assert_eq!(old_tree.syntax_node().to_string(), text);
}

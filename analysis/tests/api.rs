//! The language-server-facing API: outline items, go-to-definition,
//! references, the component graph and fixes.

use alloy_analysis::catalogue::{Signal, Stability};
use alloy_analysis::{AnalysisHost, Code, ItemKind, TextSize};

const CONFIG: &str = r#"local.file_match "logs" {
  path_targets = [{"__path__" = "/var/log/*.log"}]
}

loki.source.file "logs" {
  targets    = local.file_match.logs.targets
  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = "http://loki:3100/loki/api/v1/push"
  }
}

declare "mod" {
  argument "input" { }

  export "out" {
    value = argument.input.value
  }
}

mod "one" {
  input = loki.write.default.receiver
}
"#;

fn setup() -> (
    AnalysisHost,
    alloy_analysis::SourceFile,
    alloy_analysis::Config,
) {
    let mut host = AnalysisHost::new();
    host.set_settings(Stability::GenerallyAvailable, false);
    let file = host.set_file("main.alloy", CONFIG.as_bytes());
    let config = host.new_config(vec![file]);
    (host, file, config)
}

fn offset(needle: &str) -> TextSize {
    TextSize::from(CONFIG.find(needle).expect("needle") as u32)
}

#[test]
fn outline_lists_items_with_nesting() {
    let (host, file, _) = setup();
    let items = host.analysis().items(file).expect("not cancelled");
    let names: Vec<(String, Option<String>)> = items
        .iter()
        .map(|i| (i.name.clone(), i.label.clone()))
        .collect();
    assert_eq!(names.len(), 7, "{names:?}");
    let argument = items
        .iter()
        .position(|i| i.name == "argument")
        .expect("argument");
    let declare = items
        .iter()
        .position(|i| i.name == "declare")
        .expect("declare");
    assert_eq!(items[argument].parent, Some(declare));
    assert_eq!(items[declare].kind, ItemKind::Declare);
    assert_eq!(&CONFIG[items[0].name_range], "local.file_match");
}

#[test]
fn definition_and_references() {
    let (host, file, config) = setup();
    let analysis = host.analysis();
    let target = analysis
        .definition(config, file, offset("loki.write.default.receiver]"))
        .expect("not cancelled")
        .expect("a definition");
    assert_eq!(&CONFIG[target.focus], "loki.write");
    assert!(CONFIG[target.range].starts_with("loki.write \"default\" {"));

    let refs = analysis
        .references(config, file, offset("loki.write \"default\""))
        .expect("not cancelled");
    let texts: Vec<&str> = refs.iter().map(|r| &CONFIG[r.range]).collect();
    assert_eq!(
        texts,
        ["loki.write.default.receiver", "loki.write.default.receiver"]
    );
}

#[test]
fn graph_has_edges_with_signals() {
    let (host, _, config) = setup();
    let graph = host.analysis().graph(config).expect("not cancelled");
    let id = |name: &str| graph.nodes.iter().position(|n| n.id == name).expect(name);
    let source = id("loki.source.file.logs");
    let sink = id("loki.write.default");
    let edge = graph
        .edges
        .iter()
        .find(|e| e.from == source && e.to == sink)
        .expect("edge from the source to the writer");
    assert!(edge.signals.contains(Signal::LokiLogs));
    let targets = graph
        .edges
        .iter()
        .find(|e| e.from == source && e.to == id("local.file_match.logs"))
        .expect("targets edge");
    assert!(targets.signals.contains(Signal::Targets));
}

#[test]
fn fixes_carry_edits() {
    let mut host = AnalysisHost::new();
    let text = "local.file \"a\" {\n  filname = \"/etc/hosts\"\n}\n";
    let file = host.set_file("fix.alloy", text.as_bytes());
    let config = host.new_config(vec![file]);
    let diagnostics = host.analysis().diagnostics(config).expect("not cancelled");
    let unknown = diagnostics
        .iter()
        .find(|d| d.code == Code::UnknownAttribute)
        .expect("unknown attribute");
    let edit = &unknown.fixes[0].edits[0];
    assert_eq!(&text[edit.range], "filname");
    assert_eq!(edit.new_text, "filename");
    let missing = diagnostics
        .iter()
        .find(|d| d.code == Code::MissingAttribute)
        .expect("missing attribute");
    assert!(missing.fixes[0].edits[0].new_text.contains("filename = "));
}

/// Applies the first fix of the first diagnostic with `code`.
fn fixed(text: &str, code: Code) -> String {
    let mut host = AnalysisHost::new();
    let file = host.set_file("fix.alloy", text.as_bytes());
    let config = host.new_config(vec![file]);
    let diagnostics = host.analysis().diagnostics(config).expect("not cancelled");
    let d = diagnostics
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"));
    let edit = &d.fixes[0].edits[0];
    let mut out = text.to_owned();
    out.replace_range(std::ops::Range::<usize>::from(edit.range), &edit.new_text);
    out
}

#[test]
fn missing_attributes_are_added_with_a_placeholder_of_their_type() {
    // A line of its own, indented like the other statements.
    assert_eq!(
        fixed(
            "local.file \"a\" {\n  is_secret = false\n}\n",
            Code::MissingAttribute
        ),
        "local.file \"a\" {\n  is_secret = false\n  filename = \"\"\n}\n"
    );
    // An empty body on one line gets broken up.
    assert_eq!(
        fixed("local.file \"a\" { }\n", Code::MissingAttribute),
        "local.file \"a\" { \n\tfilename = \"\"\n}\n"
    );
    // A nested block, in the file's indentation style.
    assert_eq!(
        fixed(
            "prometheus.remote_write \"a\" {\n  endpoint {\n  }\n}\n",
            Code::MissingAttribute
        ),
        "prometheus.remote_write \"a\" {\n  endpoint {\n    url = \"\"\n  }\n}\n"
    );
    // Lists, numbers, booleans, durations and objects.
    let scrape = fixed("prometheus.scrape \"a\" {\n}\n", Code::MissingAttribute);
    assert!(scrape.contains("\ttargets = []\n"), "{scrape}");
    for (text, expected) in [
        ("discovery.file \"a\" {\n}\n", "files = []"),
        (
            "otelcol.processor.memory_limiter \"a\" {\n  output { }\n}\n",
            "check_interval = \"1m\"",
        ),
    ] {
        let out = fixed(text, Code::MissingAttribute);
        assert!(out.contains(expected), "{out}");
    }
}

#[test]
fn scopes_follow_upstream() {
    let mut host = AnalysisHost::new();
    host.set_settings(Stability::Experimental, false);
    let text = r#"local.file "outer" {
  filename = "/etc/hosts"
}

declare "m" {
  local.file "inner" {
    filename = local.file.outer.content
  }
}

foreach "each" {
  collection = [1, 2]
  var        = "item"

  template {
    local.file "t" {
      filename = string.format("%s-%d", local.file.outer.content, item)
    }
  }
}
"#;
    let file = host.set_file("scopes.alloy", text.as_bytes());
    let config = host.new_config(vec![file]);
    let diagnostics = host.analysis().diagnostics(config).expect("not cancelled");
    let unknown: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.code == Code::UnknownReference)
        .map(|d| &text[d.range])
        .collect();
    // A declare body does not see the root's components; a template does,
    // and sees its foreach variable.
    assert_eq!(unknown, ["local.file.outer.content"]);
    let line = text[..diagnostics[0].range.start().into()].lines().count();
    assert_eq!(line, 7);
}

#[test]
fn settings_gate_features() {
    let mut host = AnalysisHost::new();
    let text = "otelcol.exporter.debug \"d\" { }\n";
    let file = host.set_file("gate.alloy", text.as_bytes());
    let config = host.new_config(vec![file]);
    let gated = host.analysis().diagnostics(config).expect("not cancelled");
    assert!(gated.iter().any(|d| d.code == Code::BelowStability));
    host.set_settings(Stability::Experimental, false);
    let open = host.analysis().diagnostics(config).expect("not cancelled");
    assert!(open.iter().all(|d| d.code != Code::BelowStability));
}

/// Every query copes with broken text: delete one character at a time and
/// ask everything an editor would ask.
#[test]
fn queries_survive_broken_text() {
    let mut host = AnalysisHost::new();
    let file = host.set_file("broken.alloy", CONFIG.as_bytes());
    let config = host.new_config(vec![file]);
    for cut in (0..CONFIG.len()).step_by(7) {
        if !CONFIG.is_char_boundary(cut) || !CONFIG.is_char_boundary(cut + 1) {
            continue;
        }
        let text = format!("{}{}", &CONFIG[..cut], &CONFIG[cut + 1..]);
        host.set_file("broken.alloy", text.as_bytes());
        let analysis = host.analysis();
        let at = TextSize::from((cut as u32).min(text.len() as u32));
        analysis.diagnostics(config).expect("diagnostics");
        let items = analysis.items(file).expect("items");
        for item in &items {
            assert!(item.range.end() <= TextSize::from(text.len() as u32));
        }
        analysis.definition(config, file, at).expect("definition");
        analysis.references(config, file, at).expect("references");
        analysis.graph(config).expect("graph");
    }
}

#[test]
fn stdlib_calls_are_checked_against_the_catalogue_arity() {
    let mut host = AnalysisHost::new();
    host.set_settings(Stability::Experimental, false);
    let text = r#"local.file "a" {
  filename = sys.env("A", "B")
  is_secret = coalesce() == null
}

local.file "b" {
  filename = string.format("%s-%s", "x", "y")
  detector = string.join(["a"])
}

local.file "c" {
  filename = encoding.to_json(array.combine_maps([], []))
}
"#;
    let file = host.set_file("arity.alloy", text.as_bytes());
    let config = host.new_config(vec![file]);
    let diagnostics = host.analysis().diagnostics(config).expect("not cancelled");
    let mut messages: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.code == Code::StdlibArity)
        .map(|d| d.message.as_str())
        .collect();
    messages.sort_unstable();
    assert_eq!(
        messages,
        [
            "combine_maps: expected 3 or 4 arguments, got 2",
            "string.join: expected 2 args, got 1",
            "sys.env: expected 1 args, got 2",
        ]
    );
}

#[test]
fn files_upstream_cannot_decode_are_refused_before_parsing() {
    let mut host = AnalysisHost::new();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend("a = 1\n".encode_utf16().flat_map(u16::to_le_bytes));
    let refused = host.set_file("utf16.alloy", utf16);
    let fine = host.set_file("fine.alloy", &b"local.file \"a\" { filename = 1 }\n"[..]);
    let config = host.new_config(vec![refused, fine]);
    let diagnostics = host.analysis().diagnostics(config).expect("not cancelled");
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0].code, Code::Encoding);
    assert_eq!(diagnostics[0].path, "utf16.alloy");
    assert_eq!(
        diagnostics[0].message,
        "configuration is encoded with UTF16LittleEndian but must be utf8"
    );
    // Invalid UTF-8 without a byte order mark; with one, the parser reports it.
    host.set_file("utf16.alloy", &b"a = \"\xfa\"\n"[..]);
    let diagnostics = host.analysis().diagnostics(config).expect("not cancelled");
    assert_eq!(diagnostics[0].message, "unknown encoding for config");
    host.set_file("utf16.alloy", &b"\xef\xbb\xbfa = \"\xfa\"\n"[..]);
    let diagnostics = host.analysis().diagnostics(config).expect("not cancelled");
    assert!(
        diagnostics.iter().all(|d| d.code == Code::Syntax),
        "{diagnostics:#?}"
    );
}

/// Duplicates are per kind, as upstream keeps one map per kind: a declare
/// and a component may share an id, two components may not.
#[test]
fn duplicates_are_counted_per_kind() {
    let mut host = AnalysisHost::new();
    let text = "declare \"x\" { }\ndeclare.x { }\ndeclare.x { }\ndeclare \"x\" { }\n";
    let file = host.set_file("dup.alloy", text.as_bytes());
    let config = host.new_config(vec![file]);
    let diagnostics = host.analysis().diagnostics(config).expect("not cancelled");
    let lines: Vec<usize> = diagnostics
        .iter()
        .filter(|d| d.code == Code::DuplicateBlock)
        .map(|d| text[..usize::from(d.range.start())].lines().count() + 1)
        .collect();
    // The second component (line 3) and the second declare (line 4).
    assert_eq!(lines.len(), 2, "{diagnostics:#?}");
    assert!(lines.contains(&3) && lines.contains(&4), "{lines:?}");
}

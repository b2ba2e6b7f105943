//! How `alloy run` starts, or refuses to: configs that do not check clean
//! (printed in upstream's format, exit 1), components this runtime does not
//! implement (named), a first load that fails while evaluating, a port in
//! use; and what does start: a directory config, JSON logs, modules.

mod run_support;

use std::time::Duration;

use run_support::{eventually, run_to_end, Alloy, TempDir};
use serde_json::Value as Json;

const LIMIT: Duration = Duration::from_secs(30);

fn run_args<'a>(config: &'a str, addr: &'a str, storage: &'a str) -> Vec<&'a str> {
    vec![
        "run",
        config,
        "--server.http.listen-addr",
        addr,
        "--storage.path",
        storage,
    ]
}

#[test]
fn a_config_with_errors_does_not_start() {
    let dir = TempDir::new("errors");
    let config = dir.write(
        "config.alloy",
        "local.file \"a\" {\n  filename = \"/etc/hosts\"\n}\n\nlocal.fil \"b\" {\n  filename = \"/etc/hosts\"\n}\n",
    );
    let addr = format!("127.0.0.1:{}", run_support::free_port());
    let storage = dir.path().join("data").display().to_string();
    let config = config.display().to_string();
    let (code, stdout, stderr) = run_to_end(&run_args(&config, &addr, &storage), LIMIT);
    assert_eq!(code, Some(1), "stderr:\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "Error: {config}:5:1: cannot find the definition of component name \"local.fil\""
        )),
        "{stderr}"
    );
    // Upstream's report: the source line and carets follow the header.
    assert!(stderr.contains("5 | local.fil \"b\" {"), "{stderr}");
    assert!(
        stderr
            .trim_end()
            .ends_with("Error: could not perform the initial load successfully"),
        "{stderr}"
    );
    assert_eq!(stdout, "\n");
}

#[test]
fn a_syntax_error_does_not_start() {
    let dir = TempDir::new("syntax");
    let config = dir.write("config.alloy", "local.file \"a\" {\n  filename = \n}\n");
    let addr = format!("127.0.0.1:{}", run_support::free_port());
    let storage = dir.path().join("data").display().to_string();
    let config = config.display().to_string();
    let (code, _, stderr) = run_to_end(&run_args(&config, &addr, &storage), LIMIT);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("Error: {config}:3:1: ")),
        "{stderr}"
    );
}

#[test]
fn unimplemented_components_are_named() {
    let dir = TempDir::new("unimplemented");
    let config = dir.write(
        "config.alloy",
        r#"prometheus.exporter.unix "self" { }

declare "d" {
  loki.source.journal "e" { forward_to = [] }
}

livedebugging { }
"#,
    );
    let addr = format!("127.0.0.1:{}", run_support::free_port());
    let storage = dir.path().join("data").display().to_string();
    let config = config.display().to_string();
    let (code, _, stderr) = run_to_end(&run_args(&config, &addr, &storage), LIMIT);
    assert_eq!(code, Some(1), "{stderr}");
    for (line, name) in [
        (1, "prometheus.exporter.unix"),
        (4, "loki.source.journal"),
        (7, "livedebugging"),
    ] {
        let needle = format!("Error: {config}:{line}:");
        assert!(
            stderr.lines().any(|l| l.starts_with(&needle)
                && l.contains(&format!("{name} is not implemented by this runtime yet"))),
            "{name} not named in:\n{stderr}"
        );
    }
    assert!(stderr.contains("could not perform the initial load successfully"));
    // The user is not left stuck: where to read more and what does run.
    let hint = stderr
        .lines()
        .find(|l| l.starts_with("Hint: "))
        .unwrap_or_else(|| panic!("no hint in:\n{stderr}"));
    assert!(hint.contains("docs/runtime.md"), "{hint}");
    assert!(hint.contains("otelcol.receiver.otlp"), "{hint}");
}

#[test]
fn a_failing_first_evaluation_exits() {
    let dir = TempDir::new("evaluation");
    let missing = dir.path().join("missing.txt");
    let config = dir.write(
        "config.alloy",
        &format!(
            "local.file \"a\" {{\n  filename = \"{}\"\n}}\n",
            missing.display()
        ),
    );
    let addr = format!("127.0.0.1:{}", run_support::free_port());
    let storage = dir.path().join("data").display().to_string();
    let config = config.display().to_string();
    let (code, _, stderr) = run_to_end(&run_args(&config, &addr, &storage), LIMIT);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "Error: error during the initial load: {config}:1:1: Failed to build component: building component: failed to read file: open {}: no such file or directory",
            missing.display()
        )),
        "{stderr}"
    );
}

#[test]
fn a_port_in_use_exits() {
    let dir = TempDir::new("port");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = busy.local_addr().expect("addr").to_string();
    let config = dir.write("config.alloy", "");
    let storage = dir.path().join("data").display().to_string();
    let config = config.display().to_string();
    let (code, _, stderr) = run_to_end(&run_args(&config, &addr, &storage), LIMIT);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("Error: failed to listen on {addr}: ")),
        "{stderr}"
    );
}

#[test]
fn a_directory_is_one_config_and_logs_can_be_json() {
    let dir = TempDir::new("directory");
    let configs = TempDir::new("directory-configs");
    let data = dir.write("data.txt", "x");
    configs.write(
        "a.alloy",
        "logging {\n  format = \"json\"\n  level  = \"debug\"\n}\n",
    );
    configs.write(
        "b.alloy",
        &format!(
            "local.file \"b\" {{\n  filename = \"{}\"\n}}\n",
            data.display()
        ),
    );
    configs.write("ignored.txt", "this is not alloy");
    let mut alloy = Alloy::start(&dir, configs.path(), &[]);
    alloy.wait_ready();
    let (_, body) = alloy.get("/api/v0/web/components");
    let list: Json = serde_json::from_str(&body).expect("json");
    assert_eq!(list[0]["localID"], "local.file.b");
    alloy.signal("INT");
    let status = alloy
        .wait_exit(Duration::from_secs(10))
        .expect("exits on SIGINT");
    assert!(status.success());
    let log = alloy.stderr();
    let json_lines: Vec<Json> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        json_lines
            .iter()
            .any(|l| l["msg"] == "now listening for http traffic"),
        "{log}"
    );
    let first = json_lines.first().expect("json lines");
    assert!(first["ts"].is_string() && first["level"].is_string());
    // Lines held back until the logging block was read come out as JSON too.
    assert!(
        log.lines()
            .filter(|l| !l.is_empty())
            .all(|l| l.starts_with('{') || l == "interrupt received"),
        "{log}"
    );
}

#[test]
fn modules_run_and_are_listed() {
    let dir = TempDir::new("modules");
    let data = dir.write("data.txt", "inside");
    let module = dir.write(
        "module.alloy",
        r#"declare "reader" {
  argument "path" { }

  local.file "f" {
    filename = argument.path.value
  }

  export "content" {
    value = local.file.f.content
  }
}
"#,
    );
    let config = dir.write(
        "config.alloy",
        &format!(
            r#"import.file "lib" {{
  filename = "{}"
}}

lib.reader "r" {{
  path = "{}"
}}

declare "twice" {{
  argument "text" {{ }}

  export "doubled" {{
    value = argument.text.value + argument.text.value
  }}
}}

twice "t" {{
  text = lib.reader.r.content
}}
"#,
            module.display(),
            data.display()
        ),
    );
    let mut alloy = Alloy::start(&dir, &config, &[]);
    alloy.wait_ready();
    let detail = |id: &str| -> Json {
        let (status, body) = alloy.get(&format!("/api/v0/web/components/{id}"));
        assert_eq!(status, 200, "{id}: {body}");
        serde_json::from_str(&body).expect("json")
    };
    let t = detail("twice.t");
    assert_eq!(t["exports"][0]["name"], "doubled");
    // The content is an optional secret (not secret here), and so is the
    // concatenation: upstream's JSON shows it as a quoted capsule.
    assert_eq!(t["exports"][0]["value"]["type"], "capsule");
    assert_eq!(t["exports"][0]["value"]["value"], "\"insideinside\"");
    let r = detail("lib.reader.r");
    assert_eq!(r["createdModuleIDs"], serde_json::json!(["lib.reader.r"]));
    let (status, body) = alloy.get("/api/v0/web/modules/lib.reader.r/components");
    assert_eq!(status, 200);
    let inner: Json = serde_json::from_str(&body).expect("json");
    assert_eq!(inner[0]["localID"], "local.file.f");
    assert_eq!(inner[0]["moduleID"], "lib.reader.r");
    let f = detail("lib.reader.r/local.file.f");
    assert_eq!(f["health"]["state"], "healthy");
    // The module's component carries its module path in its metrics.
    let (_, metrics) = alloy.get("/metrics");
    assert!(
        metrics.contains("agent_local_file_timestamp_last_accessed_unix_seconds{component_id=\"local.file.f\",component_path=\"/lib.reader.r\"}"),
        "{metrics}"
    );
    // A change inside the module reaches the top level.
    dir.write("data.txt", "again");
    assert!(eventually(Duration::from_secs(10), || {
        detail("twice.t")["exports"][0]["value"]["value"] == "\"againagain\""
    }));
    alloy.signal("TERM");
    assert!(alloy
        .wait_exit(Duration::from_secs(10))
        .is_some_and(|s| s.success()));
}

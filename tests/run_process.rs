//! `alloy run` end to end: start it on a free loopback port, read every
//! endpoint, follow a `local.file` as its file changes, reload good and bad
//! configs by SIGHUP and by `/-/reload`, and stop it with SIGTERM within a
//! deadline.

mod run_support;

use std::time::Duration;

use run_support::{eventually, metric, Alloy, TempDir};
use serde_json::Value as Json;

const DEADLINE: Duration = Duration::from_secs(10);

/// `local.file.a` reads `data.txt`, whose content names the file
/// `local.file.b` reads; `extra` is appended.
fn config(dir: &TempDir, with_b: bool, extra: &str) -> String {
    let mut text = format!(
        "logging {{\n  level  = \"info\"\n  format = \"logfmt\"\n}}\n\n\
         local.file \"a\" {{\n  filename = \"{}\"\n}}\n",
        dir.path().join("data.txt").display()
    );
    if with_b {
        text.push_str(&format!(
            "\nlocal.file \"b\" {{\n  filename = \"{}/\" + string.trim_space(local.file.a.content) + \".txt\"\n}}\n",
            dir.path().display()
        ));
    }
    text.push_str(extra);
    text
}

fn components(alloy: &Alloy) -> Vec<Json> {
    let (status, body) = alloy.get("/api/v0/web/components");
    assert_eq!(status, 200, "{body}");
    match serde_json::from_str(&body) {
        Ok(Json::Array(items)) => items,
        other => panic!("not a JSON array: {other:?} from {body}"),
    }
}

fn ids(alloy: &Alloy) -> Vec<String> {
    components(alloy)
        .iter()
        .filter_map(|c| c["localID"].as_str().map(str::to_owned))
        .collect()
}

fn content_of(alloy: &Alloy, id: &str) -> Option<String> {
    let (status, body) = alloy.get(&format!("/api/v0/web/components/{id}"));
    if status != 200 {
        return None;
    }
    let detail: Json = serde_json::from_str(&body).ok()?;
    let exports = detail["exports"].as_array()?;
    let content = exports.iter().find(|e| e["name"] == "content")?;
    content["value"]["value"].as_str().map(str::to_owned)
}

#[test]
fn endpoints_watching_reloads_and_sigterm() {
    let dir = TempDir::new("process");
    dir.write("data.txt", "first\n");
    dir.write("first.txt", "the first file\n");
    dir.write("second.txt", "the second file\n");
    let config_path = dir.write("config.alloy", &config(&dir, true, ""));
    let mut alloy = Alloy::start(&dir, &config_path, &[]);
    alloy.wait_ready();

    // Readiness and health.
    assert_eq!(alloy.get("/-/ready"), (200, "Alloy is ready.\n".to_owned()));
    assert_eq!(
        alloy.get("/-/healthy"),
        (200, "All Alloy components are healthy.\n".to_owned())
    );

    // The component list, in upstream's shape.
    let list = components(&alloy);
    assert_eq!(list.len(), 2, "{list:?}");
    let b = list
        .iter()
        .find(|c| c["localID"] == "local.file.b")
        .expect("local.file.b listed");
    assert_eq!(b["name"], "local.file");
    assert_eq!(b["type"], "block");
    assert_eq!(b["moduleID"], "");
    assert_eq!(b["label"], "b");
    assert_eq!(b["referencesTo"], serde_json::json!(["local.file.a"]));
    assert_eq!(b["health"]["state"], "healthy");
    assert!(b["health"]["updatedTime"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert!(b.get("arguments").is_none(), "lists carry no arguments");
    let a = list
        .iter()
        .find(|c| c["localID"] == "local.file.a")
        .expect("a");
    assert_eq!(a["referencedBy"], serde_json::json!(["local.file.b"]));

    // One component with its arguments and exports.
    let (status, body) = alloy.get("/api/v0/web/components/local.file.b");
    assert_eq!(status, 200);
    let detail: Json = serde_json::from_str(&body).expect("json");
    assert_eq!(detail["arguments"][0]["name"], "filename");
    assert_eq!(detail["arguments"][0]["type"], "attr");
    assert_eq!(
        content_of(&alloy, "local.file.b").as_deref(),
        Some("\"the first file\\n\"")
    );
    assert_eq!(alloy.get("/api/v0/web/components/nope.nope").0, 404);
    assert_eq!(alloy.get("/nowhere").0, 404);

    // Metrics: build, controller, config, process and component series.
    let (status, metrics) = alloy.get("/metrics");
    assert_eq!(status, 200);
    for needle in [
        "# TYPE alloy_build_info gauge",
        "alloy_build_info{branch=",
        "alloy_component_controller_running_components{controller_id=\"\",controller_path=\"/\",health_type=\"healthy\"} 2",
        "alloy_component_controller_evaluating{controller_id=\"\",controller_path=\"/\"} 0",
        "alloy_component_evaluation_seconds_bucket{controller_id=\"\",controller_path=\"/\",le=\"0.005\"}",
        "alloy_config_last_load_successful 1",
        "alloy_config_load_failures_total 0",
        "alloy_config_hash{cluster_name=\"\",sha256=\"",
        "alloy_config_last_load_success_timestamp_seconds ",
        "alloy_resources_process_cpu_seconds_total ",
        "alloy_resources_process_resident_memory_bytes ",
        "alloy_resources_process_start_time_seconds ",
        "alloy_resources_machine_rx_bytes_total ",
        "process_open_fds ",
        "agent_local_file_timestamp_last_accessed_unix_seconds{component_id=\"local.file.a\",component_path=\"/\"}",
        "alloy_component_graph_connection{controller_id=\"\",controller_path=\"/\",from=\"local.file.b\",to=\"local.file.a\"} 1",
    ] {
        assert!(metrics.contains(needle), "{needle} missing from:\n{metrics}");
    }

    // local.file follows its file, and the dependant follows its export.
    dir.write("data.txt", "second\n");
    assert!(
        eventually(DEADLINE, || content_of(&alloy, "local.file.b").as_deref()
            == Some("\"the second file\\n\"")),
        "local.file.b did not follow local.file.a: {:?}",
        content_of(&alloy, "local.file.b")
    );

    // A good reload by SIGHUP: b goes, c comes.
    let c_block = format!(
        "local.file \"c\" {{\n  filename = \"{}\"\n}}\n",
        dir.path().join("first.txt").display()
    );
    dir.write("config.alloy", &config(&dir, false, &c_block));
    alloy.signal("HUP");
    assert!(
        eventually(DEADLINE, || ids(&alloy) == ["local.file.a", "local.file.c"]
            || ids(&alloy) == ["local.file.c", "local.file.a"]),
        "components after SIGHUP: {:?}",
        ids(&alloy)
    );
    assert!(eventually(DEADLINE, || alloy
        .stderr()
        .contains("msg=\"config reloaded\"")));

    // A bad reload by POST: 400 with the error, the graph stays.
    dir.write(
        "config.alloy",
        "local.file \"broken\" {\n  filename = \n}\n",
    );
    let (status, body) = alloy.post("/-/reload");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("config.alloy:3:1: "), "{body}");
    assert!(body.ends_with('\n'));
    let mut after = ids(&alloy);
    after.sort();
    assert_eq!(after, ["local.file.a", "local.file.c"]);
    let (_, metrics) = alloy.get("/metrics");
    assert_eq!(
        metric(&metrics, "alloy_config_last_load_successful"),
        Some(0.0)
    );
    assert_eq!(
        metric(&metrics, "alloy_config_load_failures_total"),
        Some(1.0)
    );

    // A config using a component this runtime does not run is refused.
    dir.write(
        "config.alloy",
        &config(&dir, true, "prometheus.exporter.unix \"self\" { }\n"),
    );
    let (status, body) = alloy.post("/-/reload");
    assert_eq!(status, 400);
    assert!(
        body.contains("prometheus.exporter.unix is not implemented by this runtime yet"),
        "{body}"
    );

    // Only GET and POST reload.
    assert_eq!(run_support::http(&alloy.addr, "PUT", "/-/reload").0, 405);

    // A good reload by GET.
    dir.write("config.alloy", &config(&dir, true, ""));
    assert_eq!(
        alloy.get("/-/reload"),
        (200, "config reloaded\n".to_owned())
    );
    let mut back = ids(&alloy);
    back.sort();
    assert_eq!(back, ["local.file.a", "local.file.b"]);
    let (_, metrics) = alloy.get("/metrics");
    assert_eq!(
        metric(&metrics, "alloy_config_last_load_successful"),
        Some(1.0)
    );

    // A component whose file disappears turns unhealthy.
    std::fs::remove_file(dir.path().join("data.txt")).expect("remove");
    assert!(
        eventually(DEADLINE, || alloy.get("/-/healthy").0 == 500),
        "still healthy: {:?}",
        alloy.get("/-/healthy")
    );
    assert_eq!(
        alloy.get("/-/healthy"),
        (500, "unhealthy components: local.file".to_owned())
    );
    let (_, metrics) = alloy.get("/metrics");
    assert!(
        metrics.contains("health_type=\"unhealthy\"} 1"),
        "{metrics}"
    );

    // SIGTERM stops it, cleanly and in time.
    alloy.signal("TERM");
    let status = alloy
        .wait_exit(DEADLINE)
        .expect("alloy exits after SIGTERM");
    assert!(
        status.success(),
        "exit status {status:?}; stderr:\n{}",
        alloy.stderr()
    );
    let log = alloy.stderr();
    assert!(log.contains("interrupt received"), "{log}");
    assert!(log.contains("msg=\"node exited without error\""), "{log}");
}

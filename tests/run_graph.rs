//! The `/graph` page of `alloy run`, rendered by headless Chromium: the DOM
//! must show every component as a node with its health, and the edges
//! between them.
//!
//! Needs `chromium` (Debian's; `scripts/setup.d/20-chromium.sh` installs
//! it). Without it the test says it skipped, unless `ALLOY_REQUIRE_PEERS=1`
//! (CI) makes that a failure.

mod run_support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use run_support::{eventually, Alloy, TempDir};

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// `chromium --dump-dom url`, bounded in time.
fn dump_dom(browser: &str, url: &str, profile: &std::path::Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--virtual-time-budget=5000")
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let until = Instant::now() + Duration::from_secs(90);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if Instant::now() >= until {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("chromium output");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_graph_page_shows_components_and_health() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("ALLOY_REQUIRE_PEERS").as_deref() != Ok("1"),
            "chromium is required (ALLOY_REQUIRE_PEERS=1); run scripts/setup.d/20-chromium.sh"
        );
        eprintln!("skipped: chromium not found (scripts/setup.d/20-chromium.sh installs it)");
        return;
    };
    let dir = TempDir::new("graph");
    let a = dir.write("a.txt", "a");
    let c = dir.write("c.txt", "c");
    // b reads a's file too, through a reference to a's content (which is
    // "a", replaced by nothing), so the graph has an edge b -> a.
    let config = dir.write(
        "config.alloy",
        &format!(
            "local.file \"a\" {{\n  filename = \"{a}\"\n}}\n\n\
             local.file \"b\" {{\n  filename = \"{a}\" + string.replace(local.file.a.content, \"a\", \"\")\n}}\n\n\
             local.file \"c\" {{\n  filename = \"{c}\"\n}}\n",
            a = a.display(),
            c = c.display()
        ),
    );
    let mut alloy = Alloy::start(&dir, &config, &[]);
    alloy.wait_ready();
    // Make c unhealthy: its file goes away.
    std::fs::remove_file(&c).expect("remove c");
    assert!(eventually(Duration::from_secs(10), || alloy
        .get("/-/healthy")
        .0
        == 500));

    let profile = TempDir::new("chromium-profile");
    let url = format!("http://{}/graph", alloy.addr);
    let dom = dump_dom(browser, &url, profile.path());
    for needle in [
        r#"data-id="local.file.a" data-health="healthy""#,
        r#"data-id="local.file.b" data-health="healthy""#,
        r#"data-id="local.file.c" data-health="unhealthy""#,
        r#"data-from="local.file.b" data-to="local.file.a""#,
        r#"<td class="health-unhealthy">unhealthy</td>"#,
        r#"data-loaded="true""#,
    ] {
        assert!(dom.contains(needle), "{needle} not in the DOM:\n{dom}");
    }
    alloy.signal("TERM");
    assert!(alloy.wait_exit(Duration::from_secs(10)).is_some());
}

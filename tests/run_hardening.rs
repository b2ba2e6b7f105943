//! `alloy run` against what an adversarial probe tried (issue 12): HEAD on
//! `/-/reload`, slow and idle connections to the admin server, a reload
//! whose component cannot start, debug logging, SIGTERM with a dead sink.

mod run_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use run_support::{eventually, free_port, Alloy, TempDir};

/// A receiver on `port` sending traces through a batch processor to an
/// exporter whose sink (`sink`) is not listening.
fn pipeline(port: u16, sink: u16) -> String {
    format!(
        r#"logging {{
	level = "debug"
}}

otelcol.receiver.otlp "default" {{
	http {{
		endpoint = "127.0.0.1:{port}"
	}}

	output {{
		traces = [otelcol.processor.batch.default.input]
	}}
}}

otelcol.processor.batch "default" {{
	output {{
		traces = [otelcol.exporter.otlp.sink.input]
	}}
}}

otelcol.exporter.otlp "sink" {{
	client {{
		endpoint = "127.0.0.1:{sink}"

		tls {{
			insecure = true
		}}
	}}
}}
"#
    )
}

/// One span over OTLP/HTTP JSON; returns the status code.
fn send_span(port: u16) -> u16 {
    let body = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"x"}]}]}]}"#;
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        s,
        "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    reply
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Sends `bytes`, then waits until the server closes; returns how long.
fn closed_after(addr: &str, bytes: &[u8], limit: Duration) -> Option<Duration> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(limit)).expect("timeout");
    s.write_all(bytes).expect("write");
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}

#[test]
fn head_reload_is_refused_and_slow_or_idle_connections_are_closed() {
    let dir = TempDir::new("run-hardening-http");
    let config = dir.write("config.alloy", "");
    let mut alloy = Alloy::start(
        &dir,
        &config,
        &[
            "--server.http.read-header-timeout=1s",
            "--server.http.idle-timeout=2s",
        ],
    );
    alloy.wait_ready();
    let (status, _) = run_support::http(&alloy.addr, "HEAD", "/-/reload");
    assert_eq!(status, 405);
    assert!(
        !alloy.stderr().contains("reload requested"),
        "HEAD reloaded: {}",
        alloy.stderr()
    );
    // Slowloris: headers never finished.
    let slow = closed_after(
        &alloy.addr,
        b"GET /-/ready HTTP/1.1\r\nHost: x\r\n",
        Duration::from_secs(8),
    )
    .expect("a connection with unfinished headers was kept open");
    assert!(slow < Duration::from_secs(5), "{slow:?}");
    // Silent from the start.
    let silent = closed_after(&alloy.addr, b"", Duration::from_secs(8))
        .expect("a silent connection was kept open");
    assert!(silent < Duration::from_secs(5), "{silent:?}");
    // Idle after a request on a keep-alive connection.
    let idle = closed_after(
        &alloy.addr,
        b"GET /-/ready HTTP/1.1\r\nHost: x\r\n\r\n",
        Duration::from_secs(8),
    )
    .expect("an idle keep-alive connection was kept open");
    assert!(idle < Duration::from_secs(5), "{idle:?}");
    // The server still serves.
    assert_eq!(alloy.get("/-/ready").0, 200);
}

#[test]
fn a_reload_whose_component_cannot_start_answers_its_error_and_healthy_names_it() {
    let dir = TempDir::new("run-hardening-reload");
    let (port, sink) = (free_port(), free_port());
    let config = dir.write("config.alloy", &pipeline(port, sink));
    let mut alloy = Alloy::start(&dir, &config, &[]);
    alloy.wait_ready();
    assert!(eventually(Duration::from_secs(10), || alloy
        .get("/-/healthy")
        .0
        == 200));

    // The new receiver port is taken by another listener.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken_port = taken.local_addr().expect("addr").port();
    dir.write("config.alloy", &pipeline(taken_port, sink));
    let (status, body) = alloy.post("/-/reload");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("otelcol.receiver.otlp.default"), "{body}");
    assert!(body.contains("Address already in use"), "{body}");
    let (status, body) = alloy.get("/-/healthy");
    assert_eq!(status, 500);
    assert!(body.contains("otelcol.receiver.otlp"), "{body}");

    // Back to a free port: healthy again.
    drop(taken);
    dir.write("config.alloy", &pipeline(port, sink));
    assert_eq!(alloy.post("/-/reload").0, 200);
    assert!(eventually(Duration::from_secs(10), || alloy
        .get("/-/healthy")
        .0
        == 200));
}

#[test]
fn debug_logging_is_real_and_sigterm_with_a_dead_sink_keeps_the_deadline() {
    let dir = TempDir::new("run-hardening-sigterm");
    let (port, sink) = (free_port(), free_port());
    let config = dir.write("config.alloy", &pipeline(port, sink));
    let mut alloy = Alloy::start(&dir, &config, &[]);
    alloy.wait_ready();
    assert!(eventually(Duration::from_secs(10), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    }));
    assert_eq!(send_span(port), 200);
    assert!(
        eventually(Duration::from_secs(10), || alloy
            .stderr()
            .contains("exporting failed, will retry")),
        "{}",
        alloy.stderr()
    );
    let log = alloy.stderr();
    for line in [
        r#"level=debug msg="accepted data" component_id=otelcol.receiver.otlp.default"#,
        r#"level=debug msg="sending batch" component_id=otelcol.processor.batch.default"#,
    ] {
        assert!(log.contains(line), "missing {line:?} in:\n{log}");
    }

    let started = Instant::now();
    alloy.signal("TERM");
    let status = alloy
        .wait_exit(Duration::from_secs(25))
        .expect("alloy did not stop");
    let took = started.elapsed();
    assert!(status.success(), "{status:?}");
    // The exporter gives up on an unreachable sink after the 5 s retry
    // window (docs/runtime.md), not after 30 s.
    assert!(took < Duration::from_secs(12), "shutdown took {took:?}");
    let log = alloy.stderr();
    assert!(
        log.contains("shutting down and the destination is unreachable"),
        "{log}"
    );
}

//! Controller behaviour beyond upstream's case tables: what a load refuses
//! (and that the running graph survives it), the order tasks stop in on
//! shutdown and on reload, module arguments, health of a task that fails.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy_analysis::catalogue::{Argument, Body, Stability};
use alloy_runtime::component::{
    Arguments, BoxFuture, Component, ComponentError, Context, Registration, Registry, Shutdown,
};
use alloy_runtime::controller::{Controller, LoadError, Options, Source};
use alloy_runtime::value::{CapsuleValue, Object, Value};

static RECORDER_ARGS: [Argument; 2] = [
    Argument {
        name: "inputs",
        ty: "list(any)",
        default: None,
        default_is_literal: true,
        required: false,
        documented: true,
    },
    Argument {
        name: "fail",
        ty: "bool",
        default: None,
        default_is_literal: true,
        required: false,
        documented: true,
    },
];

type Log = Arc<Mutex<Vec<String>>>;

/// Records when it starts and stops; `fail = true` makes its task fail.
struct Recorder {
    id: String,
    log: Log,
    fail: Mutex<bool>,
}

struct Input;

impl CapsuleValue for Input {
    fn type_name(&self) -> &str {
        "Input"
    }
}

impl Component for Recorder {
    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        *self.fail.lock().expect("lock") = args.get_or("fail", false)?;
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            self.log
                .lock()
                .expect("lock")
                .push(format!("start {}", self.id));
            if *self.fail.lock().expect("lock") {
                return Err(ComponentError::new("boom"));
            }
            shutdown.cancelled().await;
            // Draining takes a moment; the next component must wait for it.
            tokio::time::sleep(Duration::from_millis(30)).await;
            self.log
                .lock()
                .expect("lock")
                .push(format!("stop {}", self.id));
            Ok(())
        })
    }
}

fn registry(log: &Log) -> Registry {
    let mut registry = support::registry();
    let log = log.clone();
    registry
        .register(Registration::custom(
            "test.recorder",
            Stability::GenerallyAvailable,
            false,
            Body {
                arguments: &RECORDER_ARGS,
                blocks: &[],
            },
            move |ctx: Context, args| {
                let mut exports = Object::new();
                exports.insert("input", Value::capsule(Input));
                ctx.exports.publish(Value::object(exports));
                let recorder = Arc::new(Recorder {
                    id: ctx.local_id.clone(),
                    log: log.clone(),
                    fail: Mutex::new(false),
                });
                recorder.update(args)?;
                Ok(recorder as Arc<dyn Component>)
            },
        ))
        .expect("registers");
    registry
}

fn start(runtime: &tokio::runtime::Runtime, log: &Log, stability: Stability) -> Controller {
    Controller::start(Options {
        registry: Arc::new(registry(log)),
        // Never created: these components keep no data.
        data_path: std::env::temp_dir().join("alloy-rt-graph-unused"),
        min_stability: stability,
        community_components: false,
        metrics: alloy_runtime::metrics::Registry::new(),
        task_shutdown_deadline: Duration::from_secs(5),
        logging: None,
        runtime: runtime.handle().clone(),
        tracer: None,
    })
    .expect("controller")
}

fn load(controller: &Controller, text: &str) -> Result<(), String> {
    controller
        .load_blocking(Source::from_text("main.alloy", text))
        .map_err(|e| match e {
            LoadError::Failed(diags) => diags
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
            other => other.to_string(),
        })
}

fn listed(controller: &Controller) -> Vec<String> {
    controller
        .shared()
        .module("")
        .map(|view| {
            view.entries
                .iter()
                .map(|e| e.node.local_id.clone())
                .collect()
        })
        .unwrap_or_default()
}

const PIPELINE: &str = r#"
test.recorder "exporter" { }
test.recorder "processor" {
  inputs = [test.recorder.exporter.input]
}
test.recorder "receiver" {
  inputs = [test.recorder.processor.input]
}
"#;

#[test]
fn shutdown_stops_receivers_first_and_exporters_last() {
    let runtime = support::runtime();
    let log = Log::default();
    let controller = start(&runtime, &log, Stability::GenerallyAvailable);
    load(&controller, PIPELINE).expect("loads");
    assert!(support::eventually(Duration::from_secs(5), || {
        log.lock().expect("lock").len() == 3
    }));
    controller.shutdown_blocking();
    let stops: Vec<String> = log
        .lock()
        .expect("lock")
        .iter()
        .filter(|l| l.starts_with("stop"))
        .cloned()
        .collect();
    assert_eq!(
        stops,
        [
            "stop test.recorder.receiver",
            "stop test.recorder.processor",
            "stop test.recorder.exporter"
        ]
    );
}

#[test]
fn a_reload_stops_removed_components_before_starting_new_ones() {
    let runtime = support::runtime();
    let log = Log::default();
    let controller = start(&runtime, &log, Stability::GenerallyAvailable);
    load(
        &controller,
        "test.recorder \"old\" { }\ntest.recorder \"kept\" { }\n",
    )
    .expect("loads");
    assert!(support::eventually(Duration::from_secs(5), || {
        log.lock().expect("lock").len() == 2
    }));
    load(
        &controller,
        "test.recorder \"new\" { }\ntest.recorder \"kept\" { }\n",
    )
    .expect("reloads");
    assert!(support::eventually(Duration::from_secs(5), || {
        log.lock()
            .expect("lock")
            .iter()
            .any(|l| l == "start test.recorder.new")
    }));
    let events = log.lock().expect("lock").clone();
    let stop_old = events.iter().position(|l| l == "stop test.recorder.old");
    let start_new = events.iter().position(|l| l == "start test.recorder.new");
    assert!(stop_old.is_some() && stop_old < start_new, "{events:?}");
    // The kept component was neither stopped nor started again.
    assert_eq!(
        events
            .iter()
            .filter(|l| l.ends_with("test.recorder.kept"))
            .count(),
        1,
        "{events:?}"
    );
    controller.shutdown_blocking();
}

#[test]
fn refused_loads_keep_the_running_graph() {
    let runtime = support::runtime();
    let log = Log::default();
    let controller = start(&runtime, &log, Stability::GenerallyAvailable);
    load(&controller, PIPELINE).expect("loads");
    let before = listed(&controller);

    let cases = [
        (
            "test.recorder \"a\" {\n  inputs = [test.recorder.b.input]\n}\ntest.recorder \"b\" {\n  inputs = [test.recorder.a.input]\n}\n",
            "cycle detected: test.recorder.a, test.recorder.b",
        ),
        (
            "test.recorder \"a\" {\n  inputs = [test.recorder.a.input]\n}\n",
            "main.alloy:1:1: cannot reference self",
        ),
        (
            "test.recorder \"a\" { }\ntest.recorder \"a\" { }\n",
            "main.alloy:2:1: block test.recorder.a already declared at main.alloy:1:1",
        ),
        (
            "test.recorder \"a\" {\n  inputs = [nothing.here]\n}\n",
            "main.alloy:2:13: component \"nothing.here\" does not exist or is out of scope",
        ),
        (
            "tst.recorder \"a\" { }\n",
            "main.alloy:1:1: cannot find the definition of component name \"tst.recorder\"",
        ),
        (
            "prometheus.exporter.unix \"a\" {\n}\n",
            "main.alloy:1:1: component \"prometheus.exporter.unix\" is not implemented by this runtime yet",
        ),
        (
            "test.recorder {\n}\n",
            "component \"test.recorder\" must have a label",
        ),
        (
            "foreach \"f\" {\n  collection = []\n  var = \"x\"\n  template { }\n}\n",
            "config block \"foreach\" is at stability level \"experimental\", which is below the minimum allowed stability level \"generally-available\"",
        ),
        (
            "argument \"x\" { }\n",
            "argument blocks only allowed inside a module",
        ),
        ("import.http \"x\" { url = \"http://127.0.0.1:1\" }\n", "import.http is not supported by this runtime yet"),
        ("local.file \"a\" {\n  filename = \n}\n", "main.alloy:3:1: "),
    ];
    for (config, expected) in cases {
        let error = load(&controller, config).expect_err(config);
        assert!(
            error.contains(expected),
            "{config}\nexpected {expected:?} in:\n{error}"
        );
        assert_eq!(
            listed(&controller),
            before,
            "the graph changed after {config}"
        );
    }
    controller.shutdown_blocking();
}

#[test]
fn modules_check_their_arguments() {
    let runtime = support::runtime();
    let log = Log::default();
    let controller = start(&runtime, &log, Stability::GenerallyAvailable);
    let declare = "declare \"m\" {\n  argument \"needed\" { }\n  argument \"opt\" {\n    optional = true\n    default  = 3\n  }\n  export \"out\" {\n    value = argument.opt.value + 1\n  }\n}\n";
    let error =
        load(&controller, &format!("{declare}m \"a\" {{ }}\n")).expect_err("missing argument");
    assert!(
        error.contains("missing required argument \"needed\" to module"),
        "{error}"
    );
    let error = load(
        &controller,
        &format!("{declare}m \"a\" {{\n  needed = 1\n  extra = 2\n}}\n"),
    )
    .expect_err("extra argument");
    assert!(
        error.contains("Provided argument \"extra\" is not defined in the module"),
        "{error}"
    );
    load(
        &controller,
        &format!("{declare}m \"a\" {{\n  needed = 1\n}}\n"),
    )
    .expect("loads");
    let exports = support::exports(&controller, "m.a").expect("exports");
    assert_eq!(support::int_field(&exports, "out"), Some(4));
    controller.shutdown_blocking();
}

#[test]
fn a_task_that_fails_is_reported_as_exited() {
    let runtime = support::runtime();
    let log = Log::default();
    let controller = start(&runtime, &log, Stability::GenerallyAvailable);
    load(&controller, "test.recorder \"f\" {\n  fail = true\n}\n").expect("loads");
    let health = || {
        controller
            .shared()
            .module("")
            .and_then(|v| v.entries.first().map(|e| e.node.health()))
    };
    assert!(support::eventually(Duration::from_secs(5), || {
        health().is_some_and(|h| h.message == "component shut down with error: boom")
    }));
    assert_eq!(
        health().map(|h| h.state),
        Some(alloy_runtime::component::HealthType::Exited)
    );
    controller.shutdown_blocking();
}

//! Upstream's OTTL end-to-end statements and per-function cases
//! (`../shared/conformance/ottl`, see its README for the harness rules).
//!
//! Every case must pass, except those that call a function this crate
//! declares as not implemented (`funcs::NOT_IMPLEMENTED`), which are
//! counted and reported as skipped.

use std::path::PathBuf;

use alloy_ottl::funcs::{self, Kind};
use alloy_ottl::path::{Item, TransformContext};
use alloy_ottl::value::{deep_eq, Value};
use alloy_ottl::{compile_condition, compile_statement, compile_value, Context};
use opentelemetry_proto::tonic::logs::v1::LogsData;
use opentelemetry_proto::tonic::trace::v1::{span, Span, TracesData};
use serde_json::Value as J;

fn conformance_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("ALLOY_CONFORMANCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    let dir = dir.join("ottl");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("ALLOY_REQUIRE_CONFORMANCE").as_deref() != Ok("1"),
        "conformance data required (ALLOY_REQUIRE_CONFORMANCE=1) but {} is missing",
        dir.display()
    );
    None
}

fn load(name: &str) -> Option<J> {
    let dir = conformance_dir()?;
    let text = std::fs::read_to_string(dir.join(name)).expect("read conformance file");
    Some(serde_json::from_str(&text).expect("conformance JSON"))
}

fn uses_unimplemented(text: &str) -> bool {
    funcs::NOT_IMPLEMENTED
        .iter()
        .any(|f| text.contains(&format!("{f}(")))
}

/// Sorts every `[{key, value}]` list by key so attribute order does not count.
fn canon(j: &mut J) {
    match j {
        J::Array(items) => {
            items.iter_mut().for_each(canon);
            if items.iter().all(|i| i.get("key").is_some_and(J::is_string)) {
                items.sort_by(|a, b| a["key"].as_str().cmp(&b["key"].as_str()));
            }
        }
        J::Object(m) => m.values_mut().for_each(canon),
        _ => {}
    }
}

fn logs_json(d: &LogsData) -> J {
    let mut j = serde_json::to_value(d).expect("serialize");
    canon(&mut j);
    j
}

fn parse_time(s: &str) -> i64 {
    let (main, frac) = match s.trim_end_matches('Z').split_once('.') {
        Some((m, f)) => (format!("{m}Z"), f.to_owned()),
        None => (s.to_owned(), String::new()),
    };
    let base = alloy_ottl::funcs::time::strptime(&main, "%Y-%m-%dT%H:%M:%S%z", None)
        .expect("fixture time");
    let nanos: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}")[..9].parse().expect("fraction")
    };
    base + nanos
}

/// The harness's typed JSON values.
fn typed(j: &J) -> Value {
    if let J::Object(o) = j {
        if o.len() == 1 {
            if let Some(t) = o.get("time").and_then(J::as_str) {
                return Value::Time(parse_time(t));
            }
            if let Some(n) = o.get("duration_ns").and_then(J::as_i64) {
                return Value::Duration(n);
            }
            if let Some(h) = o.get("bytes_hex").and_then(J::as_str) {
                return Value::Bytes(hex::decode(h).expect("hex"));
            }
        }
        return Value::Map(o.iter().map(|(k, v)| (k.clone(), typed(v))).collect());
    }
    match j {
        J::Array(a) => Value::List(a.iter().map(typed).collect()),
        J::Number(n) if n.is_i64() => Value::Int(n.as_i64().unwrap_or_default()),
        other => Value::from_json(other),
    }
}

fn anyvalue_json(v: Value) -> J {
    let mut j = serde_json::to_value(v.into_any()).expect("serialize");
    canon(&mut j);
    j
}

fn same(got: &Value, want: &Value, unordered: bool) -> bool {
    if unordered {
        if let (Value::List(a), Value::List(b)) = (got, want) {
            let key = |v: &Value| v.to_display_string().unwrap_or_default();
            let mut a: Vec<String> = a.iter().map(key).collect();
            let mut b: Vec<String> = b.iter().map(key).collect();
            a.sort();
            b.sort();
            return a == b;
        }
    }
    deep_eq(got, want)
}

struct Tally {
    name: &'static str,
    passed: usize,
    skipped: Vec<String>,
    failed: Vec<String>,
}

impl Tally {
    fn new(name: &'static str) -> Self {
        Tally {
            name,
            passed: 0,
            skipped: Vec::new(),
            failed: Vec::new(),
        }
    }
    fn record(&mut self, id: &str, r: Result<(), String>) {
        match r {
            Ok(()) => self.passed += 1,
            Err(e) => self.failed.push(format!("{id}: {e}")),
        }
    }
    fn finish(self) {
        eprintln!(
            "{}: {} passed, {} skipped (unimplemented functions), {} failed",
            self.name,
            self.passed,
            self.skipped.len(),
            self.failed.len()
        );
        for s in &self.skipped {
            eprintln!("  skipped: {s}");
        }
        assert!(
            self.failed.is_empty(),
            "{} failures:\n{}",
            self.name,
            self.failed.join("\n")
        );
        assert!(self.passed > 0, "{}: nothing ran", self.name);
    }
}

fn context_of(name: &str) -> Context {
    Context::parse(name).expect("context")
}

/// Runs `statements` on the single record of a log fixture.
fn run_log(
    fixture: &J,
    context: Context,
    statements: &[&str],
) -> Result<(LogsData, Result<(), String>), String> {
    let mut data: LogsData =
        serde_json::from_value(fixture.clone()).map_err(|e| format!("fixture: {e}"))?;
    let compiled = statements
        .iter()
        .map(|s| compile_statement(context, s).map_err(|d| format!("compile {s}: {d:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut result = Ok(());
    for st in &compiled {
        let r = alloy_ottl::run::transform_logs(
            &alloy_ottl::run::Group::new(context, vec![st.clone()]),
            &mut data.resource_logs,
            &mut |e| Err(e),
        );
        if let Err(e) = r {
            result = Err(e.message);
            break;
        }
    }
    Ok((data, result))
}

fn with_log<T>(fixture: &J, f: impl FnOnce(&TransformContext<'_>) -> T) -> Result<T, String> {
    let mut data: LogsData =
        serde_json::from_value(fixture.clone()).map_err(|e| format!("fixture: {e}"))?;
    let rl = data.resource_logs.first_mut().ok_or("no resource")?;
    let sl = rl.scope_logs.first_mut().ok_or("no scope")?;
    let log = sl.log_records.first_mut().ok_or("no record")?;
    let ctx =
        TransformContext::new(&mut rl.resource, Item::Log(log)).with_scope(&mut sl.scope, None);
    Ok(f(&ctx))
}

fn e2e_case(fixtures: &J, c: &J) -> Result<(), String> {
    let context = context_of(c["context"].as_str().ok_or("context")?);
    let fixture = &fixtures[c["fixture"].as_str().ok_or("fixture")?];
    if let Some(expr) = c["value_expression"].as_str() {
        let v = compile_value(context, expr).map_err(|d| format!("{d:?}"))?;
        let got = with_log(fixture, |ctx| v.eval(ctx))?.map_err(|e| e.message)?;
        let want = &c["expected_value"];
        if let Some(h) = want.get("trace_id_hex").and_then(J::as_str) {
            return match got {
                Value::Bytes(b) | Value::Id(b) if hex::encode(&b) == h => Ok(()),
                other => Err(format!("got {other:?}, want trace id {h}")),
            };
        }
        let mut want = want.clone();
        canon(&mut want);
        let got_j = anyvalue_json(got);
        return if got_j == want {
            Ok(())
        } else {
            Err(format!("got {got_j}, want {want}"))
        };
    }
    let statements: Vec<&str> = match (&c["statement"], &c["statements"]) {
        (J::String(s), _) => vec![s.as_str()],
        (_, J::Array(a)) => a.iter().filter_map(J::as_str).collect(),
        _ => return Err("no statement".into()),
    };
    match context {
        Context::Log => {
            let (data, result) = run_log(fixture, context, &statements)?;
            match (&c["error"], result) {
                (J::String(want), Err(got)) if got.contains(want.as_str()) => {}
                (J::String(want), Err(got)) => return Err(format!("error {got:?} lacks {want:?}")),
                (J::String(want), Ok(())) => return Err(format!("expected error {want:?}")),
                (_, Err(e)) => return Err(e),
                (_, Ok(())) => {}
            }
            let mut want_data: LogsData = serde_json::from_value(c["expected_otlp_json"].clone())
                .map_err(|e| format!("expected: {e}"))?;
            if c["error"].is_string() {
                want_data = serde_json::from_value(fixture.clone()).map_err(|e| e.to_string())?;
            }
            let (g, w) = (logs_json(&data), logs_json(&want_data));
            if g == w {
                Ok(())
            } else {
                Err(format!("got  {g}\nwant {w}"))
            }
        }
        Context::Span | Context::SpanEvent => {
            let compiled = statements
                .iter()
                .map(|s| compile_statement(context, s).map_err(|d| format!("{d:?}")))
                .collect::<Result<Vec<_>, _>>()?;
            let (mut data, expected): (TracesData, J) = if context == Context::Span {
                (
                    serde_json::from_value(fixture.clone()).map_err(|e| e.to_string())?,
                    c["expected_otlp_json"].clone(),
                )
            } else {
                let event: span::Event =
                    serde_json::from_value(fixture.clone()).map_err(|e| e.to_string())?;
                let span = Span {
                    events: vec![event],
                    ..Default::default()
                };
                let data = TracesData {
                    resource_spans: vec![opentelemetry_proto::tonic::trace::v1::ResourceSpans {
                        scope_spans: vec![opentelemetry_proto::tonic::trace::v1::ScopeSpans {
                            spans: vec![span],
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                };
                (data, c["expected_otlp_json"].clone())
            };
            alloy_ottl::run::transform_traces(
                &alloy_ottl::run::Group::new(context, compiled),
                &mut data.resource_spans,
                &mut |e| Err(e),
            )
            .map_err(|e| e.message)?;
            let mut got = if context == Context::Span {
                serde_json::to_value(&data).map_err(|e| e.to_string())?
            } else {
                serde_json::to_value(&data.resource_spans[0].scope_spans[0].spans[0].events[0])
                    .map_err(|e| e.to_string())?
            };
            let mut want = if context == Context::Span {
                let d: TracesData = serde_json::from_value(expected).map_err(|e| e.to_string())?;
                serde_json::to_value(&d).map_err(|e| e.to_string())?
            } else {
                let e: span::Event = serde_json::from_value(expected).map_err(|e| e.to_string())?;
                serde_json::to_value(&e).map_err(|e| e.to_string())?
            };
            canon(&mut got);
            canon(&mut want);
            if got == want {
                Ok(())
            } else {
                Err(format!("got  {got}\nwant {want}"))
            }
        }
        other => Err(format!("unexpected context {other}")),
    }
}

#[test]
fn e2e() {
    let Some(doc) = load("e2e.json") else { return };
    let mut tally = Tally::new("ottl e2e");
    let fixtures = &doc["fixtures"];
    for c in doc["cases"].as_array().expect("cases") {
        let id = c["id"].as_str().unwrap_or("?");
        let text = c.to_string();
        if uses_unimplemented(&text) {
            tally.skipped.push(id.to_owned());
            continue;
        }
        tally.record(id, e2e_case(fixtures, c));
    }
    tally.finish();
}

/// Renders a harness value as OTTL literal text, for parameters that must
/// be literals.
fn literal(j: &J) -> String {
    match j {
        J::String(s) => format!("{s:?}"),
        J::Array(a) => format!("[{}]", a.iter().map(literal).collect::<Vec<_>>().join(", ")),
        J::Null => "nil".into(),
        other => other.to_string(),
    }
}

/// Builds `Name(args...)` where literal-kind parameters get literal text and
/// every other argument is read from the cache (so any typed value can be
/// passed).
fn call_text(
    f: &funcs::FuncSpec,
    c: &J,
    cache: &mut Vec<(String, Value)>,
) -> Result<String, String> {
    let mut parts = Vec::new();
    let arg = |p: &funcs::Param, j: &J, cache: &mut Vec<(String, Value)>| -> String {
        match p.kind {
            Kind::StrLit | Kind::IntLit | Kind::BoolLit | Kind::Slice(Kind::StrLit) => literal(j),
            Kind::FunctionGetter => j.as_str().unwrap_or_default().to_owned(),
            Kind::Slice(_) => match j {
                J::Array(items) => {
                    let refs: Vec<String> = items
                        .iter()
                        .map(|it| {
                            let k = format!("a{}", cache.len());
                            cache.push((k.clone(), typed(it)));
                            format!("cache[{k:?}]")
                        })
                        .collect();
                    format!("[{}]", refs.join(", "))
                }
                other => literal(other),
            },
            _ => {
                let k = format!("a{}", cache.len());
                cache.push((k.clone(), typed(j)));
                format!("cache[{k:?}]")
            }
        }
    };
    let args = c["args"].as_array().ok_or("args")?;
    for (i, a) in args.iter().enumerate() {
        let p = f.params.get(i).ok_or("too many args")?;
        parts.push(arg(p, a, cache));
    }
    if let Some(J::Object(named)) = c.get("named_args") {
        for (name, v) in named {
            let p = f
                .params
                .iter()
                .find(|p| p.name == name || p.go_field == alloy_ottl::camel(name))
                .ok_or("unknown named arg")?;
            let text = arg(p, v, cache);
            parts.push(format!("{name}={text}"));
        }
    }
    Ok(format!("{}({})", f.name, parts.join(", ")))
}

fn unit_case(f: &'static funcs::FuncSpec, c: &J) -> Result<(), String> {
    let mut cache = Vec::new();
    let call = call_text(f, c, &mut cache)?;
    let statement = if f.editor {
        call.clone()
    } else {
        format!("set(cache[\"result\"], {call})")
    };
    let want_error = c["result"].get("error").cloned();
    let compiled = match compile_statement(Context::Log, &statement) {
        Ok(s) => s,
        Err(d) => {
            let msg = d
                .iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("; ");
            return match want_error {
                Some(J::Bool(true)) => Ok(()),
                Some(J::String(s)) if msg.contains(&s) => Ok(()),
                _ => Err(format!("compile {statement}: {msg}")),
            };
        }
    };
    let mut resource = None;
    let mut log = Default::default();
    let mut ctx = TransformContext::new(&mut resource, Item::Log(&mut log));
    ctx.cache = cache;
    let r = compiled.execute(&mut ctx);
    match (want_error, r) {
        (Some(J::Bool(true)), Err(_)) => return Ok(()),
        (Some(J::String(s)), Err(e)) if e.message.contains(&s) => return Ok(()),
        (Some(J::String(s)), Err(e)) => return Err(format!("error {:?} lacks {s:?}", e.message)),
        (Some(_), Ok(_)) => return Err(format!("{statement}: expected an error")),
        (Some(_), Err(e)) => return Err(format!("unexpected error form, got {}", e.message)),
        (None, Err(e)) => return Err(e.message),
        (None, Ok(_)) => {}
    }
    let unordered = c["compare"].as_str() == Some("unordered");
    let (got, want) = if f.editor {
        (
            Value::map_get(&ctx.cache, "a0")
                .cloned()
                .unwrap_or_default(),
            typed(&c["target_after"]),
        )
    } else {
        (
            Value::map_get(&ctx.cache, "result")
                .cloned()
                .unwrap_or_default(),
            typed(&c["result"]),
        )
    };
    if same(&got, &want, unordered) {
        Ok(())
    } else {
        Err(format!("{statement}: got {got:?}, want {want:?}"))
    }
}

/// Applies an `expected_changes` diff to a log fixture's JSON.
fn apply_changes(fixture: &J, changes: &J) -> Result<J, String> {
    let mut j = fixture.clone();
    for ch in changes.as_array().ok_or("changes")? {
        let path: Vec<&str> = ch["path"]
            .as_array()
            .ok_or("path")?
            .iter()
            .filter_map(J::as_str)
            .collect();
        let rl = &mut j["resourceLogs"][0];
        let target = match path.first().copied() {
            Some("resource") => &mut rl["resource"],
            Some("log") => &mut rl["scopeLogs"][0]["logRecords"][0],
            other => return Err(format!("unsupported change path {other:?}")),
        };
        match path.get(1..) {
            Some(["attributes", key]) => {
                let attrs = target
                    .as_object_mut()
                    .ok_or("record")?
                    .entry("attributes")
                    .or_insert_with(|| J::Array(Vec::new()))
                    .as_array_mut()
                    .ok_or("attributes")?;
                attrs.retain(|a| a["key"].as_str() != Some(key));
                if ch["op"] == "set" {
                    attrs.push(serde_json::json!({"key": key, "value": ch["value"]}));
                }
            }
            Some([field]) => {
                let field = if *field == "body" {
                    "body".to_owned()
                } else {
                    (*field).to_owned()
                };
                let obj = target.as_object_mut().ok_or("record")?;
                if ch["op"] == "set" {
                    obj.insert(field, ch["value"].clone());
                } else {
                    obj.remove(&field);
                }
            }
            other => return Err(format!("unsupported change path {other:?}")),
        }
    }
    Ok(j)
}

fn e2e_derived_case(fixtures: &J, c: &J) -> Result<(), String> {
    let fixture = &fixtures[c["fixture"].as_str().ok_or("fixture")?];
    if let Some(expr) = c["expr"].as_str() {
        let v = compile_value(Context::Log, expr).map_err(|d| format!("{d:?}"))?;
        let got = with_log(fixture, |ctx| v.eval(ctx))?.map_err(|e| e.message)?;
        let want = typed(&c["result"]);
        return if same(&got, &want, false)
            || anyvalue_json(got.clone()) == anyvalue_json(want.clone())
        {
            Ok(())
        } else {
            Err(format!("{expr}: got {got:?}, want {want:?}"))
        };
    }
    if let Some(cond) = c["condition"].as_str() {
        let cc = compile_condition(Context::Log, cond).map_err(|d| format!("{d:?}"))?;
        let got = with_log(fixture, |ctx| cc.eval(ctx))?.map_err(|e| e.message)?;
        return if J::Bool(got) == c["result"] {
            Ok(())
        } else {
            Err(format!("{cond}: got {got}"))
        };
    }
    let statement = c["statement"].as_str().ok_or("statement")?;
    let (data, result) = run_log(fixture, Context::Log, &[statement])?;
    result?;
    let want: LogsData = serde_json::from_value(apply_changes(fixture, &c["expected_changes"])?)
        .map_err(|e| e.to_string())?;
    let (g, w) = (logs_json(&data), logs_json(&want));
    if g == w {
        Ok(())
    } else {
        Err(format!("{statement}\ngot  {g}\nwant {w}"))
    }
}

#[test]
fn functions() {
    let Some(doc) = load("functions.json") else {
        return;
    };
    let Some(e2e) = load("e2e.json") else { return };
    let fixtures = &e2e["fixtures"];
    let mut tally = Tally::new("ottl functions");
    for f in doc["functions"].as_array().expect("functions") {
        let name = f["name"].as_str().expect("name");
        let spec =
            funcs::lookup(name).unwrap_or_else(|| panic!("function {name} missing from the table"));
        for (i, c) in f["cases"].as_array().into_iter().flatten().enumerate() {
            let id = format!("{name}#{i}");
            if !funcs::is_implemented(spec) || uses_unimplemented(&c.to_string()) {
                tally.skipped.push(id);
                continue;
            }
            let r = if c.get("args").is_some() {
                unit_case(spec, c)
            } else {
                e2e_derived_case(fixtures, c)
            };
            tally.record(&id, r);
        }
    }
    tally.finish();
}

#[test]
fn every_function_of_the_conformance_table_has_a_matching_signature() {
    let Some(doc) = load("functions.json") else {
        return;
    };
    for f in doc["functions"].as_array().expect("functions") {
        let name = f["name"].as_str().expect("name");
        let spec = funcs::lookup(name).unwrap_or_else(|| panic!("{name} missing"));
        let params: Vec<&str> = f["params"]
            .as_array()
            .expect("params")
            .iter()
            .filter_map(|p| p["go_field"].as_str())
            .collect();
        let ours: Vec<&str> = spec.params.iter().map(|p| p.go_field).collect();
        assert_eq!(params, ours, "{name}");
    }
}

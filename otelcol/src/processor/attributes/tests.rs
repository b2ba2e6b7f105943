use std::sync::Arc;

use opentelemetry_proto::tonic::common::v1::{any_value, KeyValue};

use super::*;
use crate::testing::{kv_int, kv_str, log_records, spans, Sink};

fn attr<'a>(attrs: &'a [KeyValue], k: &str) -> Option<&'a any_value::Value> {
    attrs
        .iter()
        .find(|kv| kv.key == k)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

fn s(v: &str) -> Option<any_value::Value> {
    Some(any_value::Value::StringValue(v.to_string()))
}

fn run(cfg: AttributesConfig, data: Traces) -> Traces {
    let sink = Arc::new(Sink::new());
    // Traces only: span properties are invalid in a logs pipeline, as upstream.
    let outputs = Outputs {
        traces: crate::Fanout::new(vec![sink.clone()]),
        ..Default::default()
    };
    let p = AttributesProcessor::new("t", cfg, outputs, &Registry::new()).expect("valid config");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(p.consume_traces(data)).expect("accepted");
    let mut got = sink.traces.lock().expect("lock");
    got.pop().expect("one batch")
}

fn action(key: &str, kind: ActionKind) -> ActionConfig {
    ActionConfig::new(key, kind)
}

#[test]
fn insert_update_upsert_delete_in_order() {
    let mut data = spans("svc", 1, 1);
    data.resource_spans[0].scope_spans[0].spans[0].attributes =
        vec![kv_str("a", "1"), kv_str("b", "2")];
    let cfg = AttributesConfig {
        actions: vec![
            ActionConfig {
                value: Some(AttrValue::String("x".into())),
                ..action("a", ActionKind::Insert)
            },
            ActionConfig {
                value: Some(AttrValue::String("new".into())),
                ..action("c", ActionKind::Insert)
            },
            ActionConfig {
                value: Some(AttrValue::Int(5)),
                ..action("b", ActionKind::Update)
            },
            ActionConfig {
                value: Some(AttrValue::Int(5)),
                ..action("missing", ActionKind::Update)
            },
            ActionConfig {
                from_attribute: Some("c".into()),
                ..action("d", ActionKind::Upsert)
            },
            action("a", ActionKind::Delete),
        ],
        ..Default::default()
    };
    let out = run(cfg, data);
    let a = &out.resource_spans[0].scope_spans[0].spans[0].attributes;
    assert_eq!(attr(a, "a"), None);
    assert_eq!(attr(a, "b"), Some(&any_value::Value::IntValue(5)));
    assert_eq!(attr(a, "c").cloned(), s("new"));
    assert_eq!(attr(a, "d").cloned(), s("new"));
    assert_eq!(attr(a, "missing"), None);
}

#[test]
fn hash_extract_convert_and_pattern_delete() {
    let mut data = spans("svc", 1, 1);
    data.resource_spans[0].scope_spans[0].spans[0].attributes = vec![
        kv_str("user.email", "alice@example.com"),
        kv_str("http.url", "http://example.com/path?id=42"),
        kv_str("count", "17"),
        kv_int("n", 3),
        kv_str("tmp.one", "x"),
        kv_str("tmp.two", "y"),
    ];
    let cfg = AttributesConfig {
        actions: vec![
            action("user.email", ActionKind::Hash),
            ActionConfig {
                pattern: Some(
                    r"^(?P<http_protocol>.*)://(?P<http_domain>[^/]*)(?P<http_path>.*)$".into(),
                ),
                ..action("http.url", ActionKind::Extract)
            },
            ActionConfig {
                converted_type: Some(ConvertedType::Int),
                ..action("count", ActionKind::Convert)
            },
            ActionConfig {
                converted_type: Some(ConvertedType::String),
                ..action("n", ActionKind::Convert)
            },
            ActionConfig {
                pattern: Some("^tmp\\.".into()),
                ..action("", ActionKind::Delete)
            },
        ],
        ..Default::default()
    };
    let out = run(cfg, data);
    let a = &out.resource_spans[0].scope_spans[0].spans[0].attributes;
    // sha256("alice@example.com")
    assert_eq!(
        attr(a, "user.email").cloned(),
        s("ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976")
    );
    assert_eq!(attr(a, "http_protocol").cloned(), s("http"));
    assert_eq!(attr(a, "http_domain").cloned(), s("example.com"));
    assert_eq!(attr(a, "http_path").cloned(), s("/path?id=42"));
    assert_eq!(attr(a, "count"), Some(&any_value::Value::IntValue(17)));
    assert_eq!(attr(a, "n").cloned(), s("3"));
    assert!(attr(a, "tmp.one").is_none() && attr(a, "tmp.two").is_none());
}

#[test]
fn include_and_exclude_select_spans() {
    let mut data = spans("svc", 4, 1);
    for (i, sp) in data.resource_spans[0].scope_spans[0]
        .spans
        .iter_mut()
        .enumerate()
    {
        sp.name = format!("span-{i}");
    }
    let cfg = AttributesConfig {
        actions: vec![ActionConfig {
            value: Some(AttrValue::Bool(true)),
            ..action("hit", ActionKind::Insert)
        }],
        include: Some(MatchConfig {
            match_type: MatchType::Regexp,
            services: vec!["^sv".into()],
            span_names: vec!["span-[0-2]".into()],
            ..Default::default()
        }),
        exclude: Some(MatchConfig {
            match_type: MatchType::Strict,
            span_names: vec!["span-1".into()],
            ..Default::default()
        }),
    };
    let out = run(cfg, data);
    let hits: Vec<bool> = out.resource_spans[0].scope_spans[0]
        .spans
        .iter()
        .map(|sp| attr(&sp.attributes, "hit").is_some())
        .collect();
    assert_eq!(hits, vec![true, false, true, false]);
}

#[test]
fn strict_attribute_match_and_context_values() {
    let mut data = spans("svc", 2, 1);
    data.resource_spans[0].scope_spans[0].spans[1]
        .attributes
        .push(kv_str("env", "prod"));
    let mut md = crate::pdata::Metadata::new();
    md.insert("x-tenant".into(), vec!["a".into(), "b".into()]);
    data.client = ClientInfo {
        addr: "10.1.2.3:5000".parse().ok(),
        metadata: Arc::new(md),
    };
    let cfg = AttributesConfig {
        actions: vec![
            ActionConfig {
                from_context: Some("metadata.X-Tenant".into()),
                ..action("tenant", ActionKind::Upsert)
            },
            ActionConfig {
                from_context: Some("client.address".into()),
                ..action("peer", ActionKind::Upsert)
            },
        ],
        include: Some(MatchConfig {
            attributes: vec![AttributeMatch {
                key: "env".into(),
                value: Some(AttrValue::String("prod".into())),
            }],
            ..Default::default()
        }),
        exclude: None,
    };
    let out = run(cfg, data);
    let sp = &out.resource_spans[0].scope_spans[0].spans;
    assert!(attr(&sp[0].attributes, "tenant").is_none());
    assert_eq!(attr(&sp[1].attributes, "tenant").cloned(), s("a;b"));
    assert_eq!(attr(&sp[1].attributes, "peer").cloned(), s("10.1.2.3"));
}

#[test]
fn log_severity_filter_and_invalid_configs() {
    let sink = Arc::new(Sink::new());
    let cfg = AttributesConfig {
        actions: vec![ActionConfig {
            value: Some(AttrValue::Int(1)),
            ..action("sev_ok", ActionKind::Insert)
        }],
        include: Some(MatchConfig {
            log_severity: Some(LogSeverity {
                min: severity_number("warn").unwrap_or(13),
                match_undefined: false,
            }),
            ..Default::default()
        }),
        exclude: None,
    };
    let outputs = Outputs {
        logs: crate::Fanout::new(vec![sink.clone()]),
        ..Default::default()
    };
    let p = AttributesProcessor::new("t", cfg.clone(), outputs, &Registry::new())
        .expect("valid for logs");
    let mut logs = log_records("svc", 2);
    logs.resource_logs[0].scope_logs[0].log_records[1].severity_number = 17;
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(p.consume_logs(logs)).expect("accepted");
    let got = sink.logs.lock().expect("lock");
    let recs = &got[0].resource_logs[0].scope_logs[0].log_records;
    assert!(attr(&recs[0].attributes, "sev_ok").is_none());
    assert!(attr(&recs[1].attributes, "sev_ok").is_some());

    // log_severity is invalid for traces when traces have an output.
    assert!(
        AttributesProcessor::new("t", cfg, Outputs::all(vec![sink.clone()]), &Registry::new())
            .is_err()
    );
    // insert without a value, extract without named groups.
    let bad = [
        action("k", ActionKind::Insert),
        ActionConfig {
            pattern: Some("(a)".into()),
            ..action("k", ActionKind::Extract)
        },
        action("k", ActionKind::Convert),
    ];
    for a in bad {
        let cfg = AttributesConfig {
            actions: vec![a],
            ..Default::default()
        };
        assert!(AttributesProcessor::new(
            "t",
            cfg,
            Outputs::all(vec![sink.clone()]),
            &Registry::new()
        )
        .is_err());
    }
    assert_eq!(severity_number("INFO2"), Some(10));
    assert_eq!(severity_number("nope"), None);
}

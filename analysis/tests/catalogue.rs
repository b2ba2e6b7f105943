//! Lookups against the embedded catalogue. These need no `../shared`: they
//! read the generated tables, and the counts below come from the catalogue's
//! README and SIGNALS.md, so a generator bug that drops or merges records
//! shows up here.

use std::collections::BTreeSet;

use alloy_analysis::catalogue::{
    self, component, components, components_with_prefix, config_block, did_you_mean,
    stdlib_function, stdlib_object, Capsule, Confidence, Signal, SignalSet, Stability, Type,
};

fn comp(name: &str) -> &'static catalogue::Component {
    component(name).unwrap_or_else(|| panic!("{name} is in the catalogue"))
}

#[test]
fn provenance() {
    assert_eq!(catalogue::UPSTREAM_REPO, "github.com/grafana/alloy");
    assert_eq!(catalogue::UPSTREAM_VERSION, "1.18.0");
    assert_eq!(
        catalogue::UPSTREAM_COMMIT,
        "66ebea856dffb242f921775e9552a133f60dc5c1"
    );
}

#[test]
fn tables_are_sorted_and_unique() {
    fn check(names: Vec<&str>) {
        assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
    }
    check(components().iter().map(|c| c.name).collect());
    check(catalogue::config_blocks().iter().map(|c| c.name).collect());
    check(
        catalogue::stdlib_functions()
            .iter()
            .map(|f| f.name)
            .collect(),
    );
    check(catalogue::stdlib_objects().iter().map(|o| o.name).collect());
    check(catalogue::type_strings().to_vec());
    for c in components() {
        assert!(std::ptr::eq(comp(c.name), c));
    }
}

#[test]
fn counts_match_the_catalogue_readme() {
    assert_eq!(components().len(), 184);
    assert_eq!(catalogue::config_blocks().len(), 14);
    assert_eq!(catalogue::stdlib_functions().len(), 43);
    let level = |s| components().iter().filter(|c| c.stability == s).count();
    assert_eq!(level(Some(Stability::GenerallyAvailable)), 143);
    assert_eq!(level(Some(Stability::Experimental)), 25);
    assert_eq!(level(Some(Stability::PublicPreview)), 11);
    assert_eq!(level(None), 5);
    assert!(components()
        .iter()
        .all(|c| c.community == c.stability.is_none()));

    // Expanded-tree totals: deduplication and the recursive `stage.match`
    // set must not lose or add anything (the README's 1,448 blocks include
    // the one `stage.*` placeholder, which the tables resolve instead).
    let (mut args, mut blocks, mut exports) = (0, 0, 0);
    for c in components() {
        args += c.arguments.len();
        exports += c.exports.len();
        c.body().walk(&mut |_, b| {
            blocks += 1;
            args += b.arguments.len();
        });
    }
    assert_eq!((args, blocks, exports), (6624, 1447, 138));
    assert_eq!(
        components().iter().filter(|c| c.exports.is_empty()).count(),
        51
    );
}

#[test]
fn prometheus_scrape() {
    let scrape = comp("prometheus.scrape");
    assert_eq!(scrape.namespace(), "prometheus");
    assert_eq!(scrape.stability, Some(Stability::GenerallyAvailable));
    assert!(scrape.doc_url.ends_with("/prometheus.scrape/"));
    let required: Vec<&str> = scrape.body().required_arguments().map(|a| a.name).collect();
    assert_eq!(required, ["targets", "forward_to"]);
    let targets = scrape.argument("targets").expect("targets");
    assert_eq!(targets.ty, "list(map(string))");
    assert_eq!(
        *targets.parsed_type(),
        Type::List(Box::new(Type::Map(Box::new(Type::String))))
    );
    let forward_to = scrape.argument("forward_to").expect("forward_to");
    assert_eq!(
        forward_to.parsed_type().element(),
        Some(&Type::Capsule(Capsule::MetricsReceiver))
    );
    let interval = scrape.argument("scrape_interval").expect("scrape_interval");
    assert_eq!(interval.literal_default(), Some("\"60s\""));
    assert_eq!(*interval.parsed_type(), Type::Duration);
    assert!(scrape.exports.is_empty());
    assert!(scrape.signals.accepts.contains(Signal::Targets));
    assert!(scrape.signals.emits.contains(Signal::PrometheusMetrics));
    assert_eq!(
        scrape.body().required_blocks().count(),
        0,
        "prometheus.scrape has no required blocks"
    );
}

#[test]
fn otelcol_receiver_otlp() {
    let otlp = comp("otelcol.receiver.otlp");
    assert!(otlp.arguments.is_empty());
    let blocks: Vec<&str> = otlp.body().block_names().collect();
    for name in ["grpc", "http", "debug_metrics", "output"] {
        assert!(blocks.contains(&name), "{blocks:?}");
    }
    assert!(otlp.block("output").expect("output").required);
    let grpc = otlp.block("grpc").expect("grpc");
    assert_eq!(
        grpc.argument("endpoint").and_then(|a| a.default),
        Some("\"0.0.0.0:4317\"")
    );
    assert!(grpc.block("tls").is_some());
    let s = otlp.signals;
    assert!(s.accepts.is_empty());
    assert_eq!(
        s.emits,
        SignalSet::of(&[Signal::Traces, Signal::Metrics, Signal::Logs])
    );
    assert_eq!(s.emits.to_string(), "traces, metrics, logs");
    assert_eq!(s.confidence, Confidence::High);
    assert!(!s.config_dependent);
    assert!(!s.notes.is_empty());
}

#[test]
fn signal_bridges_and_config_dependence() {
    let prom = comp("otelcol.exporter.prometheus").signals;
    assert_eq!(prom.accepts, SignalSet::of(&[Signal::Metrics]));
    assert_eq!(prom.emits, SignalSet::of(&[Signal::PrometheusMetrics]));
    let spanlogs = comp("otelcol.connector.spanlogs").signals;
    assert_eq!(spanlogs.accepts, SignalSet::of(&[Signal::Traces]));
    assert_eq!(spanlogs.emits, SignalSet::of(&[Signal::Logs]));
    let kafka = comp("otelcol.exporter.kafka").signals;
    assert!(kafka.config_dependent);
    assert_eq!(kafka.confidence, Confidence::Medium);
    // Wiring a spanlogs connector into a Prometheus bridge carries nothing.
    assert!(spanlogs.emits.intersection(prom.accepts).is_empty());

    // The per-signal totals of SIGNALS.md.
    let count = |f: fn(&catalogue::Signals) -> SignalSet, s: Signal| {
        components()
            .iter()
            .filter(|c| f(&c.signals).contains(s))
            .count()
    };
    let expected = [
        (Signal::Traces, 31, 24),
        (Signal::Metrics, 27, 31),
        (Signal::Logs, 26, 25),
        (Signal::PrometheusMetrics, 5, 9),
        (Signal::LokiLogs, 8, 25),
        (Signal::Profiles, 3, 6),
        (Signal::Targets, 19, 66),
    ];
    for (signal, accepts, emits) in expected {
        assert_eq!(count(|s| s.accepts, signal), accepts, "accepts {signal:?}");
        assert_eq!(count(|s| s.emits, signal), emits, "emits {signal:?}");
    }
}

#[test]
fn local_file() {
    let file = comp("local.file");
    let content = file.export("content").expect("content export");
    assert_eq!(content.ty, "optional_secret");
    assert!(content.parsed_type().is_secret());
    assert!(file.argument("filename").expect("filename").required);
    assert_eq!(
        file.argument("is_secret").and_then(|a| a.literal_default()),
        Some("false")
    );
    assert!(file.signals.accepts.is_empty() && file.signals.emits.is_empty());
}

#[test]
fn secrets_are_flagged() {
    let write = comp("prometheus.remote_write");
    let endpoint = write.block("endpoint").expect("endpoint");
    let basic = endpoint.block("basic_auth").expect("basic_auth");
    assert!(basic.argument("password").expect("password").is_secret());
    assert!(!basic.argument("username").expect("username").is_secret());
}

#[test]
fn loki_process_stages_recurse() {
    let process = comp("loki.process");
    let stage_match = process.block("stage.match").expect("stage.match");
    assert_eq!(stage_match.enum_group, Some("stage"));
    assert!(stage_match.repeatable && !stage_match.required);
    // `stage.match` nests every stage, including itself.
    let nested = stage_match.block("stage.json").expect("nested stage.json");
    assert!(std::ptr::eq(
        nested,
        process.block("stage.json").expect("stage.json")
    ));
    assert!(stage_match
        .block("stage.match")
        .and_then(|m| m.block("stage.drop"))
        .is_some());
    // Neither Debug nor walk may loop on the cycle.
    assert!(format!("{process:?}").contains("stage.match"));
    let mut paths = Vec::new();
    process
        .body()
        .walk(&mut |path, _| paths.push(path.join(" > ")));
    assert!(paths.contains(&"stage.metrics > metric.counter".to_owned()));
    assert!(!paths.iter().any(|p| p.starts_with("stage.match > ")));
}

#[test]
fn labeled_blocks_and_build_constraints() {
    let cw = comp("prometheus.exporter.cloudwatch");
    assert!(cw.block("static").expect("static").labeled);
    assert!(!comp("loki.source.windowsevent")
        .build_constraints
        .is_empty());
    assert!(comp("prometheus.exporter.snmp").custom_unmarshal);
}

#[test]
fn community_components_have_no_stability() {
    let datadog = comp("otelcol.exporter.datadog");
    assert!(datadog.community);
    assert_eq!(datadog.stability, None);
    assert!(!datadog.allowed_at(Stability::Experimental));
    let debug = comp("otelcol.exporter.debug");
    assert_eq!(debug.stability, Some(Stability::Experimental));
    assert!(debug.allowed_at(Stability::Experimental));
    assert!(!debug.allowed_at(Stability::GenerallyAvailable));
}

#[test]
fn stability_order_and_spelling() {
    assert!(Stability::Experimental < Stability::PublicPreview);
    assert!(Stability::PublicPreview < Stability::GenerallyAvailable);
    let names: Vec<&str> = Stability::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        ["experimental", "public-preview", "generally-available"]
    );
    for s in Stability::ALL {
        assert_eq!(s.as_str().parse::<Stability>(), Ok(s));
        assert_eq!(s.to_string(), s.as_str());
    }
    assert!("beta".parse::<Stability>().is_err());
}

#[test]
fn prefix_listing() {
    let exporters = components_with_prefix("prometheus.exporter.");
    assert_eq!(exporters.len(), 29);
    assert!(exporters
        .iter()
        .all(|c| c.name.starts_with("prometheus.exporter.")));
    assert_eq!(components_with_prefix("").len(), components().len());
    assert!(components_with_prefix("nope.").is_empty());
}

#[test]
fn config_blocks() {
    let logging = config_block("logging").expect("logging");
    assert!(!logging.labeled);
    assert_eq!(
        logging.argument("level").and_then(|a| a.literal_default()),
        Some("\"info\"")
    );
    let destination = logging.argument("destination").expect("destination");
    assert!(destination.default.is_some() && destination.literal_default().is_none());
    let foreach = config_block("foreach").expect("foreach");
    assert_eq!(foreach.stability, Stability::Experimental);
    assert!(foreach.block("template").expect("template").module_body);
    assert!(config_block("declare").expect("declare").module_body);
    let labelstore = config_block("labelstore").expect("labelstore");
    assert!(labelstore.doc_url.is_none() && !labelstore.documented);
    assert!(config_block("import.git").expect("import.git").labeled);
    for name in catalogue::RESERVED_BLOCK_NAMES {
        assert!(config_block(name).is_none() && component(name).is_none());
    }
    for name in catalogue::REMOVED_COMPONENTS {
        assert!(component(name).is_none());
    }
}

#[test]
fn stdlib() {
    let env = stdlib_function("env").expect("env");
    assert!(env.is_deprecated());
    assert_eq!(env.deprecated_alias_of, Some("sys.env"));
    let sys_env = env.replacement().expect("sys.env");
    assert_eq!(sys_env.name, "sys.env");
    assert!(!sys_env.is_deprecated());
    assert_eq!(sys_env.namespace, Some("sys"));
    let aliases: Vec<&str> = catalogue::stdlib_functions()
        .iter()
        .filter(|f| f.is_deprecated())
        .map(|f| f.name)
        .collect();
    assert_eq!(aliases.len(), 16);
    assert!(catalogue::stdlib_functions()
        .iter()
        .filter_map(|f| f.replacement())
        .all(|r| !r.is_deprecated()));

    let combine = stdlib_function("array.combine_maps").expect("combine_maps");
    assert_eq!(combine.arity(), (3, Some(4)));
    assert_eq!(combine.stability, Stability::Experimental);
    assert_eq!(
        stdlib_function("array.concat").map(|f| f.arity()),
        Some((0, None))
    );
    assert_eq!(
        stdlib_function("string.format").map(|f| f.arity()),
        Some((1, None))
    );
    assert_eq!(
        *stdlib_function("string.split")
            .expect("split")
            .parsed_return_type(),
        Type::List(Box::new(Type::String))
    );
    let constants = stdlib_object("constants").expect("constants");
    let fields: Vec<&str> = constants.fields.iter().map(|f| f.name).collect();
    assert_eq!(fields, ["hostname", "os", "arch", "version"]);
    assert!(constants.field("os").is_some());
}

#[test]
fn suggestions_over_real_tables() {
    let names = || components().iter().map(|c| c.name);
    assert_eq!(
        did_you_mean("prometheus.scrap", names()),
        Some("prometheus.scrape")
    );
    assert_eq!(
        did_you_mean("otelcol.reciever.otlp", names()),
        Some("otelcol.receiver.otlp")
    );
    assert_eq!(did_you_mean("loki.rite", names()), Some("loki.write"));
    assert_eq!(did_you_mean("completely.different", names()), None);
    let functions = || catalogue::stdlib_functions().iter().map(|f| f.name);
    assert_eq!(
        did_you_mean("string.fromat", functions()),
        Some("string.format")
    );
    let scrape = comp("prometheus.scrape");
    assert_eq!(
        did_you_mean("forwardto", scrape.body().argument_names()),
        Some("forward_to")
    );
    let blocks = || catalogue::config_blocks().iter().map(|c| c.name);
    assert_eq!(did_you_mean("loging", blocks()), Some("logging"));
}

/// Every type string in the tables parses, prints back unchanged, and is
/// reached through the cache rather than the `any` fallback.
#[test]
fn every_catalogue_type_parses() {
    let strings = catalogue::type_strings();
    for s in strings {
        let ty = Type::parse(s).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ty.to_string(), *s);
    }

    let mut used = BTreeSet::new();
    let mut add = |ty: &'static str| {
        used.insert(ty);
    };
    let visit_body = |body: catalogue::Body, add: &mut dyn FnMut(&'static str)| {
        body.arguments.iter().for_each(|a| add(a.ty));
        body.walk(&mut |_, b| b.arguments.iter().for_each(|a| add(a.ty)));
    };
    for c in components() {
        visit_body(c.body(), &mut add);
        c.exports.iter().for_each(|e| add(e.ty));
    }
    for c in catalogue::config_blocks() {
        visit_body(c.body(), &mut add);
    }
    for f in catalogue::stdlib_functions() {
        add(f.returns);
        f.params.iter().for_each(|p| add(p.ty));
    }
    for o in catalogue::stdlib_objects() {
        o.fields.iter().for_each(|f| add(f.ty));
    }
    let listed: BTreeSet<&str> = strings.iter().copied().collect();
    assert_eq!(used, listed);
    // The README's whole vocabulary, plus the stdlib's `list(any)` forms.
    assert!(used.len() >= 30, "{used:?}");

    // Types that are not literally `any` must not come back as `any`.
    for s in strings.iter().filter(|s| **s != "any") {
        let arg = catalogue::Argument {
            name: "x",
            ty: s,
            default: None,
            default_is_literal: true,
            required: false,
            documented: true,
        };
        assert_ne!(*arg.parsed_type(), Type::Any, "{s}");
    }
}

//! `prometheus.relabel` and `discovery.relabel`: `rule` blocks decoded into
//! the crate's rules (Alloy's validation), the `rules` export, and for
//! metrics the cached relabel stage behind the `receiver` export.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy_prometheus::model::{Appendable, Fanout};
use alloy_prometheus::relabel::{
    apply, CacheMode, Dialect, RelabelMetrics, RelabelStage, Rule, RuleSpec,
};

use super::{forward_to, targets, targets_value, ReceiverCapsule};
use crate::component::{
    Arguments, BoxFuture, Component, ComponentError, Context, Health, Registration, Shutdown,
};
use crate::value::{CapsuleValue, Object, Value};

/// The capsule type of `rules` exports.
pub(crate) const RULES_TYPE: &str = "RelabelRules";

/// The value of a `RelabelRules` capsule (read by the components that take
/// `rules`, such as `loki.relabel`'s `rule` imports).
#[allow(dead_code)]
pub(crate) struct RulesCapsule(pub(crate) Arc<Vec<Rule>>);

impl CapsuleValue for RulesCapsule {
    fn type_name(&self) -> &str {
        RULES_TYPE
    }
}

/// The `rule` blocks of a body, with Alloy's defaults, validated.
pub(crate) fn decode_rules(args: &Arguments) -> Result<Vec<Rule>, ComponentError> {
    decode_rule_blocks(args, "rule", "")
}

/// Blocks named `name` holding a `rule` block's fields (`rule`,
/// `write_relabel_config`), with Alloy's defaults, validated; errors are
/// prefixed with `prefix` (`endpoint.write_relabel_config: `).
pub(crate) fn decode_rule_blocks(
    args: &Arguments,
    name: &str,
    prefix: &str,
) -> Result<Vec<Rule>, ComponentError> {
    args.blocks_named(name)
        .map(|block| {
            let b = &block.body;
            let d = RuleSpec::default();
            let spec = RuleSpec {
                source_labels: b.get("source_labels")?,
                separator: b.get_or("separator", d.separator)?,
                regex: b.get_or("regex", d.regex)?,
                modulus: b.get_or("modulus", d.modulus)?,
                target_label: b.get_or("target_label", d.target_label)?,
                replacement: b.get_or("replacement", d.replacement)?,
                action: b.get_or("action", d.action)?,
            };
            spec.compile(Dialect::Alloy)
                .map_err(|e| ComponentError::new(format!("{prefix}{e}")))
        })
        .collect()
}

fn rules_value(rules: &Arc<Vec<Rule>>) -> Value {
    Value::capsule(RulesCapsule(rules.clone()))
}

fn set_health(health: &Mutex<Health>, h: Health) {
    *health.lock().unwrap_or_else(|p| p.into_inner()) = h;
}

fn wait(shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
    Box::pin(async move {
        shutdown.cancelled().await;
        Ok(())
    })
}

// ---- prometheus.relabel -------------------------------------------------

pub(super) fn prometheus_registration() -> Option<Registration> {
    Registration::from_catalogue("prometheus.relabel", |ctx, args| {
        let component = Arc::new(PrometheusRelabel::new(ctx, &args)?);
        component.update(args)?;
        Ok(component as Arc<dyn Component>)
    })
    .map_err(|e| tracing::error!(err = %e, "prometheus.relabel is missing from the catalogue"))
    .ok()
}

struct PrometheusRelabel {
    ctx: Context,
    stage: Arc<RelabelStage>,
    health: Mutex<Health>,
}

fn cache_mode(args: &Arguments) -> Result<CacheMode, ComponentError> {
    let size: i64 = args.get_or("max_cache_size", 100_000)?;
    let ttl: Duration = args.get_or("cache_ttl", Duration::ZERO)?;
    if size < 0 {
        return Err(ComponentError::new("max_cache_size must be >= 0"));
    }
    match (size, ttl.is_zero()) {
        (0, true) => Err(ComponentError::new(
            "one of max_cache_size or cache_ttl must be set",
        )),
        (0, false) if ttl < Duration::from_secs(5) => {
            Err(ComponentError::new("cache_ttl must be at least 5s"))
        }
        (0, false) => Ok(CacheMode::Ttl(ttl)),
        (n, true) => Ok(CacheMode::Lru(n as usize)),
        (_, false) => Err(ComponentError::new(
            "max_cache_size and cache_ttl are mutually exclusive",
        )),
    }
}

impl PrometheusRelabel {
    fn new(ctx: Context, args: &Arguments) -> Result<PrometheusRelabel, ComponentError> {
        let stage = Arc::new(RelabelStage::new(
            Vec::new(),
            Fanout::default(),
            cache_mode(args)?,
            RelabelMetrics::new(&ctx.metrics, &ctx.id),
        ));
        Ok(PrometheusRelabel {
            ctx,
            stage,
            health: Mutex::new(Health::default()),
        })
    }
}

impl Component for PrometheusRelabel {
    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let result = (|| {
            let rules = decode_rules(&args)?;
            let forward = Fanout::new(forward_to(&args, "forward_to")?);
            let mode = cache_mode(&args)?;
            Ok::<_, ComponentError>((rules, forward, mode))
        })();
        let (rules, forward, mode) = match result {
            Ok(r) => r,
            Err(e) => {
                set_health(&self.health, Health::unhealthy(e.to_string()));
                return Err(e);
            }
        };
        self.stage.update(rules, forward, mode);
        let mut exports = Object::new();
        exports.insert(
            "receiver",
            Value::capsule(ReceiverCapsule(self.stage.clone() as Arc<dyn Appendable>)),
        );
        exports.insert("rules", rules_value(&self.stage.rules()));
        self.ctx.exports.publish(Value::object(exports));
        set_health(&self.health, Health::healthy("started"));
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        wait(shutdown)
    }

    fn health(&self) -> Option<Health> {
        Some(
            self.health
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        )
    }
}

// ---- discovery.relabel --------------------------------------------------

pub(super) fn discovery_registration() -> Option<Registration> {
    Registration::from_catalogue("discovery.relabel", |ctx, args| {
        let component = Arc::new(DiscoveryRelabel {
            ctx,
            health: Mutex::new(Health::default()),
        });
        component.update(args)?;
        Ok(component as Arc<dyn Component>)
    })
    .map_err(|e| tracing::error!(err = %e, "discovery.relabel is missing from the catalogue"))
    .ok()
}

struct DiscoveryRelabel {
    ctx: Context,
    health: Mutex<Health>,
}

impl Component for DiscoveryRelabel {
    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let rules = decode_rules(&args).inspect_err(|e| {
            set_health(&self.health, Health::unhealthy(e.to_string()));
        })?;
        let input = targets(&args, "targets")?;
        let output: Vec<_> = input
            .iter()
            .filter_map(|t| apply(&rules, t))
            .filter(|t| !t.is_empty())
            .collect();
        let mut exports = Object::new();
        exports.insert("output", targets_value(&output));
        exports.insert("rules", rules_value(&Arc::new(rules)));
        self.ctx.exports.publish(Value::object(exports));
        set_health(&self.health, Health::healthy("started"));
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        wait(shutdown)
    }

    fn health(&self) -> Option<Health> {
        Some(
            self.health
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        )
    }
}

/// `rule` blocks from an Alloy file (what `alloy debug relabel --rules`
/// and the language server's relabel hover read), validated as the
/// components validate them. Errors are `file:line:col: message`.
pub fn rules_from_source(text: &str, file: &str) -> Result<Vec<Rule>, String> {
    let parse = alloy_syntax::parse(text);
    let index = parse.line_index();
    let at = |offset: u32, message: &str| {
        let lc = index.line_col(offset);
        format!("{file}:{}:{}: {message}", lc.line, lc.col)
    };
    if let Some(e) = parse.errors().first() {
        return Err(at(e.offset(), &e.message()));
    }
    let tree = parse.tree();
    let scope = crate::eval::Scope::new();
    let body = crate::eval::evaluate_body(tree.statements(), &scope)
        .map_err(|e| e.render(file, &index))?;
    if let Some(a) = body.attributes().next() {
        return Err(at(
            a.range.start().into(),
            &format!(
                "unexpected attribute {:?}: the file holds only rule blocks",
                a.name
            ),
        ));
    }
    let mut rules = Vec::new();
    for block in body.blocks() {
        if block.name != "rule" {
            return Err(at(
                block.offset().into(),
                &format!(
                    "unexpected block {:?}: the file holds only rule blocks",
                    block.name
                ),
            ));
        }
        let mut one = crate::eval::BodyValue::default();
        one.push(crate::eval::BodyItem::Block(block.clone()));
        let mut rule = decode_rules(&one).map_err(|e| {
            // Point at the attribute the message is about, when there is one.
            let m = e.message();
            let attr = [
                ("regexp", "regex"),
                ("action", "action"),
                ("modulus", "modulus"),
                ("'target_label'", "target_label"),
                ("'replacement'", "replacement"),
            ]
            .iter()
            .find(|(needle, _)| m.contains(needle))
            .and_then(|(_, name)| block.body.attribute(name));
            let offset = attr.map_or(block.offset(), |a| a.range.start());
            at(offset.into(), m)
        })?;
        rules.append(&mut rule);
    }
    Ok(rules)
}

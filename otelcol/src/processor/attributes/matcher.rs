//! `include` / `exclude` matching (contrib's filterspan / filterlog /
//! filtermetric). Every configured property must match; within a list any
//! entry may match; all `attribute` and `resource` entries must match.
//! Regexps are unanchored, like Go's `MatchString`.

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::Span;
use regex::Regex;

use super::action::as_string;
use super::config::{AttrValue, AttributeMatch, LogSeverity, MatchConfig, MatchType};
use crate::error::ConfigError;
use crate::pdata::SignalKind;

enum StrSet {
    Strict(Vec<String>),
    Regexp(Vec<Regex>),
}

impl StrSet {
    fn new(mt: MatchType, items: &[String], field: &str) -> Result<Option<Self>, ConfigError> {
        if items.is_empty() {
            return Ok(None);
        }
        Ok(Some(match mt {
            MatchType::Strict => StrSet::Strict(items.to_vec()),
            MatchType::Regexp => StrSet::Regexp(
                items
                    .iter()
                    .map(|p| Regex::new(p).map_err(|e| ConfigError::invalid(field, e.to_string())))
                    .collect::<Result<_, _>>()?,
            ),
        }))
    }

    fn matches(&self, s: &str) -> bool {
        match self {
            StrSet::Strict(v) => v.iter().any(|x| x == s),
            StrSet::Regexp(v) => v.iter().any(|r| r.is_match(s)),
        }
    }
}

enum AttrCheck {
    Exists(String),
    Equals(String, AnyValue),
    Regexp(String, Regex),
}

impl AttrCheck {
    fn new(mt: MatchType, a: &AttributeMatch, field: &str) -> Result<Self, ConfigError> {
        if a.key.is_empty() {
            return Err(ConfigError::invalid(field, "can't have empty key"));
        }
        Ok(match (&a.value, mt) {
            (None, _) => AttrCheck::Exists(a.key.clone()),
            (Some(v), MatchType::Strict) => AttrCheck::Equals(a.key.clone(), v.to_any()),
            (Some(AttrValue::String(p)), MatchType::Regexp) => AttrCheck::Regexp(
                a.key.clone(),
                Regex::new(p).map_err(|e| ConfigError::invalid(field, e.to_string()))?,
            ),
            (Some(_), MatchType::Regexp) => {
                return Err(ConfigError::invalid(
                    field,
                    "regexp match requires a string value",
                ));
            }
        })
    }

    fn matches(&self, attrs: &[KeyValue]) -> bool {
        let get = |k: &str| {
            attrs
                .iter()
                .find(|kv| kv.key == k)
                .map(|kv| kv.value.clone().unwrap_or_default())
        };
        match self {
            AttrCheck::Exists(k) => get(k).is_some(),
            AttrCheck::Equals(k, v) => get(k).is_some_and(|x| &x == v),
            AttrCheck::Regexp(k, r) => get(k).is_some_and(|x| match x.value {
                Some(any_value::Value::StringValue(s)) => r.is_match(&s),
                _ => false,
            }),
        }
    }
}

struct LibCheck {
    name: StrSet,
    version: Option<StrSet>,
}

/// One compiled `include` or `exclude` block.
pub(crate) struct Matcher {
    services: Option<StrSet>,
    span_names: Option<StrSet>,
    span_kinds: Option<StrSet>,
    log_bodies: Option<StrSet>,
    log_severity_texts: Option<StrSet>,
    log_severity: Option<LogSeverity>,
    metric_names: Option<StrSet>,
    attributes: Vec<AttrCheck>,
    resources: Vec<AttrCheck>,
    libraries: Vec<LibCheck>,
}

fn span_kind_names(k: i32) -> [&'static str; 2] {
    match k {
        1 => ["SPAN_KIND_INTERNAL", "Internal"],
        2 => ["SPAN_KIND_SERVER", "Server"],
        3 => ["SPAN_KIND_CLIENT", "Client"],
        4 => ["SPAN_KIND_PRODUCER", "Producer"],
        5 => ["SPAN_KIND_CONSUMER", "Consumer"],
        _ => ["SPAN_KIND_UNSPECIFIED", "Unspecified"],
    }
}

impl Matcher {
    /// Compiles `mc` for `signal`, rejecting properties that do not apply to
    /// it, as upstream does.
    pub(crate) fn new(
        mc: &MatchConfig,
        signal: SignalKind,
        which: &str,
    ) -> Result<Self, ConfigError> {
        let f = |name: &str| format!("{which}.{name}");
        let bad = |name: &str| {
            Err(ConfigError::invalid(
                f(name),
                format!("not supported for {}", signal.as_str()),
            ))
        };
        match signal {
            SignalKind::Traces => {
                if !mc.log_bodies.is_empty() {
                    return bad("log_bodies");
                }
                if !mc.log_severity_texts.is_empty() {
                    return bad("log_severity_texts");
                }
                if mc.log_severity.is_some() {
                    return bad("log_severity");
                }
                if !mc.metric_names.is_empty() {
                    return bad("metric_names");
                }
            }
            SignalKind::Logs => {
                if !mc.services.is_empty() {
                    return bad("services");
                }
                if !mc.span_names.is_empty() {
                    return bad("span_names");
                }
                if !mc.span_kinds.is_empty() {
                    return bad("span_kinds");
                }
                if !mc.metric_names.is_empty() {
                    return bad("metric_names");
                }
            }
            SignalKind::Metrics => {
                // Upstream converts the block with `CreateMatchPropertiesFromDefault`,
                // which keeps only metric names and resource attributes.
                let only = MatchConfig {
                    match_type: mc.match_type,
                    metric_names: mc.metric_names.clone(),
                    resources: mc.resources.clone(),
                    ..MatchConfig::default()
                };
                return Self::compile(&only, which);
            }
        }
        Self::compile(mc, which)
    }

    fn compile(mc: &MatchConfig, which: &str) -> Result<Self, ConfigError> {
        let f = |name: &str| format!("{which}.{name}");
        let mt = mc.match_type;
        Ok(Self {
            services: StrSet::new(mt, &mc.services, &f("services"))?,
            span_names: StrSet::new(mt, &mc.span_names, &f("span_names"))?,
            span_kinds: StrSet::new(mt, &mc.span_kinds, &f("span_kinds"))?,
            log_bodies: StrSet::new(mt, &mc.log_bodies, &f("log_bodies"))?,
            log_severity_texts: StrSet::new(mt, &mc.log_severity_texts, &f("log_severity_texts"))?,
            log_severity: mc.log_severity,
            metric_names: StrSet::new(mt, &mc.metric_names, &f("metric_names"))?,
            attributes: mc
                .attributes
                .iter()
                .map(|a| AttrCheck::new(mt, a, &f("attribute")))
                .collect::<Result<_, _>>()?,
            resources: mc
                .resources
                .iter()
                .map(|a| AttrCheck::new(mt, a, &f("resource")))
                .collect::<Result<_, _>>()?,
            libraries: mc
                .libraries
                .iter()
                .map(|l| {
                    Ok(LibCheck {
                        name: StrSet::new(mt, std::slice::from_ref(&l.name), &f("library.name"))?
                            .ok_or_else(|| {
                            ConfigError::invalid(f("library.name"), "can't be empty")
                        })?,
                        version: match &l.version {
                            Some(v) => {
                                StrSet::new(mt, std::slice::from_ref(v), &f("library.version"))?
                            }
                            None => None,
                        },
                    })
                })
                .collect::<Result<_, ConfigError>>()?,
        })
    }

    /// Resource, scope and item-attribute checks shared by all signals.
    fn common(
        &self,
        resource: Option<&Resource>,
        scope: Option<&InstrumentationScope>,
        attrs: &[KeyValue],
    ) -> bool {
        let res_attrs = resource.map(|r| r.attributes.as_slice()).unwrap_or(&[]);
        if let Some(services) = &self.services {
            let svc = res_attrs
                .iter()
                .find(|kv| kv.key == "service.name")
                .and_then(|kv| kv.value.as_ref())
                .map(as_string)
                .unwrap_or_default();
            if !services.matches(&svc) {
                return false;
            }
        }
        if !self.libraries.is_empty() {
            let (name, version) = scope
                .map(|s| (s.name.as_str(), s.version.as_str()))
                .unwrap_or(("", ""));
            let any = self.libraries.iter().any(|l| {
                l.name.matches(name) && l.version.as_ref().is_none_or(|v| v.matches(version))
            });
            if !any {
                return false;
            }
        }
        self.resources.iter().all(|c| c.matches(res_attrs))
            && self.attributes.iter().all(|c| c.matches(attrs))
    }

    pub(crate) fn span(
        &self,
        resource: Option<&Resource>,
        scope: Option<&InstrumentationScope>,
        span: &Span,
    ) -> bool {
        if self
            .span_names
            .as_ref()
            .is_some_and(|n| !n.matches(&span.name))
        {
            return false;
        }
        if let Some(kinds) = &self.span_kinds {
            if !span_kind_names(span.kind).iter().any(|k| kinds.matches(k)) {
                return false;
            }
        }
        self.common(resource, scope, &span.attributes)
    }

    pub(super) fn log(
        &self,
        resource: Option<&Resource>,
        scope: Option<&InstrumentationScope>,
        rec: &LogRecord,
    ) -> bool {
        if let Some(bodies) = &self.log_bodies {
            let body = rec.body.as_ref().map(as_string).unwrap_or_default();
            if !bodies.matches(&body) {
                return false;
            }
        }
        if self
            .log_severity_texts
            .as_ref()
            .is_some_and(|t| !t.matches(&rec.severity_text))
        {
            return false;
        }
        if let Some(sev) = &self.log_severity {
            let ok = if rec.severity_number == 0 {
                sev.match_undefined
            } else {
                rec.severity_number >= sev.min
            };
            if !ok {
                return false;
            }
        }
        self.common(resource, scope, &rec.attributes)
    }

    pub(super) fn metric(&self, resource: Option<&Resource>, name: &str) -> bool {
        if self.metric_names.as_ref().is_some_and(|n| !n.matches(name)) {
            return false;
        }
        self.common(resource, None, &[])
    }
}

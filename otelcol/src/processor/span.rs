//! `otelcol.processor.span`: renames spans from their attributes, extracts
//! attributes from span names, and sets span status, for the spans the
//! optional `include` / `exclude` filters select (upstream's
//! `spanprocessor`).

use std::sync::Arc;
use std::time::Instant;

use opentelemetry_proto::tonic::trace::v1::{status, Span, Status};
use regex::Regex;

use crate::consumer::{Consumer, Outputs};
use crate::error::{ConfigError, ConsumeError, ShutdownError};
use crate::pdata::{ConsumeFuture, Logs, Metrics, Signal, SignalKind, Traces};
use crate::processor::attributes::action::as_string;
use crate::processor::attributes::matcher::Matcher;
use crate::processor::attributes::MatchConfig;
use crate::telemetry::{ProcessorObs, Registry};

/// `name > to_attributes`.
#[derive(Debug, Clone, Default)]
pub struct ToAttributes {
    pub rules: Vec<String>,
    pub break_after_match: bool,
    pub keep_original_name: bool,
}

/// `status`.
#[derive(Debug, Clone)]
pub struct StatusConfig {
    /// `Ok`, `Error` or `Unset`.
    pub code: String,
    pub description: String,
}

#[derive(Debug, Clone, Default)]
pub struct SpanConfig {
    pub include: Option<MatchConfig>,
    pub exclude: Option<MatchConfig>,
    /// `name > from_attributes` (empty: not set).
    pub from_attributes: Vec<String>,
    pub separator: String,
    pub to_attributes: Option<ToAttributes>,
    pub status: Option<StatusConfig>,
}

struct Rule {
    re: Regex,
    names: Vec<String>,
}

/// The `otelcol.processor.span` component.
pub struct SpanProcessor {
    include: Option<Matcher>,
    exclude: Option<Matcher>,
    from_attributes: Vec<String>,
    separator: String,
    rules: Vec<Rule>,
    break_after_match: bool,
    keep_original_name: bool,
    status: Option<(i32, String)>,
    outputs: Outputs,
    obs: ProcessorObs,
}

impl SpanProcessor {
    pub fn new(
        component_id: &str,
        cfg: SpanConfig,
        outputs: Outputs,
        registry: &Registry,
    ) -> Result<Arc<Self>, ConfigError> {
        if cfg.from_attributes.is_empty() && cfg.to_attributes.is_none() && cfg.status.is_none() {
            return Err(ConfigError::invalid(
                "name",
                "either \"from_attributes\" or \"to_attributes\" must be specified in \"name\" or \"status\" must be specified",
            ));
        }
        let to = cfg.to_attributes.clone().unwrap_or_default();
        let rules = to
            .rules
            .iter()
            .map(|r| {
                let re = Regex::new(r).map_err(|e| {
                    ConfigError::invalid(
                        "name.to_attributes.rules",
                        format!("invalid regexp pattern {r}: {e}"),
                    )
                })?;
                let names = re
                    .capture_names()
                    .skip(1)
                    .map(|n| {
                        n.map(str::to_owned).ok_or_else(|| {
                            ConfigError::invalid(
                                "name.to_attributes.rules",
                                format!("rule {r:?} has unnamed subexpressions"),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Rule { re, names })
            })
            .collect::<Result<_, ConfigError>>()?;
        let status = cfg
            .status
            .as_ref()
            .map(|s| {
                let code = match s.code.as_str() {
                    "Ok" => status::StatusCode::Ok,
                    "Error" => status::StatusCode::Error,
                    "Unset" => status::StatusCode::Unset,
                    other => {
                        return Err(ConfigError::invalid(
                            "status.code",
                            format!("set_status code {other:?} is invalid, it must be one of Ok, Error or Unset"),
                        ))
                    }
                };
                if !s.description.is_empty() && code != status::StatusCode::Error {
                    return Err(ConfigError::invalid(
                        "status.description",
                        "set_status description should only be used with the Error status code",
                    ));
                }
                Ok((code as i32, s.description.clone()))
            })
            .transpose()?;
        Ok(Arc::new(Self {
            include: cfg
                .include
                .as_ref()
                .map(|m| Matcher::new(m, SignalKind::Traces, "include"))
                .transpose()?,
            exclude: cfg
                .exclude
                .as_ref()
                .map(|m| Matcher::new(m, SignalKind::Traces, "exclude"))
                .transpose()?,
            from_attributes: cfg.from_attributes,
            separator: cfg.separator,
            rules,
            break_after_match: to.break_after_match,
            keep_original_name: to.keep_original_name,
            status,
            outputs,
            obs: ProcessorObs::new(
                registry,
                &format!("span/{component_id}"),
                SignalKind::Traces,
            ),
        }))
    }

    pub async fn shutdown(&self, _deadline: Instant) -> Result<(), ShutdownError> {
        Ok(())
    }

    /// The new name from attribute values, if every attribute is present.
    fn name_from_attributes(&self, span: &Span) -> Option<String> {
        if self.from_attributes.is_empty() {
            return None;
        }
        let mut parts = Vec::with_capacity(self.from_attributes.len());
        for key in &self.from_attributes {
            let v = span.attributes.iter().find(|kv| kv.key == *key)?;
            parts.push(v.value.as_ref().map(as_string).unwrap_or_default());
        }
        Some(parts.join(&self.separator))
    }

    fn to_attributes(&self, span: &mut Span) {
        for rule in &self.rules {
            let Some(caps) = rule.re.captures(&span.name) else {
                continue;
            };
            let old = span.name.clone();
            let mut renamed = String::with_capacity(old.len());
            let mut at = 0;
            for (i, name) in rule.names.iter().enumerate() {
                let Some(m) = caps.get(i + 1) else { continue };
                super::upsert_str(&mut span.attributes, name, m.as_str().to_owned());
                renamed.push_str(&old[at..m.start()]);
                renamed.push('{');
                renamed.push_str(name);
                renamed.push('}');
                at = m.end();
            }
            renamed.push_str(&old[at..]);
            if !self.keep_original_name {
                span.name = renamed;
            }
            if self.break_after_match {
                break;
            }
        }
    }

    fn process(&self, data: &mut Traces) {
        for rs in &mut data.resource_spans {
            for ss in &mut rs.scope_spans {
                for span in &mut ss.spans {
                    let selected =
                        self.include
                            .as_ref()
                            .is_none_or(|m| m.span(rs.resource.as_ref(), ss.scope.as_ref(), span))
                            && !self.exclude.as_ref().is_some_and(|m| {
                                m.span(rs.resource.as_ref(), ss.scope.as_ref(), span)
                            });
                    if !selected {
                        continue;
                    }
                    if let Some(name) = self.name_from_attributes(span) {
                        span.name = name;
                    }
                    self.to_attributes(span);
                    if let Some((code, description)) = &self.status {
                        span.status = Some(Status {
                            code: *code,
                            message: description.clone(),
                        });
                    }
                }
            }
        }
    }
}

impl Consumer for SpanProcessor {
    fn consume_traces(&self, mut data: Traces) -> ConsumeFuture<'_> {
        Box::pin(async move {
            data.decode_in_place()?;
            self.process(&mut data);
            let n = data.item_count() as u64;
            self.obs.incoming.inc_by(n);
            self.outputs.traces.consume(data).await?;
            self.obs.outgoing.inc_by(n);
            Ok(())
        })
    }
    fn consume_metrics(&self, _data: Metrics) -> ConsumeFuture<'_> {
        Box::pin(std::future::ready(Err(ConsumeError::permanent(
            "otelcol.processor.span does not accept metrics",
        ))))
    }
    fn consume_logs(&self, _data: Logs) -> ConsumeFuture<'_> {
        Box::pin(std::future::ready(Err(ConsumeError::permanent(
            "otelcol.processor.span does not accept logs",
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processor::attributes::MatchType;
    use crate::testing::{kv_int, kv_str, Sink};
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans};

    fn one(span: Span) -> Traces {
        Traces::new(vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![span],
                ..Default::default()
            }],
            ..Default::default()
        }])
    }

    async fn run(cfg: SpanConfig, span: Span) -> Span {
        let sink = Arc::new(Sink::new());
        let p = SpanProcessor::new("t", cfg, Outputs::all(vec![sink.clone()]), &Registry::new())
            .expect("valid");
        p.consume_traces(one(span)).await.expect("ok");
        let got =
            sink.traces.lock().expect("lock")[0].resource_spans[0].scope_spans[0].spans[0].clone();
        got
    }

    #[tokio::test]
    async fn renames_from_attributes_only_when_all_are_present() {
        let cfg = SpanConfig {
            from_attributes: vec!["db.svc".into(), "operation".into(), "id".into()],
            separator: "::".into(),
            ..Default::default()
        };
        let span = Span {
            name: "x".into(),
            attributes: vec![
                kv_str("db.svc", "location"),
                kv_str("operation", "get"),
                kv_int("id", 1234),
            ],
            ..Default::default()
        };
        assert_eq!(
            run(cfg.clone(), span.clone()).await.name,
            "location::get::1234"
        );
        let mut partial = span;
        partial.attributes.pop();
        assert_eq!(run(cfg, partial).await.name, "x");
    }

    #[tokio::test]
    async fn extracts_attributes_from_the_name() {
        let cfg = SpanConfig {
            to_attributes: Some(ToAttributes {
                rules: vec![r"^/api/v1/document/(?P<documentId>.*)/update$".into()],
                ..Default::default()
            }),
            ..Default::default()
        };
        let span = Span {
            name: "/api/v1/document/12345678/update".into(),
            ..Default::default()
        };
        let got = run(cfg, span).await;
        assert_eq!(got.name, "/api/v1/document/{documentId}/update");
        assert_eq!(got.attributes, vec![kv_str("documentId", "12345678")]);
    }

    #[tokio::test]
    async fn sets_status_for_included_spans_only() {
        let cfg = SpanConfig {
            status: Some(StatusConfig {
                code: "Error".into(),
                description: "bad".into(),
            }),
            include: Some(MatchConfig {
                match_type: MatchType::Strict,
                span_names: vec!["checkout".into()],
                ..Default::default()
            }),
            ..Default::default()
        };
        let got = run(
            cfg.clone(),
            Span {
                name: "checkout".into(),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(
            got.status.map(|s| (s.code, s.message)),
            Some((2, "bad".into()))
        );
        let other = run(
            cfg,
            Span {
                name: "browse".into(),
                ..Default::default()
            },
        )
        .await;
        assert!(other.status.is_none());
    }

    #[test]
    fn refuses_empty_config_bad_status_and_unnamed_groups() {
        let bad = |cfg: SpanConfig| {
            SpanProcessor::new("t", cfg, Outputs::default(), &Registry::new())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(bad(SpanConfig::default()).contains("must be specified"));
        assert!(bad(SpanConfig {
            status: Some(StatusConfig {
                code: "Ok".into(),
                description: "x".into()
            }),
            ..Default::default()
        })
        .contains("only be used with the Error"));
        assert!(bad(SpanConfig {
            to_attributes: Some(ToAttributes {
                rules: vec!["(.*)".into()],
                ..Default::default()
            }),
            ..Default::default()
        })
        .contains("unnamed"));
    }
}

//! `otelcol.processor.resourcedetection`: adds attributes describing where
//! the process runs (environment variable, host, cloud instance) to the
//! resource of every span, data point and log record that passes.
//!
//! Detection runs once, when the component starts, bounded by `timeout`;
//! its result is merged into each batch's resources (`override` decides
//! whether detected values replace attributes already present). Detectors
//! are tried in the order given and the first one to set an attribute wins,
//! as upstream. A detector that fails is skipped with a warning unless
//! `fail_on_missing_metadata` asks for a failed start.
//!
//! Detectors here: `env`, `system`, and the cloud detectors that answer
//! from an instance metadata endpoint (`ec2`, `gcp`, `azure`); every other
//! detector name upstream knows is refused by name at construction.

mod cloud;
mod env;
mod system;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::resource::v1::Resource;

use crate::consumer::{Consumer, Outputs};
use crate::error::{ConfigError, ShutdownError, StartError};
use crate::pdata::{ConsumeFuture, Logs, Metrics, Signal, SignalKind, Traces};
use crate::telemetry::{Counter, ProcessorObs, Registry};

pub use cloud::{AzureConfig, Ec2Config, GcpConfig, MetadataEndpoints};
pub use env::parse_resource_attributes;
pub use system::{SystemConfig, SystemFacts};

/// Detector names upstream accepts that this processor does not implement.
pub const UNSUPPORTED_DETECTORS: &[&str] = &[
    "ecs",
    "eks",
    "elasticbeanstalk",
    "lambda",
    "aks",
    "akamai",
    "consul",
    "docker",
    "digitalocean",
    "heroku",
    "hetzner",
    "openshift",
    "kubernetes_node",
    "kubeadm",
    "dynatrace",
    "nova",
    "oraclecloud",
    "scaleway",
    "upcloud",
    "vultr",
    "tencent_cvm",
    "alibaba_ecs",
];

/// Per-attribute switches of a detector's `resource_attributes` block; an
/// attribute absent here keeps the detector's default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttributeToggles(pub BTreeMap<String, bool>);

impl AttributeToggles {
    pub fn enabled(&self, name: &str, default: bool) -> bool {
        self.0.get(name).copied().unwrap_or(default)
    }
}

/// A detector in the order the user listed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detector {
    Env,
    System,
    Ec2,
    Gcp,
    Azure,
}

impl Detector {
    pub fn parse(name: &str) -> Result<Detector, ConfigError> {
        Ok(match name {
            "env" => Detector::Env,
            "system" => Detector::System,
            "ec2" => Detector::Ec2,
            "gcp" => Detector::Gcp,
            "azure" => Detector::Azure,
            other if UNSUPPORTED_DETECTORS.contains(&other) => {
                return Err(ConfigError::invalid(
                    "detectors",
                    format!("detector {other:?} is not supported yet"),
                ))
            }
            other => {
                return Err(ConfigError::invalid(
                    "detectors",
                    format!("unknown detector {other:?}"),
                ))
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Detector::Env => "env",
            Detector::System => "system",
            Detector::Ec2 => "ec2",
            Detector::Gcp => "gcp",
            Detector::Azure => "azure",
        }
    }
}

/// The component's arguments.
#[derive(Clone, Debug)]
pub struct ResourceDetectionConfig {
    pub detectors: Vec<String>,
    pub override_existing: bool,
    pub timeout: Duration,
    pub fail_on_missing_metadata: bool,
    pub system: SystemConfig,
    pub ec2: Ec2Config,
    pub gcp: GcpConfig,
    pub azure: AzureConfig,
    /// Where the cloud detectors ask (tests point them at 127.0.0.1).
    pub endpoints: MetadataEndpoints,
    /// The value of `OTEL_RESOURCE_ATTRIBUTES` for the `env` detector;
    /// `None` reads the process environment.
    pub env_override: Option<String>,
}

impl Default for ResourceDetectionConfig {
    fn default() -> Self {
        ResourceDetectionConfig {
            detectors: vec!["env".into()],
            override_existing: true,
            timeout: Duration::from_secs(5),
            fail_on_missing_metadata: false,
            system: SystemConfig::default(),
            ec2: Ec2Config::default(),
            gcp: GcpConfig::default(),
            azure: AzureConfig::default(),
            endpoints: MetadataEndpoints::default(),
            env_override: None,
        }
    }
}

/// Why a detector found nothing.
pub type DetectError = String;

/// Runs `detector` with `cfg`, giving its attributes in order.
async fn run_detector(
    detector: Detector,
    cfg: &ResourceDetectionConfig,
    deadline: Instant,
) -> Result<Vec<KeyValue>, DetectError> {
    match detector {
        Detector::Env => {
            let raw = match &cfg.env_override {
                Some(v) => Some(v.clone()),
                None => std::env::var("OTEL_RESOURCE_ATTRIBUTES").ok(),
            };
            match raw {
                Some(raw) => env::parse_resource_attributes(&raw),
                None => Ok(Vec::new()),
            }
        }
        Detector::System => system::detect(&cfg.system, &SystemFacts::from_host()),
        Detector::Ec2 => cloud::ec2(&cfg.ec2, &cfg.endpoints, deadline).await,
        Detector::Gcp => cloud::gcp(&cfg.gcp, &cfg.endpoints, deadline).await,
        Detector::Azure => cloud::azure(&cfg.azure, &cfg.endpoints, deadline).await,
    }
}

/// Puts `from` into `into`; existing keys are replaced only with `replace`.
pub fn merge_attributes(into: &mut Vec<KeyValue>, from: &[KeyValue], replace: bool) {
    for kv in from {
        match into.iter_mut().find(|a| a.key == kv.key) {
            Some(existing) if replace => *existing = kv.clone(),
            Some(_) => {}
            None => into.push(kv.clone()),
        }
    }
}

/// The `otelcol.processor.resourcedetection` component.
pub struct ResourceDetectionProcessor {
    cfg: ResourceDetectionConfig,
    detectors: Vec<Detector>,
    detected: RwLock<Option<Arc<Vec<KeyValue>>>>,
    outputs: Outputs,
    obs: [ProcessorObs; 3],
    failures: Vec<Counter>,
}

impl ResourceDetectionProcessor {
    pub fn new(
        component_id: &str,
        cfg: ResourceDetectionConfig,
        outputs: Outputs,
        registry: &Registry,
    ) -> Result<Arc<Self>, ConfigError> {
        let detectors = cfg
            .detectors
            .iter()
            .map(|d| Detector::parse(d))
            .collect::<Result<Vec<_>, _>>()?;
        system::validate(&cfg.system)?;
        cloud::validate(&cfg)?;
        if cfg.timeout.is_zero() {
            return Err(ConfigError::invalid("timeout", "must be greater than zero"));
        }
        let label = format!("resourcedetection/{component_id}");
        let failures = detectors
            .iter()
            .map(|d| {
                registry.int_counter(
                    "otelcol_processor_resourcedetection_detector_failures_total",
                    "Detectors that found nothing when the component started.",
                    &[("detector", d.name())],
                )
            })
            .collect();
        Ok(Arc::new(ResourceDetectionProcessor {
            cfg,
            detectors,
            detected: RwLock::new(None),
            outputs,
            obs: [
                ProcessorObs::new(registry, &label, SignalKind::Traces),
                ProcessorObs::new(registry, &label, SignalKind::Metrics),
                ProcessorObs::new(registry, &label, SignalKind::Logs),
            ],
            failures,
        }))
    }

    /// Runs every detector within `timeout`. Fails only when a detector
    /// found nothing and `fail_on_missing_metadata` is set (top level or
    /// the detector's own).
    pub async fn start(&self) -> Result<(), StartError> {
        let deadline = Instant::now() + self.cfg.timeout;
        let mut attrs: Vec<KeyValue> = Vec::new();
        for (i, d) in self.detectors.iter().enumerate() {
            let left = deadline.saturating_duration_since(Instant::now());
            let result =
                match tokio::time::timeout(left, run_detector(*d, &self.cfg, deadline)).await {
                    Ok(r) => r,
                    Err(_) => Err(format!("timed out after {:?}", self.cfg.timeout)),
                };
            match result {
                Ok(found) => merge_attributes(&mut attrs, &found, false),
                Err(e) => {
                    self.failures[i].inc();
                    let fail = self.cfg.fail_on_missing_metadata
                        || (*d == Detector::Ec2 && self.cfg.ec2.fail_on_missing_metadata);
                    if fail {
                        return Err(StartError::Config(ConfigError::invalid(
                            "detectors",
                            format!("detector {:?} failed: {e}", d.name()),
                        )));
                    }
                    tracing::warn!(detector = d.name(), error = %e, "resource detection failed; continuing without it");
                }
            }
        }
        *self.detected.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(attrs));
        Ok(())
    }

    /// What detection found (`None` before `start`).
    pub fn detected(&self) -> Option<Arc<Vec<KeyValue>>> {
        self.detected
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub async fn shutdown(&self, _deadline: Instant) -> Result<(), ShutdownError> {
        Ok(())
    }

    fn apply(&self, resource: &mut Option<Resource>, found: &[KeyValue]) {
        let r = resource.get_or_insert_with(Resource::default);
        merge_attributes(&mut r.attributes, found, self.cfg.override_existing);
    }

    async fn forward<S: Signal>(&self, data: S) -> Result<(), crate::ConsumeError> {
        let n = data.item_count() as u64;
        let obs = &self.obs[S::KIND as usize];
        obs.incoming.inc_by(n);
        self.outputs.for_signal(S::KIND).consume(data).await?;
        obs.outgoing.inc_by(n);
        Ok(())
    }
}

impl Consumer for ResourceDetectionProcessor {
    fn consume_traces(&self, mut data: Traces) -> ConsumeFuture<'_> {
        if let Some(found) = self.detected().filter(|f| !f.is_empty()) {
            if let Err(e) = data.decode_in_place() {
                return Box::pin(async move { Err(e) });
            }
            for rs in &mut data.resource_spans {
                self.apply(&mut rs.resource, &found);
            }
        }
        Box::pin(self.forward(data))
    }

    fn consume_metrics(&self, mut data: Metrics) -> ConsumeFuture<'_> {
        if let Some(found) = self.detected().filter(|f| !f.is_empty()) {
            for rm in &mut data.resource_metrics {
                self.apply(&mut rm.resource, &found);
            }
        }
        Box::pin(self.forward(data))
    }

    fn consume_logs(&self, mut data: Logs) -> ConsumeFuture<'_> {
        if let Some(found) = self.detected().filter(|f| !f.is_empty()) {
            for rl in &mut data.resource_logs {
                self.apply(&mut rl.resource, &found);
            }
        }
        Box::pin(self.forward(data))
    }

    fn has_capacity(&self, kind: SignalKind) -> bool {
        self.outputs.for_signal(kind).has_capacity(kind)
    }
}

#[cfg(test)]
mod tests;

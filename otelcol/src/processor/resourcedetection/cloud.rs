//! The cloud detectors that answer from an instance metadata endpoint:
//! `ec2` (IMDSv2 with an IMDSv1 fallback), `gcp` (Compute Engine) and
//! `azure` (IMDS compute document).
//!
//! Every request is bounded by the processor's deadline, so a host outside
//! the cloud (the usual case on a laptop) costs at most `timeout`. The base
//! URLs are configuration ([`MetadataEndpoints`]) so tests run a fake
//! endpoint on 127.0.0.1.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry_proto::tonic::common::v1::KeyValue;

use super::env::string_kv;
use super::{AttributeToggles, DetectError, ResourceDetectionConfig};
use crate::error::ConfigError;

/// Base URLs of the metadata services.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataEndpoints {
    pub ec2: String,
    pub gcp: String,
    pub azure: String,
}

impl Default for MetadataEndpoints {
    fn default() -> Self {
        MetadataEndpoints {
            ec2: "http://169.254.169.254".into(),
            gcp: "http://metadata.google.internal".into(),
            azure: "http://169.254.169.254".into(),
        }
    }
}

/// The `ec2` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ec2Config {
    pub tags: Vec<String>,
    pub max_attempts: u32,
    pub max_backoff: Duration,
    pub tags_from_imds: bool,
    pub fail_on_missing_metadata: bool,
    pub resource_attributes: AttributeToggles,
}

impl Default for Ec2Config {
    fn default() -> Self {
        Ec2Config {
            tags: Vec::new(),
            max_attempts: 3,
            max_backoff: Duration::from_secs(20),
            tags_from_imds: false,
            fail_on_missing_metadata: false,
            resource_attributes: AttributeToggles::default(),
        }
    }
}

/// The `gcp` block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcpConfig {
    pub resource_attributes: AttributeToggles,
}

/// The `azure` block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AzureConfig {
    /// Regular expressions selecting the VM tags reported as
    /// `azure.tag.<name>`.
    pub tags: Vec<String>,
    pub resource_attributes: AttributeToggles,
}

const EC2_ATTRIBUTES: &[&str] = &[
    "cloud.account.id",
    "cloud.availability_zone",
    "cloud.platform",
    "cloud.provider",
    "cloud.region",
    "host.id",
    "host.image.id",
    "host.name",
    "host.type",
];

const GCP_ATTRIBUTES: &[(&str, bool)] = &[
    ("cloud.account.id", true),
    ("cloud.availability_zone", true),
    ("cloud.platform", true),
    ("cloud.provider", true),
    ("cloud.region", true),
    ("host.id", true),
    ("host.name", true),
    ("host.type", true),
    ("gcp.gce.instance.hostname", false),
    ("gcp.gce.instance.name", false),
];

/// Attributes of the `gcp` block that belong to other Google platforms
/// (Cloud Run, Cloud Functions, GKE, managed instance groups); on a Compute
/// Engine instance they are absent, as upstream.
const GCP_OTHER_PLATFORM_ATTRIBUTES: &[&str] = &[
    "faas.id",
    "faas.instance",
    "faas.name",
    "faas.version",
    "gcp.cloud_run.job.execution",
    "gcp.cloud_run.job.task_index",
    "gcp.gce.instance.group_manager.name",
    "gcp.gce.instance.group_manager.region",
    "gcp.gce.instance.group_manager.zone",
    "k8s.cluster.name",
];

const AZURE_ATTRIBUTES: &[&str] = &[
    "azure.resourcegroup.name",
    "azure.vm.name",
    "azure.vm.scaleset.name",
    "azure.vm.size",
    "cloud.account.id",
    "cloud.platform",
    "cloud.provider",
    "cloud.region",
    "cloud.availability_zone",
    "host.id",
    "host.name",
];

fn check_names(block: &str, toggles: &AttributeToggles, known: &[&str]) -> Result<(), ConfigError> {
    for name in toggles.0.keys() {
        if !known.contains(&name.as_str()) {
            return Err(ConfigError::invalid(
                format!("{block}.resource_attributes"),
                format!("unknown attribute {name:?}"),
            ));
        }
    }
    Ok(())
}

pub(super) fn validate(cfg: &ResourceDetectionConfig) -> Result<(), ConfigError> {
    if !cfg.ec2.tags.is_empty() {
        return Err(ConfigError::invalid(
            "ec2.tags",
            "reading tags through the EC2 API is not supported yet (set tags_from_imds = true to read them from the instance metadata)",
        ));
    }
    if cfg.ec2.max_attempts == 0 {
        return Err(ConfigError::invalid(
            "ec2.max_attempts",
            "must be at least 1",
        ));
    }
    check_names("ec2", &cfg.ec2.resource_attributes, EC2_ATTRIBUTES)?;
    let gcp_known: Vec<&str> = GCP_ATTRIBUTES
        .iter()
        .map(|(n, _)| *n)
        .chain(GCP_OTHER_PLATFORM_ATTRIBUTES.iter().copied())
        .collect();
    check_names("gcp", &cfg.gcp.resource_attributes, &gcp_known)?;
    check_names("azure", &cfg.azure.resource_attributes, AZURE_ATTRIBUTES)?;
    for t in &cfg.azure.tags {
        regex::Regex::new(t).map_err(|e| {
            ConfigError::invalid(
                "azure.tags",
                format!("invalid regular expression {t:?}: {e}"),
            )
        })?;
    }
    Ok(())
}

/// One metadata request: status and body.
async fn fetch(
    method: http::Method,
    url: &str,
    headers: &[(&str, &str)],
    deadline: Instant,
) -> Result<(u16, String), DetectError> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let mut req = http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Empty::new()).map_err(|e| format!("{url}: {e}"))?;
    let left = deadline.saturating_duration_since(Instant::now());
    let work = async {
        let resp = client
            .request(req)
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("{url}: {e}"))?
            .to_bytes();
        if body.len() > 1 << 20 {
            return Err(format!("{url}: metadata answer larger than 1 MiB"));
        }
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    };
    match tokio::time::timeout(left, work).await {
        Ok(r) => r,
        Err(_) => Err(format!("{url}: no answer before the detection timeout")),
    }
}

/// A GET that must answer 200.
async fn get_ok(
    url: &str,
    headers: &[(&str, &str)],
    deadline: Instant,
) -> Result<String, DetectError> {
    let (status, body) = fetch(http::Method::GET, url, headers, deadline).await?;
    if status != 200 {
        return Err(format!("{url}: status {status}"));
    }
    Ok(body)
}

struct Out<'a> {
    kvs: Vec<KeyValue>,
    toggles: &'a AttributeToggles,
}

impl Out<'_> {
    fn put(&mut self, name: &str, value: &str, default: bool) {
        if !value.is_empty() && self.toggles.enabled(name, default) {
            self.kvs.push(string_kv(name, value));
        }
    }
}

fn json_str<'a>(doc: &'a serde_json::Value, key: &str) -> &'a str {
    doc.get(key)
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
}

pub(super) async fn ec2(
    cfg: &Ec2Config,
    ep: &MetadataEndpoints,
    deadline: Instant,
) -> Result<Vec<KeyValue>, DetectError> {
    let base = ep.ec2.trim_end_matches('/');
    let mut backoff = Duration::from_millis(100);
    let mut last_err = String::new();
    for attempt in 0..cfg.max_attempts {
        if attempt > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left <= backoff {
                break;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(cfg.max_backoff);
        }
        match ec2_once(cfg, base, deadline).await {
            Ok(kvs) => return Ok(kvs),
            Err(e) => last_err = e,
        }
    }
    Err(last_err)
}

async fn ec2_once(
    cfg: &Ec2Config,
    base: &str,
    deadline: Instant,
) -> Result<Vec<KeyValue>, DetectError> {
    // IMDSv2 token; an endpoint without tokens (IMDSv1) answers the reads
    // without one.
    let token = match fetch(
        http::Method::PUT,
        &format!("{base}/latest/api/token"),
        &[("X-aws-ec2-metadata-token-ttl-seconds", "21600")],
        deadline,
    )
    .await?
    {
        (200, body) => Some(body.trim().to_owned()),
        _ => None,
    };
    let headers: Vec<(&str, &str)> = token
        .as_deref()
        .map(|t| vec![("X-aws-ec2-metadata-token", t)])
        .unwrap_or_default();
    let doc = get_ok(
        &format!("{base}/latest/dynamic/instance-identity/document"),
        &headers,
        deadline,
    )
    .await?;
    let doc: serde_json::Value = serde_json::from_str(&doc)
        .map_err(|e| format!("EC2 identity document is not JSON: {e}"))?;
    let hostname = get_ok(
        &format!("{base}/latest/meta-data/hostname"),
        &headers,
        deadline,
    )
    .await?;
    let mut out = Out {
        kvs: Vec::new(),
        toggles: &cfg.resource_attributes,
    };
    out.put("cloud.provider", "aws", true);
    out.put("cloud.platform", "aws_ec2", true);
    out.put("cloud.region", json_str(&doc, "region"), true);
    out.put("cloud.account.id", json_str(&doc, "accountId"), true);
    out.put(
        "cloud.availability_zone",
        json_str(&doc, "availabilityZone"),
        true,
    );
    out.put("host.id", json_str(&doc, "instanceId"), true);
    out.put("host.image.id", json_str(&doc, "imageId"), true);
    out.put("host.type", json_str(&doc, "instanceType"), true);
    out.put("host.name", hostname.trim(), true);
    if cfg.tags_from_imds {
        let keys = get_ok(
            &format!("{base}/latest/meta-data/tags/instance"),
            &headers,
            deadline,
        )
        .await?;
        for key in keys.lines().map(str::trim).filter(|k| !k.is_empty()) {
            let value = get_ok(
                &format!("{base}/latest/meta-data/tags/instance/{key}"),
                &headers,
                deadline,
            )
            .await?;
            out.kvs
                .push(string_kv(&format!("ec2.tag.{key}"), value.trim()));
        }
    }
    Ok(out.kvs)
}

pub(super) async fn gcp(
    cfg: &GcpConfig,
    ep: &MetadataEndpoints,
    deadline: Instant,
) -> Result<Vec<KeyValue>, DetectError> {
    let base = format!("{}/computeMetadata/v1", ep.gcp.trim_end_matches('/'));
    let h = [("Metadata-Flavor", "Google")];
    let project = get_ok(&format!("{base}/project/project-id"), &h, deadline).await?;
    let id = get_ok(&format!("{base}/instance/id"), &h, deadline).await?;
    let zone_path = get_ok(&format!("{base}/instance/zone"), &h, deadline).await?;
    let machine = get_ok(&format!("{base}/instance/machine-type"), &h, deadline).await?;
    let hostname = get_ok(&format!("{base}/instance/hostname"), &h, deadline).await?;
    let name = get_ok(&format!("{base}/instance/name"), &h, deadline).await?;
    let zone = zone_path.trim().rsplit('/').next().unwrap_or("");
    let region = zone.rsplit_once('-').map_or("", |(r, _)| r);
    let machine = machine.trim().rsplit('/').next().unwrap_or("");
    let mut out = Out {
        kvs: Vec::new(),
        toggles: &cfg.resource_attributes,
    };
    out.put("cloud.provider", "gcp", true);
    out.put("cloud.platform", "gcp_compute_engine", true);
    out.put("cloud.account.id", project.trim(), true);
    out.put("cloud.region", region, true);
    out.put("cloud.availability_zone", zone, true);
    out.put("host.id", id.trim(), true);
    out.put("host.name", name.trim(), true);
    out.put("host.type", machine, true);
    out.put("gcp.gce.instance.hostname", hostname.trim(), false);
    out.put("gcp.gce.instance.name", name.trim(), false);
    Ok(out.kvs)
}

pub(super) async fn azure(
    cfg: &AzureConfig,
    ep: &MetadataEndpoints,
    deadline: Instant,
) -> Result<Vec<KeyValue>, DetectError> {
    let url = format!(
        "{}/metadata/instance/compute?api-version=2020-09-01&format=json",
        ep.azure.trim_end_matches('/')
    );
    let body = get_ok(&url, &[("Metadata", "true")], deadline).await?;
    let doc: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| format!("Azure compute metadata is not JSON: {e}"))?;
    let mut out = Out {
        kvs: Vec::new(),
        toggles: &cfg.resource_attributes,
    };
    out.put("cloud.provider", "azure", true);
    out.put("cloud.platform", "azure_vm", true);
    out.put("host.name", json_str(&doc, "name"), true);
    out.put("cloud.region", json_str(&doc, "location"), true);
    out.put("host.id", json_str(&doc, "vmId"), true);
    out.put("cloud.account.id", json_str(&doc, "subscriptionId"), true);
    out.put("cloud.availability_zone", json_str(&doc, "zone"), true);
    out.put("azure.vm.name", json_str(&doc, "name"), true);
    out.put("azure.vm.size", json_str(&doc, "vmSize"), true);
    out.put(
        "azure.vm.scaleset.name",
        json_str(&doc, "vmScaleSetName"),
        true,
    );
    out.put(
        "azure.resourcegroup.name",
        json_str(&doc, "resourceGroupName"),
        true,
    );
    if !cfg.tags.is_empty() {
        let patterns: Vec<regex::Regex> = cfg
            .tags
            .iter()
            .filter_map(|t| regex::Regex::new(t).ok())
            .collect();
        for tag in doc
            .get("tagsList")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = json_str(tag, "name");
            if !name.is_empty() && patterns.iter().any(|p| p.is_match(name)) {
                out.kvs.push(string_kv(
                    &format!("azure.tag.{name}"),
                    json_str(tag, "value"),
                ));
            }
        }
    }
    Ok(out.kvs)
}

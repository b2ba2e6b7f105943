//! The `system` detector: host name (from the configured sources, in
//! order), OS type and, when switched on, host id, architecture, OS and CPU
//! descriptions. Facts are read once into [`SystemFacts`] so tests can
//! supply their own host.

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};

use super::env::string_kv;
use super::{AttributeToggles, DetectError};
use crate::error::ConfigError;

/// Attributes this detector can report, with upstream's defaults.
const ATTRIBUTES: &[(&str, bool)] = &[
    ("host.name", true),
    ("os.type", true),
    ("host.id", false),
    ("host.arch", false),
    ("os.description", false),
    ("os.name", false),
    ("os.version", false),
    ("host.cpu.vendor.id", false),
    ("host.cpu.family", false),
    ("host.cpu.model.id", false),
    ("host.cpu.model.name", false),
    ("host.cpu.stepping", false),
    ("host.cpu.cache.l2.size", false),
];

/// Attributes upstream knows that are not read here; enabling one fails the
/// component by name.
const UNSUPPORTED_ATTRIBUTES: &[&str] = &["host.ip", "host.mac", "host.interface", "os.build.id"];

/// The `system` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemConfig {
    pub hostname_sources: Vec<String>,
    pub resource_attributes: AttributeToggles,
}

impl Default for SystemConfig {
    fn default() -> Self {
        SystemConfig {
            hostname_sources: vec!["dns".into(), "os".into()],
            resource_attributes: AttributeToggles::default(),
        }
    }
}

pub(super) fn validate(cfg: &SystemConfig) -> Result<(), ConfigError> {
    for source in &cfg.hostname_sources {
        match source.as_str() {
            "dns" | "os" => {}
            "cname" | "lookup" => {
                return Err(ConfigError::invalid(
                    "system.hostname_sources",
                    format!("hostname source {source:?} is not supported yet"),
                ))
            }
            other => {
                return Err(ConfigError::invalid(
                    "system.hostname_sources",
                    format!("invalid hostname source {other:?}"),
                ))
            }
        }
    }
    for (name, enabled) in &cfg.resource_attributes.0 {
        if *enabled && UNSUPPORTED_ATTRIBUTES.contains(&name.as_str()) {
            return Err(ConfigError::invalid(
                "system.resource_attributes",
                format!("attribute {name:?} is not supported yet"),
            ));
        }
        if !UNSUPPORTED_ATTRIBUTES.contains(&name.as_str())
            && !ATTRIBUTES.iter().any(|(n, _)| n == name)
        {
            return Err(ConfigError::invalid(
                "system.resource_attributes",
                format!("unknown attribute {name:?}"),
            ));
        }
    }
    Ok(())
}

/// What the host says about itself.
#[derive(Clone, Debug, Default)]
pub struct SystemFacts {
    pub os_hostname: Option<String>,
    pub fqdn: Option<String>,
    pub machine_id: Option<String>,
    pub arch: String,
    pub os_type: String,
    pub os_description: Option<String>,
    pub os_name: Option<String>,
    pub os_version: Option<String>,
    pub cpu: Vec<(String, String)>,
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

impl SystemFacts {
    /// Reads the running host (Linux files; other systems get what `std`
    /// knows).
    pub fn from_host() -> SystemFacts {
        let os_hostname =
            read_trimmed("/proc/sys/kernel/hostname").or_else(|| std::env::var("HOSTNAME").ok());
        let fqdn = os_hostname.as_deref().and_then(|h| {
            std::fs::read_to_string("/etc/hosts")
                .ok()
                .and_then(|t| canonical_name(&t, h))
        });
        let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        let release_field = |key: &str| {
            os_release.lines().find_map(|l| {
                l.strip_prefix(key)
                    .and_then(|r| r.strip_prefix('='))
                    .map(|v| v.trim_matches('"').to_owned())
            })
        };
        let description = match (
            read_trimmed("/proc/sys/kernel/ostype"),
            read_trimmed("/proc/sys/kernel/osrelease"),
            read_trimmed("/proc/sys/kernel/version"),
        ) {
            (Some(t), Some(r), Some(v)) => Some(format!("{t} {r} {v}")),
            _ => None,
        };
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let first_cpu = cpuinfo.split("\n\n").next().unwrap_or("");
        let cpu = first_cpu
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        SystemFacts {
            os_hostname,
            fqdn,
            machine_id: read_trimmed("/etc/machine-id")
                .or_else(|| read_trimmed("/var/lib/dbus/machine-id")),
            arch: otel_arch(std::env::consts::ARCH).to_owned(),
            os_type: match std::env::consts::OS {
                "macos" => "darwin".to_owned(),
                other => other.to_owned(),
            },
            os_description: description,
            os_name: release_field("NAME"),
            os_version: release_field("VERSION_ID"),
            cpu,
        }
    }

    fn cpu_field(&self, key: &str) -> Option<&str> {
        self.cpu
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The canonical (first) name of the `/etc/hosts` line that lists `host`,
/// which is what a resolver's canonical-name lookup answers from files.
fn canonical_name(hosts: &str, host: &str) -> Option<String> {
    hosts.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or("");
        let mut fields = line.split_whitespace();
        let _addr = fields.next()?;
        let names: Vec<&str> = fields.collect();
        names.contains(&host).then(|| names[0].to_owned())
    })
}

/// OpenTelemetry's `host.arch` values for Rust's architecture names.
fn otel_arch(arch: &str) -> &str {
    match arch {
        "x86_64" => "amd64",
        "x86" => "x86",
        "aarch64" => "arm64",
        "arm" => "arm32",
        "powerpc" => "ppc32",
        "powerpc64" => "ppc64",
        "s390x" => "s390x",
        other => other,
    }
}

fn int_kv(key: &str, v: i64) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::IntValue(v)),
        }),
        ..Default::default()
    }
}

/// `cache size : 512 KB` in bytes.
fn cache_bytes(text: &str) -> Option<i64> {
    let mut parts = text.split_whitespace();
    let n: i64 = parts.next()?.parse().ok()?;
    Some(match parts.next() {
        Some("KB") => n * 1024,
        Some("MB") => n * 1024 * 1024,
        _ => n,
    })
}

pub(super) fn detect(
    cfg: &SystemConfig,
    facts: &SystemFacts,
) -> Result<Vec<KeyValue>, DetectError> {
    let on = |name: &str| {
        let default = ATTRIBUTES
            .iter()
            .find(|(n, _)| *n == name)
            .is_some_and(|(_, d)| *d);
        cfg.resource_attributes.enabled(name, default)
    };
    let mut out = Vec::new();
    let hostname = cfg.hostname_sources.iter().find_map(|s| match s.as_str() {
        "dns" => facts.fqdn.clone(),
        "os" => facts.os_hostname.clone(),
        _ => None,
    });
    let Some(hostname) = hostname else {
        return Err(format!(
            "failed to get host name from any of the sources {:?}",
            cfg.hostname_sources
        ));
    };
    if on("host.name") {
        out.push(string_kv("host.name", &hostname));
    }
    if on("os.type") {
        out.push(string_kv("os.type", &facts.os_type));
    }
    if on("host.id") {
        let id = facts
            .machine_id
            .as_deref()
            .ok_or("host.id: no machine id on this host")?;
        out.push(string_kv("host.id", id));
    }
    if on("host.arch") {
        out.push(string_kv("host.arch", &facts.arch));
    }
    let optional = [
        ("os.description", facts.os_description.as_deref()),
        ("os.name", facts.os_name.as_deref()),
        ("os.version", facts.os_version.as_deref()),
        ("host.cpu.vendor.id", facts.cpu_field("vendor_id")),
        ("host.cpu.family", facts.cpu_field("cpu family")),
        ("host.cpu.model.id", facts.cpu_field("model")),
        ("host.cpu.model.name", facts.cpu_field("model name")),
    ];
    for (name, value) in optional {
        if on(name) {
            if let Some(v) = value {
                out.push(string_kv(name, v));
            }
        }
    }
    if on("host.cpu.stepping") {
        if let Some(v) = facts.cpu_field("stepping").and_then(|s| s.parse().ok()) {
            out.push(int_kv("host.cpu.stepping", v));
        }
    }
    if on("host.cpu.cache.l2.size") {
        if let Some(v) = facts.cpu_field("cache size").and_then(cache_bytes) {
            out.push(int_kv("host.cpu.cache.l2.size", v));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> SystemFacts {
        SystemFacts {
            os_hostname: Some("box".into()),
            fqdn: Some("box.example.com".into()),
            machine_id: Some("abc123".into()),
            arch: "amd64".into(),
            os_type: "linux".into(),
            cpu: vec![
                ("vendor_id".into(), "GenuineIntel".into()),
                ("cache size".into(), "512 KB".into()),
            ],
            ..Default::default()
        }
    }

    fn keys(kvs: &[KeyValue]) -> Vec<String> {
        kvs.iter().map(|k| k.key.clone()).collect()
    }

    #[test]
    fn hostname_sources_in_order_and_defaults() {
        let cfg = SystemConfig::default();
        let kvs = detect(&cfg, &facts()).expect("detected");
        assert_eq!(keys(&kvs), vec!["host.name", "os.type"]);
        assert_eq!(kvs[0], string_kv("host.name", "box.example.com"));
        let os_first = SystemConfig {
            hostname_sources: vec!["os".into(), "dns".into()],
            ..Default::default()
        };
        assert_eq!(
            detect(&os_first, &facts()).expect("detected")[0],
            string_kv("host.name", "box")
        );
        let none = SystemFacts::default();
        assert!(detect(&cfg, &none).is_err());
    }

    #[test]
    fn toggles_switch_attributes() {
        let mut cfg = SystemConfig::default();
        cfg.resource_attributes.0.insert("host.name".into(), false);
        cfg.resource_attributes.0.insert("host.id".into(), true);
        cfg.resource_attributes
            .0
            .insert("host.cpu.cache.l2.size".into(), true);
        cfg.resource_attributes
            .0
            .insert("host.cpu.vendor.id".into(), true);
        let kvs = detect(&cfg, &facts()).expect("detected");
        assert_eq!(
            keys(&kvs),
            vec![
                "os.type",
                "host.id",
                "host.cpu.vendor.id",
                "host.cpu.cache.l2.size"
            ]
        );
        assert_eq!(kvs[3], int_kv("host.cpu.cache.l2.size", 524_288));
    }

    #[test]
    fn unsupported_sources_and_attributes_are_refused_by_name() {
        let cfg = SystemConfig {
            hostname_sources: vec!["cname".into()],
            ..Default::default()
        };
        assert!(validate(&cfg)
            .expect_err("refused")
            .to_string()
            .contains("\"cname\" is not supported"));
        let mut cfg = SystemConfig::default();
        cfg.resource_attributes.0.insert("host.ip".into(), true);
        assert!(validate(&cfg)
            .expect_err("refused")
            .to_string()
            .contains("host.ip"));
        cfg.resource_attributes.0.insert("host.ip".into(), false);
        assert!(validate(&cfg).is_ok());
    }

    #[test]
    fn canonical_name_from_hosts_file() {
        let hosts = "127.0.0.1 localhost\n10.0.0.5 box.example.com box # main\n";
        assert_eq!(
            canonical_name(hosts, "box").as_deref(),
            Some("box.example.com")
        );
        assert_eq!(canonical_name(hosts, "other"), None);
    }
}

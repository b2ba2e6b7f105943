//! Alloy arguments to `alloy-otelcol` configs.
//!
//! Defaults are Alloy's (the catalogue's and `runtime-facts.md` §3), which
//! the otelcol `Default` impls already carry; an argument is only read when
//! present. Arguments this runtime cannot honour (`auth`, PEM contents,
//! persistent queue `storage`, ...) are refused with an error rather than
//! ignored, so a config never silently runs with weaker settings than it
//! asks for.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alloy_otelcol as otel;
use otel::processor::attributes::config::{
    ActionConfig, ActionKind, AttrValue, AttributeMatch, ConvertedType, LibraryMatch, LogSeverity,
    MatchConfig, MatchType,
};
use otel::{Consumer, Fanout, Outputs};

use super::{ConsumerCapsule, CONSUMER_TYPE};
use crate::component::{Arguments, ComponentError};
use crate::value::{HostCapsule, Number, Value};

type Result<T> = std::result::Result<T, ComponentError>;

fn err(message: impl Into<String>) -> ComponentError {
    ComponentError::new(message)
}

/// Refuses arguments this runtime does not implement, if set.
fn refuse(body: &Arguments, block: &str, names: &[&str]) -> Result<()> {
    for name in names {
        if body.attribute(name).is_some() {
            return Err(err(format!(
                "{block}{name} is not supported by this runtime yet"
            )));
        }
    }
    Ok(())
}

/// Refuses nested blocks this runtime does not implement, if present.
fn refuse_blocks(body: &Arguments, block: &str, names: &[&str]) -> Result<()> {
    for name in names {
        if body.block(name).is_some() {
            return Err(err(format!(
                "block {block}{name} is not supported by this runtime yet"
            )));
        }
    }
    Ok(())
}

/// Go's `units.ParseBase2Bytes` for the sizes Alloy writes (`"4MiB"`,
/// `"512KiB"`, `"20MB"`, `"1024"`): KB and KiB are both 1024.
pub(crate) fn parse_bytes(text: &str) -> Option<usize> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: f64 = match unit.trim() {
        "" | "B" => 1.0,
        "KB" | "KiB" => 1024.0,
        "MB" | "MiB" => 1024.0 * 1024.0,
        "GB" | "GiB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = number * factor;
    (bytes.is_finite() && bytes >= 0.0 && bytes <= usize::MAX as f64).then_some(bytes as usize)
}

fn size(body: &Arguments, name: &str, default: usize) -> Result<usize> {
    match body.get::<String>(name)? {
        None => Ok(default),
        Some(text) => {
            parse_bytes(&text).ok_or_else(|| err(format!("invalid {name} {text:?}: not a size")))
        }
    }
}

fn optional_string(body: &Arguments, name: &str) -> Result<Option<String>> {
    Ok(body.get::<String>(name)?.filter(|s| !s.is_empty()))
}

fn optional_path(body: &Arguments, name: &str) -> Result<Option<PathBuf>> {
    Ok(optional_string(body, name)?.map(PathBuf::from))
}

/// The consumers of a list of `otelcol.Consumer` capsules (an `output`
/// list, the `tracing` block's `write_to`).
/// `what` names the list in errors.
pub(crate) fn consumers(body: &Arguments, name: &str, what: &str) -> Result<Fanout> {
    let capsules: Vec<HostCapsule> = body.get_or(name, Vec::new())?;
    let consumers = capsules
        .iter()
        .map(|capsule| {
            capsule
                .downcast_arc::<ConsumerCapsule>()
                .map(|c| c.0.clone() as Arc<dyn Consumer>)
                .ok_or_else(|| {
                    err(format!(
                        "{what}: expected {CONSUMER_TYPE}, got capsule({:?})",
                        capsule.type_name()
                    ))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Fanout::new(consumers))
}

/// The consumers of one `output` list.
fn fanout(body: &Arguments, signal: &str) -> Result<Fanout> {
    consumers(body, signal, &format!("output.{signal}"))
}

pub(super) fn outputs(args: &Arguments) -> Result<Outputs> {
    let Some(output) = args.block("output") else {
        return Err(err("missing required block \"output\""));
    };
    Ok(Outputs {
        traces: fanout(&output.body, "traces")?,
        metrics: fanout(&output.body, "metrics")?,
        logs: fanout(&output.body, "logs")?,
    })
}

/// `<name>_file` or `<name>_pem` (upstream refuses both at once).
fn pem(tls: &Arguments, prefix: &str, name: &str) -> Result<Option<otel::Pem>> {
    let file = optional_path(tls, &format!("{name}_file"))?;
    // `key_pem` is a secret upstream; the certificates are plain strings.
    let inline = if name == "key" {
        tls.get::<crate::value::Secret>("key_pem")?
            .map(|s| s.reveal().to_owned())
            .filter(|s| !s.is_empty())
    } else {
        optional_string(tls, &format!("{name}_pem"))?
    };
    match (file, inline) {
        (Some(_), Some(_)) => Err(err(format!(
            "{prefix}: provide only one of {name}_file or {name}_pem"
        ))),
        (Some(path), None) => Ok(Some(otel::Pem::File(path))),
        (None, Some(text)) => Ok(Some(otel::Pem::Inline(text))),
        (None, None) => Ok(None),
    }
}

/// `min_version` / `max_version`, and refusals of the settings of a `tls`
/// block this runtime cannot honour.
fn tls_common(tls: &Arguments, prefix: &str) -> Result<otel::TlsVersions> {
    refuse(tls, prefix, &["curve_preferences", "reload_interval"])?;
    refuse_blocks(tls, prefix, &["tpm"])?;
    let cipher_suites: Vec<String> = tls.get_or("cipher_suites", Vec::new())?;
    if !cipher_suites.is_empty() {
        return Err(err(format!(
            "{prefix}cipher_suites is not supported by this runtime yet"
        )));
    }
    for flag in [
        "include_insecure_cipher_suites",
        "include_system_ca_certs_pool",
    ] {
        if tls.get_or(flag, false)? {
            return Err(err(format!(
                "{prefix}{flag} is not supported by this runtime yet"
            )));
        }
    }
    let d = otel::TlsVersions::default();
    let version = |name: &str, default| -> Result<otel::TlsVersion> {
        match optional_string(tls, name)? {
            None => Ok(default),
            Some(text) => {
                otel::TlsVersion::parse(&text).map_err(|e| err(format!("{prefix}{name}: {e}")))
            }
        }
    };
    Ok(otel::TlsVersions {
        min: version("min_version", d.min)?,
        max: version("max_version", d.max)?,
    })
}

fn server_tls(body: &Arguments, block: &str) -> Result<Option<otel::TlsServerConfig>> {
    let Some(tls) = body.block("tls") else {
        return Ok(None);
    };
    let prefix = format!("{block}tls.");
    let tls = &tls.body;
    refuse(tls, &prefix, &["ca_pem", "ca_file"])?;
    let versions = tls_common(tls, &prefix)?;
    let cert = pem(tls, &prefix, "cert")?
        .ok_or_else(|| err(format!("{prefix}cert_file or cert_pem is required")))?;
    let key = pem(tls, &prefix, "key")?
        .ok_or_else(|| err(format!("{prefix}key_file or key_pem is required")))?;
    Ok(Some(otel::TlsServerConfig {
        cert,
        key,
        client_ca: optional_path(tls, "client_ca_file")?.map(otel::Pem::File),
        versions,
    }))
}

fn client_tls(body: &Arguments, block: &str) -> Result<otel::TlsClientConfig> {
    let Some(tls) = body.block("tls") else {
        return Ok(otel::TlsClientConfig::default());
    };
    client_tls_body(&tls.body, &format!("{block}tls."))
}

/// A client TLS block's body (`tls`, or `tls_config` of `loki.write`);
/// `prefix` names it in errors.
pub(crate) fn client_tls_body(tls: &Arguments, prefix: &str) -> Result<otel::TlsClientConfig> {
    let prefix = prefix.to_owned();
    let versions = tls_common(tls, &prefix)?;
    Ok(otel::TlsClientConfig {
        insecure: tls.get_or("insecure", false)?,
        insecure_skip_verify: tls.get_or("insecure_skip_verify", false)?,
        ca: pem(tls, &prefix, "ca")?,
        cert: pem(tls, &prefix, "cert")?,
        key: pem(tls, &prefix, "key")?,
        server_name: optional_string(tls, "server_name")?,
        versions,
    })
}

/// `grpc > keepalive` of the receiver: the HTTP/2 ping interval and its
/// timeout. Connection-age limits and the ping enforcement policy have no
/// equivalent in the HTTP/2 server used here and are refused by name.
fn server_keepalive(body: &Arguments, cfg: &mut otel::GrpcServerConfig) -> Result<()> {
    let Some(keepalive) = body.block("keepalive") else {
        return Ok(());
    };
    refuse_blocks(&keepalive.body, "grpc.keepalive.", &["enforcement_policy"])?;
    let Some(params) = keepalive.body.block("server_parameters") else {
        return Ok(());
    };
    let params = &params.body;
    for name in [
        "max_connection_idle",
        "max_connection_age",
        "max_connection_age_grace",
    ] {
        let infinite = params
            .get::<String>(name)
            .ok()
            .flatten()
            .is_some_and(|v| v == "infinity");
        if params.attribute(name).is_some() && !infinite {
            return Err(err(format!(
                "grpc.keepalive.server_parameters.{name} is not supported by this runtime yet"
            )));
        }
    }
    cfg.keepalive_time = params.get_or("time", cfg.keepalive_time)?;
    cfg.keepalive_timeout = params.get_or("timeout", cfg.keepalive_timeout)?;
    Ok(())
}

/// `otelcol.receiver.otlp`.
pub(super) fn receiver(args: &Arguments) -> Result<(otel::OtlpReceiverConfig, Outputs)> {
    let grpc = match args.block("grpc") {
        None => None,
        Some(block) => {
            let body = &block.body;
            refuse(body, "grpc.", &["auth", "write_buffer_size"])?;
            let transport: String = body.get_or("transport", "tcp".to_owned())?;
            if transport != "tcp" {
                return Err(err(format!(
                    "grpc.transport {transport:?} is not supported by this runtime (only \"tcp\")"
                )));
            }
            let defaults = otel::GrpcServerConfig::default();
            let mut cfg = otel::GrpcServerConfig {
                endpoint: body.get_or("endpoint", defaults.endpoint.clone())?,
                max_recv_msg_size: size(body, "max_recv_msg_size", defaults.max_recv_msg_size)?,
                max_concurrent_streams: body.get("max_concurrent_streams")?,
                include_metadata: body.get_or("include_metadata", false)?,
                tls: server_tls(body, "grpc.")?,
                ..defaults
            };
            server_keepalive(body, &mut cfg)?;
            Some(cfg)
        }
    };
    let http = match args.block("http") {
        None => None,
        Some(block) => {
            let body = &block.body;
            refuse(body, "http.", &["auth"])?;
            let cors = match body.block("cors") {
                None => None,
                Some(block) => Some(otel::CorsConfig {
                    allowed_origins: block.body.get_or("allowed_origins", Vec::new())?,
                    allowed_headers: block
                        .body
                        .get_or("allowed_headers", vec!["X-Requested-With".to_owned()])?,
                    exposed_headers: block.body.get_or("exposed_headers", Vec::new())?,
                    max_age: block.body.get_or("max_age", 0)?,
                }),
            };
            let defaults = otel::HttpServerConfig::default();
            Some(otel::HttpServerConfig {
                endpoint: body.get_or("endpoint", defaults.endpoint.clone())?,
                traces_url_path: body
                    .get_or("traces_url_path", defaults.traces_url_path.clone())?,
                metrics_url_path: body
                    .get_or("metrics_url_path", defaults.metrics_url_path.clone())?,
                logs_url_path: body.get_or("logs_url_path", defaults.logs_url_path.clone())?,
                max_request_body_size: size(
                    body,
                    "max_request_body_size",
                    defaults.max_request_body_size,
                )?,
                include_metadata: body.get_or("include_metadata", false)?,
                tls: server_tls(body, "http.")?,
                keep_alives_enabled: body.get_or("keep_alives_enabled", true)?,
                read_header_timeout: body
                    .get_or("read_header_timeout", defaults.read_header_timeout)?,
                cors,
            })
        }
    };
    Ok((otel::OtlpReceiverConfig { grpc, http }, outputs(args)?))
}

/// `otelcol.processor.batch`.
pub(super) fn batch(args: &Arguments) -> Result<(otel::BatchConfig, Outputs)> {
    let d = otel::BatchConfig::default();
    let cfg = otel::BatchConfig {
        timeout: args.get_or("timeout", d.timeout)?,
        send_batch_size: args.get_or("send_batch_size", d.send_batch_size)?,
        send_batch_max_size: args.get_or("send_batch_max_size", d.send_batch_max_size)?,
        metadata_keys: args.get_or("metadata_keys", Vec::new())?,
        metadata_cardinality_limit: args
            .get_or("metadata_cardinality_limit", d.metadata_cardinality_limit)?,
    };
    Ok((cfg, outputs(args)?))
}

/// An attribute value from configuration (`value = ...`).
fn attr_value(value: &Value, what: &str) -> Result<AttrValue> {
    if let Some(s) = value.as_str() {
        return Ok(AttrValue::String(s.to_owned()));
    }
    if let Some(b) = value.as_bool() {
        return Ok(AttrValue::Bool(b));
    }
    if let Some(n) = value.as_number() {
        return Ok(match n {
            Number::Int(i) => AttrValue::Int(i),
            Number::Uint(u) => i64::try_from(u)
                .map(AttrValue::Int)
                .unwrap_or(AttrValue::Double(u as f64)),
            Number::Float(f) => AttrValue::Double(f),
        });
    }
    Err(err(format!(
        "{what}: unsupported value type {}",
        value.describe()
    )))
}

fn attribute_matches(body: &Arguments, name: &str) -> Result<Vec<AttributeMatch>> {
    body.blocks_named(name)
        .map(|b| {
            Ok(AttributeMatch {
                key: b.body.require("key")?,
                value: b
                    .body
                    .get::<Value>("value")?
                    .filter(|v| !v.is_null())
                    .map(|v| attr_value(&v, &format!("{name}.value")))
                    .transpose()?,
            })
        })
        .collect()
}

pub(super) fn match_config(args: &Arguments, name: &str) -> Result<Option<MatchConfig>> {
    let Some(block) = args.block(name) else {
        return Ok(None);
    };
    let body = &block.body;
    refuse_blocks(body, &format!("{name}."), &["regexp"])?;
    let match_type: String = body.require("match_type")?;
    let match_type = match match_type.as_str() {
        "strict" => MatchType::Strict,
        "regexp" => MatchType::Regexp,
        other => return Err(err(format!("{name}.match_type: unsupported {other:?}"))),
    };
    let log_severity = match body.block("log_severity") {
        None => None,
        Some(b) => {
            let min: String = b.body.require("min")?;
            Some(LogSeverity {
                min: otel::processor::attributes::config::severity_number(&min).ok_or_else(
                    || err(format!("{name}.log_severity.min: unknown severity {min:?}")),
                )?,
                match_undefined: b.body.get_or("match_undefined", false)?,
            })
        }
    };
    Ok(Some(MatchConfig {
        match_type,
        services: body.get_or("services", Vec::new())?,
        span_names: body.get_or("span_names", Vec::new())?,
        span_kinds: body.get_or("span_kinds", Vec::new())?,
        log_bodies: body.get_or("log_bodies", Vec::new())?,
        log_severity_texts: body.get_or("log_severity_texts", Vec::new())?,
        log_severity,
        metric_names: body.get_or("metric_names", Vec::new())?,
        attributes: attribute_matches(body, "attribute")?,
        resources: attribute_matches(body, "resource")?,
        libraries: body
            .blocks_named("library")
            .map(|b| {
                Ok(LibraryMatch {
                    name: b.body.require("name")?,
                    version: optional_string(&b.body, "version")?,
                })
            })
            .collect::<Result<_>>()?,
    }))
}

/// `otelcol.processor.attributes`.
pub(super) fn attributes(args: &Arguments) -> Result<(otel::AttributesConfig, Outputs)> {
    let actions = args
        .blocks_named("action")
        .map(|b| {
            let body = &b.body;
            let action: String = body.require("action")?;
            let action: ActionKind = action.parse().map_err(err)?;
            let converted_type = optional_string(body, "converted_type")?
                .map(|t| t.parse::<ConvertedType>().map_err(err))
                .transpose()?;
            Ok(ActionConfig {
                key: body.get_or("key", String::new())?,
                action,
                value: body
                    .get::<Value>("value")?
                    .filter(|v| !v.is_null())
                    .map(|v| attr_value(&v, "action.value"))
                    .transpose()?,
                pattern: optional_string(body, "pattern")?,
                from_attribute: optional_string(body, "from_attribute")?,
                from_context: optional_string(body, "from_context")?,
                converted_type,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let cfg = otel::AttributesConfig {
        actions,
        include: match_config(args, "include")?,
        exclude: match_config(args, "exclude")?,
    };
    Ok((cfg, outputs(args)?))
}

/// `client > compression`. zlib and deflate exist for OTLP/HTTP only (the
/// gRPC exporter refuses them, as upstream's configgrpc does); zstd, snappy
/// and lz4 are valid upstream but need codecs this runtime does not carry.
fn compression(body: &Arguments) -> Result<otel::Compression> {
    let text: String = body.get_or("compression", "gzip".to_owned())?;
    match text.as_str() {
        "gzip" => Ok(otel::Compression::Gzip),
        "" | "none" => Ok(otel::Compression::None),
        "zlib" => Ok(otel::Compression::Zlib),
        "deflate" => Ok(otel::Compression::Deflate),
        other @ ("zstd" | "snappy" | "lz4" | "x-snappy-framed") => Err(err(format!(
            "client.compression {other:?} is not supported by this runtime yet (gzip, zlib, deflate or none)"
        ))),
        other => Err(err(format!("client.compression: unsupported compression type {other:?}"))),
    }
}

fn headers(body: &Arguments) -> Result<Vec<(String, String)>> {
    let map: std::collections::BTreeMap<String, String> =
        body.get_or("headers", Default::default())?;
    Ok(map.into_iter().collect())
}

fn queue(args: &Arguments) -> Result<otel::QueueConfig> {
    let d = otel::QueueConfig::default();
    let Some(block) = args.block("sending_queue") else {
        return Ok(d);
    };
    let body = &block.body;
    refuse(body, "sending_queue.", &["storage"])?;
    refuse_blocks(body, "sending_queue.", &["batch"])?;
    let sizer: String = body.get_or("sizer", "requests".to_owned())?;
    if sizer != "requests" {
        return Err(err(format!(
            "sending_queue.sizer {sizer:?} is not supported by this runtime (only \"requests\")"
        )));
    }
    if body.get_or("wait_for_result", false)? {
        return Err(err(
            "sending_queue.wait_for_result is not supported by this runtime yet",
        ));
    }
    Ok(otel::QueueConfig {
        enabled: body.get_or("enabled", d.enabled)?,
        num_consumers: body.get_or("num_consumers", d.num_consumers)?,
        queue_size: body.get_or("queue_size", d.queue_size)?,
        block_on_overflow: body.get_or("block_on_overflow", d.block_on_overflow)?,
    })
}

fn retry(args: &Arguments) -> Result<otel::RetryConfig> {
    let d = otel::RetryConfig::default();
    let Some(block) = args.block("retry_on_failure") else {
        return Ok(d);
    };
    let body = &block.body;
    Ok(otel::RetryConfig {
        enabled: body.get_or("enabled", d.enabled)?,
        initial_interval: body.get_or("initial_interval", d.initial_interval)?,
        randomization_factor: body.get_or("randomization_factor", d.randomization_factor)?,
        multiplier: body.get_or("multiplier", d.multiplier)?,
        max_interval: body.get_or("max_interval", d.max_interval)?,
        max_elapsed_time: body.get_or("max_elapsed_time", d.max_elapsed_time)?,
    })
}

fn client(args: &Arguments) -> Result<&Arguments> {
    args.block("client")
        .map(|b| &b.body)
        .ok_or_else(|| err("missing required block \"client\""))
}

/// `otelcol.exporter.otlp`.
pub(super) fn exporter_grpc(args: &Arguments) -> Result<otel::OtlpGrpcConfig> {
    let client = client(args)?;
    refuse(
        client,
        "client.",
        &["auth", "authority", "read_buffer_size"],
    )?;
    let d = otel::OtlpGrpcConfig::default();
    let keepalive = match client.block("keepalive") {
        None => None,
        Some(block) => Some(otel::ClientKeepalive {
            ping_wait: block.body.get("ping_wait")?,
            ping_response_timeout: block.body.get("ping_response_timeout")?,
            ping_without_stream: block.body.get_or("ping_without_stream", false)?,
        }),
    };
    Ok(otel::OtlpGrpcConfig {
        keepalive,
        endpoint: client.require("endpoint")?,
        compression: compression(client)?,
        headers: headers(client)?,
        tls: client_tls(client, "client.")?,
        timeout: args.get_or("timeout", Duration::from_secs(5))?,
        sending_queue: queue(args)?,
        retry_on_failure: retry(args)?,
        ..d
    })
}

/// `otelcol.exporter.otlphttp`.
pub(super) fn exporter_http(args: &Arguments) -> Result<otel::OtlpHttpConfig> {
    let client = client(args)?;
    refuse(client, "client.", &["auth", "proxy_url"])?;
    refuse_blocks(client, "client.", &["cookies", "compression_params"])?;
    let encoding: String = args.get_or("encoding", "proto".to_owned())?;
    let encoding = match encoding.as_str() {
        "proto" => otel::HttpEncoding::Proto,
        "json" => otel::HttpEncoding::Json,
        other => {
            return Err(err(format!(
                "encoding {other:?} must be \"proto\" or \"json\""
            )))
        }
    };
    Ok(otel::OtlpHttpConfig {
        endpoint: client.require("endpoint")?,
        traces_endpoint: optional_string(args, "traces_endpoint")?,
        metrics_endpoint: optional_string(args, "metrics_endpoint")?,
        logs_endpoint: optional_string(args, "logs_endpoint")?,
        encoding,
        compression: compression(client)?,
        headers: headers(client)?,
        tls: client_tls(client, "client.")?,
        timeout: client.get_or("timeout", Duration::from_secs(30))?,
        sending_queue: queue(args)?,
        retry_on_failure: retry(args)?,
    })
}

/// `otelcol.exporter.debug`.
pub(super) fn exporter_debug(args: &Arguments) -> Result<otel::DebugConfig> {
    let d = otel::DebugConfig::default();
    let verbosity: String = args.get_or("verbosity", "basic".to_owned())?;
    let verbosity = match verbosity.as_str() {
        "basic" => otel::Verbosity::Basic,
        "normal" => otel::Verbosity::Normal,
        "detailed" => otel::Verbosity::Detailed,
        other => {
            return Err(err(format!(
                "verbosity {other:?} must be \"basic\", \"normal\" or \"detailed\""
            )))
        }
    };
    let use_internal_logger = args.get_or("use_internal_logger", d.use_internal_logger)?;
    let paths: Vec<String> = args.get_or("output_paths", vec!["stdout".to_owned()])?;
    if !use_internal_logger && paths != ["stdout"] {
        return Err(err(
            "output_paths other than [\"stdout\"] are not supported by this runtime yet",
        ));
    }
    Ok(otel::DebugConfig {
        verbosity,
        sampling_initial: args.get_or("sampling_initial", d.sampling_initial)?,
        sampling_thereafter: args.get_or("sampling_thereafter", d.sampling_thereafter)?,
        use_internal_logger,
    })
}

/// A detector's `resource_attributes` block: one block per attribute with
/// `enabled`.
fn attribute_toggles(
    body: &Arguments,
) -> Result<otel::processor::resourcedetection::AttributeToggles> {
    let mut toggles = otel::processor::resourcedetection::AttributeToggles::default();
    if let Some(ra) = body.block("resource_attributes") {
        for b in ra.body.blocks() {
            toggles
                .0
                .insert(b.name.clone(), b.body.require::<bool>("enabled")?);
        }
    }
    Ok(toggles)
}

/// `otelcol.processor.resourcedetection`.
pub(super) fn resourcedetection(
    args: &Arguments,
) -> Result<(otel::ResourceDetectionConfig, Outputs)> {
    use otel::processor::resourcedetection::UNSUPPORTED_DETECTORS;
    refuse_blocks(args, "", UNSUPPORTED_DETECTORS)?;
    let d = otel::ResourceDetectionConfig::default();
    let mut cfg = otel::ResourceDetectionConfig {
        detectors: args.get_or("detectors", d.detectors.clone())?,
        override_existing: args.get_or("override", d.override_existing)?,
        timeout: args.get_or("timeout", d.timeout)?,
        fail_on_missing_metadata: args
            .get_or("fail_on_missing_metadata", d.fail_on_missing_metadata)?,
        ..d
    };
    if let Some(b) = args.block("system") {
        cfg.system.hostname_sources = b
            .body
            .get_or("hostname_sources", cfg.system.hostname_sources.clone())?;
        cfg.system.resource_attributes = attribute_toggles(&b.body)?;
    }
    if let Some(b) = args.block("ec2") {
        let e = &mut cfg.ec2;
        e.tags = b.body.get_or("tags", Vec::new())?;
        let attempts: i64 = b.body.get_or("max_attempts", i64::from(e.max_attempts))?;
        e.max_attempts = u32::try_from(attempts)
            .map_err(|_| err(format!("ec2.max_attempts: {attempts} is out of range")))?;
        e.max_backoff = b.body.get_or("max_backoff", e.max_backoff)?;
        e.tags_from_imds = b.body.get_or("tags_from_imds", e.tags_from_imds)?;
        e.fail_on_missing_metadata = b
            .body
            .get_or("fail_on_missing_metadata", e.fail_on_missing_metadata)?;
        e.resource_attributes = attribute_toggles(&b.body)?;
    }
    if let Some(b) = args.block("gcp") {
        cfg.gcp.resource_attributes = attribute_toggles(&b.body)?;
    }
    if let Some(b) = args.block("azure") {
        cfg.azure.tags = b.body.get_or("tags", Vec::new())?;
        cfg.azure.resource_attributes = attribute_toggles(&b.body)?;
    }
    Ok((cfg, outputs(args)?))
}

/// `debug_metrics`: these processors emit no high-cardinality series, so
/// `disable_high_cardinality_metrics` holds either way; `level` is refused.
fn debug_metrics(args: &Arguments) -> Result<()> {
    if let Some(b) = args.block("debug_metrics") {
        let _: bool = b.body.get_or("disable_high_cardinality_metrics", true)?;
        refuse(&b.body, "debug_metrics.", &["level"])?;
    }
    Ok(())
}

fn error_mode(body: &Arguments, field: &str) -> Result<Option<otel::ErrorMode>> {
    optional_string(body, "error_mode")?
        .map(|m| {
            m.parse::<otel::ErrorMode>()
                .map_err(|e| err(format!("{field}: {e}")))
        })
        .transpose()
}

/// `otelcol.processor.transform`.
pub(super) fn transform(args: &Arguments) -> Result<(otel::TransformConfig, Outputs)> {
    debug_metrics(args)?;
    let blocks = |name: &str| -> Result<Vec<otel::ContextStatements>> {
        args.blocks_named(name)
            .map(|b| {
                let body = &b.body;
                Ok(otel::ContextStatements {
                    context: body.require("context")?,
                    conditions: body.get_or("conditions", Vec::new())?,
                    statements: body.require("statements")?,
                    error_mode: error_mode(body, &format!("{name}.error_mode"))?,
                })
            })
            .collect()
    };
    let flat = args.block("statements");
    let flat_list = |name: &str| -> Result<Vec<String>> {
        match flat {
            Some(b) => Ok(b.body.get_or(name, Vec::new())?),
            None => Ok(Vec::new()),
        }
    };
    let cfg = otel::TransformConfig {
        error_mode: error_mode(args, "error_mode")?.unwrap_or_default(),
        trace_statements: blocks("trace_statements")?,
        metric_statements: blocks("metric_statements")?,
        log_statements: blocks("log_statements")?,
        trace: flat_list("trace")?,
        metric: flat_list("metric")?,
        log: flat_list("log")?,
    };
    Ok((cfg, outputs(args)?))
}

/// `otelcol.processor.filter`.
pub(super) fn filter(args: &Arguments) -> Result<(otel::FilterConfig, Outputs)> {
    debug_metrics(args)?;
    let list = |block: &str, name: &str| -> Result<Vec<String>> {
        match args.block(block) {
            Some(b) => Ok(b.body.get_or(name, Vec::new())?),
            None => Ok(Vec::new()),
        }
    };
    let blocks = |name: &str| -> Result<Vec<otel::ContextConditions>> {
        args.blocks_named(name)
            .map(|b| {
                Ok(otel::ContextConditions {
                    context: optional_string(&b.body, "context")?,
                    conditions: b.body.require("conditions")?,
                })
            })
            .collect()
    };
    let cfg = otel::FilterConfig {
        error_mode: error_mode(args, "error_mode")?.unwrap_or_default(),
        span: list("traces", "span")?,
        spanevent: list("traces", "spanevent")?,
        metric: list("metrics", "metric")?,
        datapoint: list("metrics", "datapoint")?,
        log_record: list("logs", "log_record")?,
        trace_conditions: blocks("trace_conditions")?,
        metric_conditions: blocks("metric_conditions")?,
        log_conditions: blocks("log_conditions")?,
    };
    Ok((cfg, outputs(args)?))
}

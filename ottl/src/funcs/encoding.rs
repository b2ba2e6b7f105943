//! Encodings and hashes.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use sha2::Digest;

use super::CallCtx;
use crate::plan::ExecResult;
use crate::value::Value;

type R = ExecResult<Value>;

fn engine(variant: &str) -> Option<&'static base64::engine::GeneralPurpose> {
    Some(match variant {
        "base64" => &STANDARD,
        "base64-raw" => &STANDARD_NO_PAD,
        "base64-url" => &URL_SAFE,
        "base64-raw-url" => &URL_SAFE_NO_PAD,
        _ => return None,
    })
}

pub fn base64decode(c: &mut CallCtx) -> R {
    let s = c.string(0)?;
    let b = STANDARD
        .decode(s.as_bytes())
        .map_err(|e| format!("illegal base64 data: {e}"))?;
    Ok(Value::Str(String::from_utf8_lossy(&b).into_owned()))
}

pub fn base64encode(c: &mut CallCtx) -> R {
    let s = c.string(0)?;
    let variant = c.opt_string(1)?.unwrap_or_else(|| "base64".into());
    let e = engine(&variant).ok_or_else(|| format!("unsupported base64 variant: {variant}"))?;
    Ok(Value::Str(e.encode(s.as_bytes())))
}

pub fn decode(c: &mut CallCtx) -> R {
    let bytes = match c.get(0)? {
        Value::Str(s) => s.into_bytes(),
        Value::Bytes(b) => b,
        other => {
            return Err(format!(
                "unsupported type provided to Decode function: {}",
                other.type_name()
            ))
        }
    };
    let enc = c.string(1)?;
    if let Some(e) = engine(&enc) {
        let b = e
            .decode(&bytes)
            .map_err(|e| format!("illegal base64 data: {e}"))?;
        return Ok(Value::Str(String::from_utf8_lossy(&b).into_owned()));
    }
    match enc.to_ascii_lowercase().as_str() {
        "utf-8" | "utf8" => Ok(Value::Str(String::from_utf8_lossy(&bytes).into_owned())),
        "us-ascii" | "ascii" => Ok(Value::Str(
            bytes
                .iter()
                .map(|b| if b.is_ascii() { *b as char } else { '\u{fffd}' })
                .collect(),
        )),
        "iso-8859-1" | "latin1" | "latin-1" => {
            Ok(Value::Str(bytes.iter().map(|b| *b as char).collect()))
        }
        other => Err(format!("no charmap defined for encoding '{other}'")),
    }
}

pub fn md5(c: &mut CallCtx) -> R {
    Ok(Value::Str(hex::encode(md5::Md5::digest(
        c.string(0)?.as_bytes(),
    ))))
}
pub fn sha1(c: &mut CallCtx) -> R {
    Ok(Value::Str(hex::encode(sha1::Sha1::digest(
        c.string(0)?.as_bytes(),
    ))))
}
pub fn sha256(c: &mut CallCtx) -> R {
    Ok(Value::Str(hex::encode(sha2::Sha256::digest(
        c.string(0)?.as_bytes(),
    ))))
}
pub fn sha512(c: &mut CallCtx) -> R {
    Ok(Value::Str(hex::encode(sha2::Sha512::digest(
        c.string(0)?.as_bytes(),
    ))))
}

/// The Community ID flow hash (v1): SHA-1 over the seed, the ordered
/// endpoints and the protocol, base64, prefixed with `1:`.
pub fn communityid(c: &mut CallCtx) -> R {
    let sip = c.string(0)?;
    let sport = c.int(1)?;
    let dip = c.string(2)?;
    let dport = c.int(3)?;
    let proto = c.opt_string(4)?.unwrap_or_else(|| "TCP".into());
    let seed = c.opt_int(5)?.unwrap_or(0);
    let sip: std::net::IpAddr = sip
        .parse()
        .map_err(|_| format!("invalid source IP: {sip}"))?;
    let dip: std::net::IpAddr = dip
        .parse()
        .map_err(|_| format!("invalid destination IP: {dip}"))?;
    let pnum: u8 = match proto.to_ascii_uppercase().as_str() {
        "ICMP" => 1,
        "TCP" => 6,
        "UDP" => 17,
        "ICMP6" | "ICMPV6" => 58,
        "SCTP" => 132,
        other => return Err(format!("unsupported protocol: {other}")),
    };
    for p in [sport, dport] {
        if !(0..=65535).contains(&p) {
            return Err(format!("invalid port: {p}"));
        }
    }
    if !(0..=65535).contains(&seed) {
        return Err(format!("invalid seed: {seed}"));
    }
    let ip_bytes = |ip: std::net::IpAddr| match ip {
        std::net::IpAddr::V4(v) => v.octets().to_vec(),
        std::net::IpAddr::V6(v) => v.octets().to_vec(),
    };
    let (sb, db) = (ip_bytes(sip), ip_bytes(dip));
    let (a, ap, b, bp) = if (sb.as_slice(), sport) <= (db.as_slice(), dport) {
        (sb, sport, db, dport)
    } else {
        (db, dport, sb, sport)
    };
    let mut h = sha1::Sha1::new();
    h.update((seed as u16).to_be_bytes());
    h.update(&a);
    h.update(&b);
    h.update([pnum, 0]);
    h.update((ap as u16).to_be_bytes());
    h.update((bp as u16).to_be_bytes());
    Ok(Value::Str(format!("1:{}", STANDARD.encode(h.finalize()))))
}

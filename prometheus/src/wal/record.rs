//! Record encodings inside WAL segments, modelled on Prometheus's
//! `tsdb/record`: the first byte is the record type.
//!
//! * series: `1`, then per series a big-endian `u64` ref and its labels
//!   (the protobuf encoding of `repeated Label`, length-prefixed by a
//!   uvarint), so the sender can splice them into a request unchanged;
//! * samples: `2`, then a base ref and base timestamp (big-endian), then
//!   per sample the ref and timestamp as zig-zag varint deltas from the base
//!   and the value's bits as a big-endian `u64`.

use std::fmt;

pub const SERIES: u8 = 1;
pub const SAMPLES: u8 = 2;

/// A sample as the WAL stores it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RefSample {
    pub series: u64,
    /// Milliseconds since the epoch.
    pub t: i64,
    pub v: f64,
}

/// A record that does not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid WAL record: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

pub fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn put_varint(out: &mut Vec<u8>, v: i64) {
    put_uvarint(out, ((v << 1) ^ (v >> 63)) as u64);
}

/// A cursor over a record's bytes.
pub struct Decoder<'a> {
    buf: &'a [u8],
}

impl<'a> Decoder<'a> {
    pub fn new(buf: &'a [u8]) -> Decoder<'a> {
        Decoder { buf }
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn byte(&mut self) -> Result<u8, DecodeError> {
        let (&b, rest) = self.buf.split_first().ok_or(DecodeError("truncated"))?;
        self.buf = rest;
        Ok(b)
    }

    pub fn be64(&mut self) -> Result<u64, DecodeError> {
        if self.buf.len() < 8 {
            return Err(DecodeError("truncated"));
        }
        let (head, rest) = self.buf.split_at(8);
        self.buf = rest;
        let mut b = [0u8; 8];
        b.copy_from_slice(head);
        Ok(u64::from_be_bytes(b))
    }

    pub fn uvarint(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(DecodeError("varint overflow"))
    }

    pub fn varint(&mut self) -> Result<i64, DecodeError> {
        let u = self.uvarint()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.buf.len() < n {
            return Err(DecodeError("truncated"));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }
}

/// Appends a series record for `series` (ref, encoded labels) to `out`.
pub fn encode_series<'a>(out: &mut Vec<u8>, series: impl IntoIterator<Item = (u64, &'a [u8])>) {
    out.push(SERIES);
    for (r, labels) in series {
        out.extend_from_slice(&r.to_be_bytes());
        put_uvarint(out, labels.len() as u64);
        out.extend_from_slice(labels);
    }
}

/// Calls `f` with each (ref, encoded labels) of a series record (after its
/// type byte).
pub fn decode_series<'a>(
    mut d: Decoder<'a>,
    mut f: impl FnMut(u64, &'a [u8]),
) -> Result<(), DecodeError> {
    while !d.is_empty() {
        let r = d.be64()?;
        let n = d.uvarint()? as usize;
        f(r, d.bytes(n)?);
    }
    Ok(())
}

/// Appends a samples record to `out`.
pub fn encode_samples(out: &mut Vec<u8>, samples: &[RefSample]) {
    out.push(SAMPLES);
    let Some(first) = samples.first() else { return };
    out.extend_from_slice(&first.series.to_be_bytes());
    out.extend_from_slice(&first.t.to_be_bytes());
    for s in samples {
        put_varint(out, s.series.wrapping_sub(first.series) as i64);
        put_varint(out, s.t.wrapping_sub(first.t));
        out.extend_from_slice(&s.v.to_bits().to_be_bytes());
    }
}

/// Decodes a samples record (after its type byte) into `out`.
pub fn decode_samples(mut d: Decoder<'_>, out: &mut Vec<RefSample>) -> Result<(), DecodeError> {
    if d.is_empty() {
        return Ok(());
    }
    let base_ref = d.be64()?;
    let base_t = d.be64()? as i64;
    while !d.is_empty() {
        let dr = d.varint()?;
        let dt = d.varint()?;
        let v = f64::from_bits(d.be64()?);
        out.push(RefSample {
            series: base_ref.wrapping_add(dr as u64),
            t: base_t.wrapping_add(dt),
            v,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_round_trip_with_negative_deltas_and_special_values() {
        let samples = vec![
            RefSample {
                series: 10,
                t: 1_000,
                v: 1.5,
            },
            RefSample {
                series: 3,
                t: 999,
                v: f64::NAN,
            },
            RefSample {
                series: u64::MAX,
                t: i64::MIN,
                v: -0.0,
            },
            RefSample {
                series: 11,
                t: i64::MAX,
                v: f64::INFINITY,
            },
        ];
        let mut buf = Vec::new();
        encode_samples(&mut buf, &samples);
        assert_eq!(buf[0], SAMPLES);
        let mut out = Vec::new();
        decode_samples(Decoder::new(&buf[1..]), &mut out).expect("decode");
        assert_eq!(out.len(), 4);
        for (a, b) in samples.iter().zip(&out) {
            assert_eq!(
                (a.series, a.t, a.v.to_bits()),
                (b.series, b.t, b.v.to_bits())
            );
        }
    }

    #[test]
    fn series_round_trip_and_truncation_is_an_error() {
        let mut buf = Vec::new();
        encode_series(&mut buf, [(1u64, &b"ab"[..]), (7, &b""[..])]);
        let mut got = Vec::new();
        decode_series(Decoder::new(&buf[1..]), |r, l| got.push((r, l.to_vec()))).expect("decode");
        assert_eq!(got, vec![(1, b"ab".to_vec()), (7, Vec::new())]);
        let cut = &buf[1..buf.len() - 3];
        assert!(decode_series(Decoder::new(cut), |_, _| {}).is_err());
    }
}

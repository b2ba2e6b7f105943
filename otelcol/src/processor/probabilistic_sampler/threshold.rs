//! OpenTelemetry consistent probability sampling (OTEP 235), as upstream's
//! `pkg/sampling` implements it: 56-bit randomness and rejection
//! thresholds, their hex encodings (`rv`, `th`) and the `ot` member of the
//! W3C `tracestate`.

/// 2^56: randomness and thresholds are 56-bit.
pub const MAX_ADJUSTED_COUNT: u64 = 1 << 56;
const HEX_DIGITS: usize = 14;

/// A rejection threshold: an item is kept when its randomness is at least
/// the threshold. 0 keeps everything; 2^56 keeps nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Threshold(pub u64);

pub const ALWAYS_SAMPLE: Threshold = Threshold(0);
pub const NEVER_SAMPLE: Threshold = Threshold(MAX_ADJUSTED_COUNT);

impl Threshold {
    pub fn should_sample(self, randomness: u64) -> bool {
        randomness >= self.0
    }

    pub fn probability(self) -> f64 {
        (MAX_ADJUSTED_COUNT - self.0.min(MAX_ADJUSTED_COUNT)) as f64 / MAX_ADJUSTED_COUNT as f64
    }

    /// `th` encoding: up to 14 hex digits, trailing zeros removed; "0" for
    /// always; none for never (it cannot be encoded).
    pub fn tvalue(self) -> Option<String> {
        if self.0 == 0 {
            return Some("0".into());
        }
        if self.0 >= MAX_ADJUSTED_COUNT {
            return None;
        }
        let full = format!("{:014x}", self.0);
        Some(full.trim_end_matches('0').to_owned())
    }

    pub fn parse_tvalue(text: &str) -> Option<Threshold> {
        if text.is_empty() || text.len() > HEX_DIGITS {
            return None;
        }
        let v = u64::from_str_radix(text, 16).ok()?;
        Some(Threshold(v << (4 * (HEX_DIGITS - text.len()))))
    }

    /// Upstream's `ProbabilityToThresholdWithPrecision` (precision in hex
    /// digits, extended by the leading zeros of the rejection probability).
    pub fn from_probability(prob: f64, precision: u8) -> Option<Threshold> {
        let min = 1.0 / MAX_ADJUSTED_COUNT as f64;
        if !(min..=1.0).contains(&prob) {
            return None;
        }
        let scaled = (prob * MAX_ADJUSTED_COUNT as f64).round() as u64;
        if precision == 0 {
            return Some(Threshold(MAX_ADJUSTED_COUNT - scaled));
        }
        if prob == 1.0 {
            return Some(ALWAYS_SAMPLE);
        }
        let mut prec = u32::from(precision);
        let mut reject = 1.0 - prob;
        while reject * 16.0 < 1.0 {
            reject *= 16.0;
            prec += 1;
        }
        if prec as usize > HEX_DIGITS {
            return None;
        }
        let mut rscaled = MAX_ADJUSTED_COUNT - scaled;
        let shift = 4 * (HEX_DIGITS as u32 - prec);
        if shift > 0 {
            let half = 1u64 << (shift - 1);
            rscaled = ((rscaled + half) >> shift) << shift;
        }
        Some(Threshold(rscaled))
    }
}

/// The W3C randomness of a trace id: its last 7 bytes.
pub fn trace_id_randomness(id: &[u8]) -> u64 {
    let mut v = 0u64;
    for &b in id.iter().skip(9).take(7) {
        v = (v << 8) | u64::from(b);
    }
    v
}

pub fn rvalue(randomness: u64) -> String {
    format!("{:014x}", randomness & (MAX_ADJUSTED_COUNT - 1))
}

pub fn parse_rvalue(text: &str) -> Option<u64> {
    (text.len() == HEX_DIGITS)
        .then(|| u64::from_str_radix(text, 16).ok())
        .flatten()
}

/// A parsed `tracestate`: the `ot` member's fields and the other members.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TraceState {
    pub rv: Option<String>,
    pub th: Option<String>,
    /// Other `ot` fields, in order.
    pub ot_extra: Vec<(String, String)>,
    /// Other list members, in order, as written.
    pub others: Vec<String>,
}

/// Why a `tracestate` was not accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TraceStateError {
    #[error("tracestate: malformed list member {0:?}")]
    Member(String),
    #[error("tracestate: malformed ot value {0:?}")]
    Ot(String),
}

impl TraceState {
    pub fn parse(raw: &str) -> Result<TraceState, TraceStateError> {
        let mut ts = TraceState::default();
        for member in raw.split(',') {
            let member = member.trim_matches([' ', '\t']);
            if member.is_empty() {
                continue;
            }
            let Some((key, value)) = member.split_once('=') else {
                return Err(TraceStateError::Member(member.to_owned()));
            };
            if key.is_empty() || value.is_empty() {
                return Err(TraceStateError::Member(member.to_owned()));
            }
            if key != "ot" {
                ts.others.push(member.to_owned());
                continue;
            }
            for field in value.split(';') {
                let Some((k, v)) = field.split_once(':') else {
                    return Err(TraceStateError::Ot(value.to_owned()));
                };
                match k {
                    "rv" => {
                        parse_rvalue(v).ok_or_else(|| TraceStateError::Ot(value.to_owned()))?;
                        ts.rv = Some(v.to_owned());
                    }
                    "th" => {
                        Threshold::parse_tvalue(v)
                            .ok_or_else(|| TraceStateError::Ot(value.to_owned()))?;
                        ts.th = Some(v.to_owned());
                    }
                    _ => ts.ot_extra.push((k.to_owned(), v.to_owned())),
                }
            }
        }
        Ok(ts)
    }

    pub fn threshold(&self) -> Option<Threshold> {
        self.th.as_deref().and_then(Threshold::parse_tvalue)
    }

    pub fn randomness(&self) -> Option<u64> {
        self.rv.as_deref().and_then(parse_rvalue)
    }

    /// `ot` first (rv, th, other fields), then the other members.
    pub fn serialize(&self) -> String {
        let mut ot = Vec::new();
        if let Some(rv) = &self.rv {
            ot.push(format!("rv:{rv}"));
        }
        if let Some(th) = &self.th {
            ot.push(format!("th:{th}"));
        }
        ot.extend(self.ot_extra.iter().map(|(k, v)| format!("{k}:{v}")));
        let mut members = Vec::new();
        if !ot.is_empty() {
            members.push(format!("ot={}", ot.join(";")));
        }
        members.extend(self.others.iter().cloned());
        members.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_encode_as_upstream() {
        // 10 % at precision 4: rejection 0.9 = 0xe666...
        let t = Threshold::from_probability(0.1, 4).expect("in range");
        assert_eq!(t.tvalue().as_deref(), Some("e666"));
        let t = Threshold::from_probability(0.5, 4).expect("in range");
        assert_eq!(t.tvalue().as_deref(), Some("8"));
        assert_eq!(Threshold::from_probability(1.0, 4), Some(ALWAYS_SAMPLE));
        assert_eq!(ALWAYS_SAMPLE.tvalue().as_deref(), Some("0"));
        assert_eq!(NEVER_SAMPLE.tvalue(), None);
        assert_eq!(Threshold::parse_tvalue("8"), Some(Threshold(1 << 55)));
        // Rejection 0.0001 has three leading zero digits, which do not
        // count towards the precision.
        let t = Threshold::from_probability(0.9999, 2).expect("in range");
        assert_eq!(t.tvalue().as_deref(), Some("00069"));
    }

    #[test]
    fn tracestate_round_trips_and_refuses_garbage() {
        let ts = TraceState::parse("vendor=x,ot=th:8;rv:0123456789abcd;p:3").expect("valid");
        assert_eq!(ts.threshold(), Some(Threshold(1 << 55)));
        assert_eq!(ts.randomness(), Some(0x0123456789abcd));
        assert_eq!(ts.serialize(), "ot=rv:0123456789abcd;th:8;p:3,vendor=x");
        assert!(TraceState::parse("ot=th:xyz").is_err());
        assert!(TraceState::parse("novalue").is_err());
        assert_eq!(TraceState::parse("").expect("empty").serialize(), "");
    }

    #[test]
    fn trace_id_randomness_is_the_last_seven_bytes() {
        let id = [
            0, 1, 2, 3, 4, 5, 6, 7, 8, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
        ];
        assert_eq!(trace_id_randomness(&id), 0x10111213141516);
    }
}

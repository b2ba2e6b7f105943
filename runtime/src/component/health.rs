//! Component health, as upstream reports it on the API, `/-/healthy` and
//! the `alloy_component_controller_running_components` metric.

use std::fmt;
use std::time::SystemTime;

/// The four health states, in upstream's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum HealthType {
    /// The initial state of a component that was created but not evaluated.
    #[default]
    Unknown,
    Healthy,
    Unhealthy,
    /// The component's task stopped.
    Exited,
}

impl HealthType {
    pub const ALL: [HealthType; 4] = [
        HealthType::Healthy,
        HealthType::Unhealthy,
        HealthType::Unknown,
        HealthType::Exited,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HealthType::Unknown => "unknown",
            HealthType::Healthy => "healthy",
            HealthType::Unhealthy => "unhealthy",
            HealthType::Exited => "exited",
        }
    }

    /// Higher is less healthy: healthy < unknown < unhealthy < exited.
    fn priority(self) -> u8 {
        match self {
            HealthType::Healthy => 0,
            HealthType::Unknown => 1,
            HealthType::Unhealthy => 2,
            HealthType::Exited => 3,
        }
    }
}

impl fmt::Display for HealthType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A health state with the message that explains it and when it was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    pub state: HealthType,
    pub message: String,
    pub updated: SystemTime,
}

impl Health {
    pub fn new(state: HealthType, message: impl Into<String>) -> Health {
        Health {
            state,
            message: message.into(),
            updated: SystemTime::now(),
        }
    }

    pub fn healthy(message: impl Into<String>) -> Health {
        Health::new(HealthType::Healthy, message)
    }

    pub fn unhealthy(message: impl Into<String>) -> Health {
        Health::new(HealthType::Unhealthy, message)
    }

    /// Upstream's `LeastHealthy`: the worst state wins; between equal
    /// states the most recent one, and between equal times the earlier
    /// argument.
    pub fn least_healthy<'a>(first: &'a Health, rest: &[&'a Health]) -> &'a Health {
        let mut worst = first;
        for candidate in rest {
            let more_severe = candidate.state.priority() > worst.state.priority();
            let newer = candidate.state == worst.state && candidate.updated > worst.updated;
            if more_severe || newer {
                worst = candidate;
            }
        }
        worst
    }
}

impl Default for Health {
    fn default() -> Health {
        Health {
            state: HealthType::Unknown,
            message: String::new(),
            updated: SystemTime::UNIX_EPOCH,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_worst_and_then_the_newest_wins() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(10);
        let at = |state, secs| Health {
            state,
            message: format!("{state}@{secs}"),
            updated: t0 + Duration::from_secs(secs),
        };
        let healthy = at(HealthType::Healthy, 5);
        let unknown = at(HealthType::Unknown, 1);
        let exited = at(HealthType::Exited, 0);
        assert_eq!(Health::least_healthy(&healthy, &[&unknown]), &unknown);
        assert_eq!(
            Health::least_healthy(&healthy, &[&unknown, &exited]),
            &exited
        );
        let newer = at(HealthType::Healthy, 9);
        assert_eq!(Health::least_healthy(&healthy, &[&newer]), &newer);
        let same = Health {
            message: "other".into(),
            ..healthy.clone()
        };
        assert_eq!(Health::least_healthy(&healthy, &[&same]), &healthy);
    }
}

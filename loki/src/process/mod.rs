//! `loki.process` stages.

//! Keys with a meaning in object literals, for completing them.
//!
//! The catalogue types objects as `map(string)`: the keys are free, but for
//! targets (`list(map(string))` arguments named `targets` or
//! `path_targets`) the components read well-known labels, which is what a
//! user types by hand in a static target list.

use alloy_analysis::catalogue::Type;

/// A key and what it does.
pub type Key = (&'static str, &'static str);

const SCRAPE_TARGET: &[Key] = &[
    ("__address__", "the host:port to scrape"),
    ("__scheme__", "the scheme to scrape with (http or https)"),
    ("__metrics_path__", "the HTTP path to scrape"),
    ("__scrape_interval__", "the scrape interval for this target"),
    ("__scrape_timeout__", "the scrape timeout for this target"),
    ("job", "the job label of the scraped series"),
    ("instance", "the instance label of the scraped series"),
];

const FILE_TARGET: &[Key] = &[
    ("__path__", "the file (or glob pattern) to read"),
    ("__path_exclude__", "a glob pattern of files to leave out"),
];

const PROFILE_TARGET: &[Key] = &[
    ("__address__", "the host:port to scrape profiles from"),
    ("__scheme__", "the scheme to scrape with (http or https)"),
    ("service_name", "the service name of the profiles"),
];

/// The known keys of an object that is the value (after `nesting`) of
/// argument `attr` of `owner`, whose type there is `ty`.
pub fn known_keys(owner: &str, attr: &str, ty: &Type) -> &'static [Key] {
    if !matches!(ty, Type::Map(_) | Type::Object) {
        return &[];
    }
    match attr {
        "path_targets" => FILE_TARGET,
        "targets" if owner.starts_with("loki.source.file") => FILE_TARGET,
        "targets" if owner.starts_with("pyroscope.") => PROFILE_TARGET,
        "targets" => SCRAPE_TARGET,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_the_argument_and_the_type() {
        let map = Type::Map(Box::new(Type::String));
        assert!(known_keys("prometheus.scrape", "targets", &map)
            .iter()
            .any(|(k, _)| *k == "__address__"));
        assert_eq!(
            known_keys("local.file_match", "path_targets", &map)[0].0,
            "__path__"
        );
        assert!(known_keys("prometheus.scrape", "targets", &Type::String).is_empty());
        assert!(known_keys("prometheus.scrape", "honor_labels", &map).is_empty());
    }
}

//! `prometheus.exporter.self`: one target, upstream's, answered in process
//! from the registry `/metrics` serves (no connection is opened).

use std::sync::Arc;

use alloy_prometheus::scrape::memory::{self, MEMORY_ADDRESS};
use alloy_prometheus::Labels;

use super::targets_value;
use crate::component::{
    Arguments, BoxFuture, Component, ComponentError, Context, Registration, Shutdown,
};
use crate::value::{Object, Value};

pub(super) fn registration() -> Option<Registration> {
    Registration::from_catalogue("prometheus.exporter.self", |ctx, args| {
        let component = Arc::new(ExporterSelf::new(ctx));
        component.update(args)?;
        Ok(component as Arc<dyn Component>)
    })
    .map_err(
        |e| tracing::error!(err = %e, "prometheus.exporter.self is missing from the catalogue"),
    )
    .ok()
}

struct ExporterSelf {
    ctx: Context,
    path: String,
}

impl ExporterSelf {
    fn new(ctx: Context) -> ExporterSelf {
        let path = format!("/api/v0/component/{}/metrics", ctx.id);
        memory::register(
            &path,
            Arc::new(|| {
                let body =
                    crate::metrics::text::encode(crate::metrics::process_registry().gather());
                (
                    crate::metrics::text::CONTENT_TYPE.to_owned(),
                    body.into_bytes(),
                )
            }),
        );
        ExporterSelf { ctx, path }
    }
}

impl Component for ExporterSelf {
    fn update(&self, _args: Arguments) -> Result<(), ComponentError> {
        let instance = gethostname::gethostname().to_string_lossy().into_owned();
        let target = Labels::from_pairs([
            ("__address__", MEMORY_ADDRESS),
            ("__scheme__", "http"),
            ("__metrics_path__", self.path.as_str()),
            ("instance", instance.as_str()),
            ("job", "integrations/self"),
        ]);
        let mut exports = Object::new();
        exports.insert("targets", targets_value(&[target]));
        self.ctx.exports.publish(Value::object(exports));
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            shutdown.cancelled().await;
            memory::unregister(&self.path);
            Ok(())
        })
    }
}

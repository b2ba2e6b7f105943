//! `loki.echo`: logs every entry it receives at info level, as upstream
//! (`msg="received log entry"` with the labels, timestamp, entry and
//! structured metadata).

use std::sync::Arc;

use alloy_loki::receiver::BoxFuture;
use alloy_loki::{Entry, Receiver};

use super::publish_receiver;
use crate::component::{
    Arguments, BoxFuture as ComponentFuture, Component, ComponentError, Registration, Shutdown,
};

pub(super) fn registration() -> Option<Registration> {
    Registration::from_catalogue("loki.echo", |ctx, _args| {
        let echo = Arc::new(EchoReceiver {
            span: ctx.span.clone(),
        });
        publish_receiver(&ctx, echo.clone());
        Ok(Arc::new(Echo) as Arc<dyn Component>)
    })
    .map_err(|e| tracing::error!(err = %e, "loki.echo is missing from the catalogue"))
    .ok()
}

struct EchoReceiver {
    span: tracing::Span,
}

impl Receiver for EchoReceiver {
    fn send(&self, entries: Vec<Entry>) -> BoxFuture<'_, ()> {
        let _entered = self.span.enter();
        for e in &entries {
            let ts = alloy_loki::time::format_rfc3339_nanos(e.timestamp);
            let metadata = e
                .structured_metadata
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
            tracing::info!(
                labels = %e.labels,
                ts = %ts,
                entry = %e.line,
                structured_metadata = %format!("{{{metadata}}}"),
                "received log entry"
            );
        }
        Box::pin(std::future::ready(()))
    }
}

struct Echo;

impl Component for Echo {
    fn update(&self, _args: Arguments) -> Result<(), ComponentError> {
        Ok(())
    }

    fn run(
        self: Arc<Self>,
        shutdown: Shutdown,
    ) -> ComponentFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            shutdown.cancelled().await;
            Ok(())
        })
    }
}

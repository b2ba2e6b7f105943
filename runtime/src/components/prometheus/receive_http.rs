//! `prometheus.receive_http`: a remote-write 1.0/2.0 endpoint at
//! `/api/v1/metrics/write` that forwards to `forward_to`.

use std::sync::{Arc, Mutex, RwLock};

use alloy_prometheus::model::{AppendError, Appendable, Batch, Fanout};
use alloy_prometheus::remote_write::proto::Message;
use alloy_prometheus::remote_write::receive::{ReceiveMetrics, Receiver, RefCache};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{err, forward_to, refuse_blocks, Result};
use crate::component::{Arguments, BoxFuture, Component, Context, Health, Registration, Shutdown};
use crate::value::{Object, Value};

pub(super) fn registration() -> Option<Registration> {
    Registration::from_catalogue("prometheus.receive_http", |ctx, args| {
        let component = Arc::new(ReceiveHttp::new(ctx));
        component.update(args)?;
        Ok(component as Arc<dyn Component>)
    })
    .map_err(|e| tracing::error!(err = %e, "prometheus.receive_http is missing from the catalogue"))
    .ok()
}

/// `forward_to`, swapped on update while the server keeps running.
struct Targets(RwLock<Fanout>);

impl Appendable for Targets {
    fn append(&self, batch: &Batch) -> std::result::Result<(), AppendError> {
        let fanout = self.0.read().unwrap_or_else(|e| e.into_inner()).clone();
        fanout.append(batch)
    }
}

#[derive(Clone, PartialEq, Debug)]
struct Settings {
    address: String,
    accepted: Vec<Message>,
}

struct ReceiveHttp {
    ctx: Context,
    targets: Arc<Targets>,
    settings: Mutex<Option<Settings>>,
    bound: Mutex<Option<String>>,
    changed: Notify,
    health: Mutex<Health>,
}

impl ReceiveHttp {
    fn new(ctx: Context) -> ReceiveHttp {
        ReceiveHttp {
            ctx,
            targets: Arc::new(Targets(RwLock::new(Fanout::default()))),
            settings: Mutex::new(None),
            bound: Mutex::new(None),
            changed: Notify::new(),
            health: Mutex::new(Health::default()),
        }
    }

    fn set_health(&self, h: Health) {
        *self.health.lock().unwrap_or_else(|p| p.into_inner()) = h;
    }
}

fn decode(args: &Arguments) -> Result<Settings> {
    if args.get_or("append_metadata", false)? {
        return Err(err(
            "append_metadata = true is not supported by this runtime yet",
        ));
    }
    if args.get_or("enable_type_and_unit_labels", false)? {
        return Err(err(
            "enable_type_and_unit_labels = true is not supported by this runtime yet",
        ));
    }
    let names: Vec<String> = args.get_or(
        "accepted_remote_write_protobuf_messages",
        vec![Message::V1.name().to_owned()],
    )?;
    let mut accepted = Vec::new();
    for n in &names {
        accepted.push(Message::from_name(n).ok_or_else(|| {
            err(format!(
                "accepted_remote_write_protobuf_messages: unknown message {n:?} (expected \"prometheus.WriteRequest\" or \"io.prometheus.write.v2.Request\")"
            ))
        })?);
    }
    if accepted.is_empty() {
        return Err(err(
            "accepted_remote_write_protobuf_messages must not be empty",
        ));
    }
    let (host, port) = match args.block("http") {
        None => (String::new(), 8080),
        Some(block) => {
            let b = &block.body;
            refuse_blocks(b, "http.", &["tls", "http2"])?;
            if b.get_or::<i64>("conn_limit", 0)? != 0 {
                return Err(err("http.conn_limit is not supported by this runtime yet"));
            }
            for (name, default) in [
                ("server_read_timeout", 30u64),
                ("server_write_timeout", 30),
                ("server_idle_timeout", 120),
            ] {
                if let Some(d) = b.get::<std::time::Duration>(name)? {
                    if d != std::time::Duration::from_secs(default) {
                        return Err(err(format!("http.{name} other than its default is not supported by this runtime yet")));
                    }
                }
            }
            let port: i64 = b.get_or("listen_port", 8080)?;
            if !(0..=65535).contains(&port) {
                return Err(err(format!("http.listen_port {port} is out of range")));
            }
            (b.get_or("listen_address", String::new())?, port)
        }
    };
    let host = if host.is_empty() {
        "0.0.0.0".to_owned()
    } else {
        host
    };
    let address = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    Ok(Settings { address, accepted })
}

impl Component for ReceiveHttp {
    fn update(&self, args: Arguments) -> Result<()> {
        let settings = decode(&args)?;
        let receivers = forward_to(&args, "forward_to")?;
        *self.targets.0.write().unwrap_or_else(|e| e.into_inner()) = Fanout::new(receivers);
        let mut current = self.settings.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_ref() != Some(&settings) {
            *current = Some(settings);
            drop(current);
            self.changed.notify_one();
        }
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<()>> {
        Box::pin(async move {
            loop {
                let Some(settings) = self
                    .settings
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone()
                else {
                    return Err(err("no arguments"));
                };
                let listener = tokio::net::TcpListener::bind(&settings.address)
                    .await
                    .map_err(|e| err(format!("listen tcp {}: {e}", settings.address)))?;
                let bound = listener
                    .local_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                *self.bound.lock().unwrap_or_else(|e| e.into_inner()) = Some(bound.clone());
                let receiver = Arc::new(Receiver {
                    forward: self.targets.clone(),
                    accepted: settings.accepted.clone(),
                    refs: RefCache::default(),
                    metrics: ReceiveMetrics::new(&self.ctx.metrics),
                });
                self.set_health(Health::healthy(format!("listening on {bound}")));
                let stop = CancellationToken::new();
                let server = tokio::spawn(receiver.serve(listener, stop.clone()));
                let restart = tokio::select! {
                    () = self.changed.notified() => true,
                    () = shutdown.cancelled() => false,
                };
                stop.cancel();
                let _ = server.await;
                if !restart {
                    return Ok(());
                }
            }
        })
    }

    fn health(&self) -> Option<Health> {
        Some(
            self.health
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        )
    }

    fn debug_info(&self) -> Option<Value> {
        let bound = self
            .bound
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        let mut info = Object::new();
        info.insert("address", Value::from(bound));
        Some(Value::object(info))
    }
}

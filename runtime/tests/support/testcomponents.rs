//! Upstream's `testcomponents.*` (internal/runtime/internal/testcomponents),
//! which its runtime test cases are written against, registered through
//! the same [`Registry`] any crate uses. They also show the shape of a
//! component: decode arguments, publish exports (zero values at build, as
//! upstream's controller pre-populates them), run until cancelled.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy_analysis::catalogue::{Argument, Body, Stability};
use alloy_runtime::component::{
    Arguments, BoxFuture, Component, ComponentError, Context, Registration, Registry, Shutdown,
};
use alloy_runtime::value::{CapsuleValue, Object, Value};

const fn arg(name: &'static str, ty: &'static str, required: bool) -> Argument {
    Argument {
        name,
        ty,
        default: None,
        default_is_literal: true,
        required,
        documented: true,
    }
}

static COUNT: [Argument; 2] = [
    arg("frequency", "duration", true),
    arg("max", "number", true),
];
static PASSTHROUGH: [Argument; 2] = [arg("input", "any", true), arg("lag", "duration", false)];
static SUMMATION: [Argument; 1] = [arg("input", "any", true)];
static PULSE: [Argument; 3] = [
    arg("frequency", "duration", true),
    arg("max", "number", true),
    arg("forward_to", "list(any)", false),
];
static TARGETS: [Argument; 1] = [arg("targets", "list(map(string))", false)];

fn body(arguments: &'static [Argument]) -> Body {
    Body {
        arguments,
        blocks: &[],
    }
}

fn object(fields: &[(&str, Value)]) -> Value {
    let mut o = Object::new();
    for (k, v) in fields {
        o.insert(*k, v.clone());
    }
    Value::object(o)
}

fn duration(args: &Arguments, name: &str) -> Result<Duration, ComponentError> {
    Ok(args.get::<Duration>(name)?.unwrap_or_default())
}

/// Go decodes `null` into an `int` as zero.
fn int(args: &Arguments, name: &str) -> Result<i64, ComponentError> {
    Ok(args.get::<Option<i64>>(name)?.flatten().unwrap_or(0))
}

async fn idle(shutdown: Shutdown) -> Result<(), ComponentError> {
    shutdown.cancelled().await;
    Ok(())
}

pub fn register(registry: &mut Registry) {
    let preview = Stability::PublicPreview;
    let registrations = [
        Registration::custom(
            "testcomponents.count",
            preview,
            false,
            body(&COUNT),
            |ctx, args| {
                let c = Arc::new(Count {
                    ctx,
                    settings: Mutex::new((Duration::ZERO, 0)),
                    count: AtomicI64::new(0),
                });
                c.ctx.exports.publish(object(&[("count", Value::int(0))]));
                c.update(args)?;
                Ok(c as Arc<dyn Component>)
            },
        ),
        Registration::custom(
            "testcomponents.passthrough",
            preview,
            false,
            body(&PASSTHROUGH),
            |ctx, args| {
                ctx.exports.publish(object(&[("output", Value::Null)]));
                let c = Arc::new(Passthrough { ctx });
                c.update(args)?;
                Ok(c as Arc<dyn Component>)
            },
        ),
        Registration::custom(
            "testcomponents.summation",
            preview,
            false,
            body(&SUMMATION),
            |ctx, args| {
                let c = Arc::new(Summation {
                    ctx,
                    sum: AtomicI64::new(0),
                });
                c.update(args)?;
                Ok(c as Arc<dyn Component>)
            },
        ),
        Registration::custom(
            "testcomponents.pulse",
            preview,
            false,
            body(&PULSE),
            |_, args| {
                let c = Arc::new(Pulse {
                    settings: Mutex::new(PulseSettings::default()),
                });
                c.update(args)?;
                Ok(c as Arc<dyn Component>)
            },
        ),
        Registration::custom(
            "testcomponents.summation_receiver",
            preview,
            false,
            body(&[]),
            |ctx, _| {
                let receiver = IntReceiver(Arc::new(AtomicI64::new(0)));
                ctx.exports
                    .publish(object(&[("receiver", Value::capsule(receiver.clone()))]));
                Ok(Arc::new(SummationReceiver { receiver }) as Arc<dyn Component>)
            },
        ),
        Registration::custom(
            "testcomponents.targets",
            preview,
            false,
            body(&TARGETS),
            |ctx, args| {
                let c = Arc::new(Targets { ctx });
                c.update(args)?;
                Ok(c as Arc<dyn Component>)
            },
        ),
        Registration::custom(
            "testcomponents.experimental",
            Stability::Experimental,
            false,
            body(&[]),
            |_, _| Ok(Arc::new(Idle) as Arc<dyn Component>),
        ),
        Registration::custom(
            "testcomponents.community",
            Stability::Experimental,
            true,
            body(&[]),
            |_, _| Ok(Arc::new(Idle) as Arc<dyn Component>),
        ),
    ];
    for registration in registrations {
        registry
            .register(registration)
            .expect("unique test component");
    }
}

struct Idle;

impl Component for Idle {
    fn update(&self, _: Arguments) -> Result<(), ComponentError> {
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(idle(shutdown))
    }
}

/// Counts up to `max`, one every `frequency`.
struct Count {
    ctx: Context,
    settings: Mutex<(Duration, i64)>,
    count: AtomicI64,
}

impl Component for Count {
    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let frequency = duration(&args, "frequency")?;
        if frequency.is_zero() {
            return Err(ComponentError::new("frequency must not be 0"));
        }
        *self.settings.lock().expect("lock") = (frequency, int(&args, "max")?);
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            loop {
                let (frequency, max) = *self.settings.lock().expect("lock");
                tokio::select! {
                    _ = shutdown.cancelled() => return Ok(()),
                    _ = tokio::time::sleep(frequency) => {}
                }
                let current = self.count.load(Ordering::SeqCst);
                if max == 0 || current < max {
                    self.count.store(current + 1, Ordering::SeqCst);
                    self.ctx
                        .exports
                        .publish(object(&[("count", Value::int(current + 1))]));
                }
            }
        })
    }
}

/// Exports its input after `lag`.
struct Passthrough {
    ctx: Context,
}

impl Component for Passthrough {
    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let input = args.get::<Value>("input")?.unwrap_or_default();
        let lag = duration(&args, "lag")?;
        let exports = self.ctx.exports.clone();
        let output = object(&[("output", input)]);
        if lag.is_zero() {
            exports.publish(output);
        } else {
            self.ctx.runtime.spawn(async move {
                tokio::time::sleep(lag).await;
                exports.publish(output);
            });
        }
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(idle(shutdown))
    }
}

/// Adds every input it is given.
struct Summation {
    ctx: Context,
    sum: AtomicI64,
}

impl Component for Summation {
    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let input = int(&args, "input")?;
        let sum = self.sum.fetch_add(input, Ordering::SeqCst) + input;
        self.ctx.exports.publish(object(&[
            ("sum", Value::int(sum)),
            ("last_added", Value::int(input)),
        ]));
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(idle(shutdown))
    }
}

/// The capsule `summation_receiver` exports.
#[derive(Clone)]
struct IntReceiver(Arc<AtomicI64>);

impl CapsuleValue for IntReceiver {
    fn type_name(&self) -> &str {
        "IntReceiver"
    }
}

#[derive(Default)]
struct PulseSettings {
    frequency: Duration,
    max: i64,
    forward_to: Vec<IntReceiver>,
}

/// Sends 1 to each receiver every `frequency`, `max` times.
struct Pulse {
    settings: Mutex<PulseSettings>,
}

impl Component for Pulse {
    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let frequency = duration(&args, "frequency")?;
        if frequency.is_zero() {
            return Err(ComponentError::new("frequency must not be 0"));
        }
        let receivers: Vec<Value> = args.get("forward_to")?.unwrap_or_default();
        let forward_to = receivers
            .iter()
            .map(|v| {
                v.downcast_capsule::<IntReceiver>().cloned().ok_or_else(|| {
                    ComponentError::new(format!("{} is not an IntReceiver", v.describe()))
                })
            })
            .collect::<Result<_, _>>()?;
        *self.settings.lock().expect("lock") = PulseSettings {
            frequency,
            max: int(&args, "max")?,
            forward_to,
        };
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            let mut count = 0;
            loop {
                let frequency = self.settings.lock().expect("lock").frequency;
                tokio::select! {
                    _ = shutdown.cancelled() => return Ok(()),
                    _ = tokio::time::sleep(frequency) => {}
                }
                let settings = self.settings.lock().expect("lock");
                if settings.max == 0 || count < settings.max {
                    for receiver in &settings.forward_to {
                        receiver.0.fetch_add(1, Ordering::SeqCst);
                    }
                    count += 1;
                }
            }
        })
    }
}

/// Exports a receiver; its sum is the debug info.
struct SummationReceiver {
    receiver: IntReceiver,
}

impl Component for SummationReceiver {
    fn update(&self, _: Arguments) -> Result<(), ComponentError> {
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(idle(shutdown))
    }

    fn debug_info(&self) -> Option<Value> {
        Some(Value::int(self.receiver.0.load(Ordering::SeqCst)))
    }
}

/// Exports its targets as `output`.
struct Targets {
    ctx: Context,
}

impl Component for Targets {
    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let targets = args
            .get::<Value>("targets")?
            .unwrap_or_else(|| Value::array(vec![]));
        self.ctx.exports.publish(object(&[("output", targets)]));
        Ok(())
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(idle(shutdown))
    }
}

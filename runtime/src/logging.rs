//! Log output configured by the `logging` block.
//!
//! The runtime and components log through `tracing`. [`install`] sets a
//! subscriber whose only layer renders events as upstream does:
//!
//! * `logfmt`: `ts=2024-05-28T14:20:11.293563Z level=info msg="config reloaded"`
//!   followed by the fields of the enclosing spans (`component_path`,
//!   `component_id`) and of the event;
//! * `json`: the same keys in one JSON object per line.
//!
//! As upstream, lines are held back until the `logging` block has been
//! evaluated (the first evaluation decides the format), then flushed in
//! order. The level and format can change on every reload.
//!
//! `write_to`: every line written is also sent, as a Loki entry labelled
//! `component="alloy"` whose line is the rendered text (as upstream), to the
//! receivers of the `logging` block's `write_to`. Logging never waits for
//! them: lines go through a bounded channel to a forwarding task, and a line
//! that does not fit is dropped and counted ([`Handle::write_to_dropped`]).

use std::fmt::Write as _;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// `logging` `level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

impl LogLevel {
    pub fn parse(text: &str) -> Result<LogLevel, String> {
        match text {
            "error" => Ok(LogLevel::Error),
            "warn" => Ok(LogLevel::Warn),
            "info" => Ok(LogLevel::Info),
            "debug" => Ok(LogLevel::Debug),
            other => Err(format!("unrecognized log level {other:?}")),
        }
    }

    fn of(level: &Level) -> LogLevel {
        match *level {
            Level::ERROR => LogLevel::Error,
            Level::WARN => LogLevel::Warn,
            Level::INFO => LogLevel::Info,
            _ => LogLevel::Debug,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
        }
    }
}

/// `logging` `format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Logfmt = 1,
    Json = 2,
}

impl LogFormat {
    pub fn parse(text: &str) -> Result<LogFormat, String> {
        match text {
            "logfmt" => Ok(LogFormat::Logfmt),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("unrecognized log format {other:?}")),
        }
    }
}

/// What the `logging` block sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogSettings {
    pub level: LogLevel,
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> LogSettings {
        LogSettings {
            level: LogLevel::Info,
            format: LogFormat::Logfmt,
        }
    }
}

/// Lines kept before the format is known; beyond this many, lines are
/// written at once in the default format rather than dropped.
const MAX_BUFFERED: usize = 10_000;

/// One event, before rendering.
struct Line {
    time: SystemTime,
    level: LogLevel,
    fields: Vec<(String, String)>,
}

struct State {
    /// 0 until the first `logging` evaluation, then the level.
    level: AtomicU8,
    format: AtomicU8,
    buffer: Mutex<Vec<Line>>,
    out: Mutex<Box<dyn Write + Send>>,
    /// The `write_to` forwarding channel, when `write_to` is not empty.
    tee: Mutex<Option<tokio::sync::mpsc::Sender<alloy_loki::Entry>>>,
    tee_dropped: std::sync::atomic::AtomicU64,
}

thread_local! {
    /// Set while the `write_to` forwarding task is being polled.
    static FORWARDING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Polls the forwarding future with [`FORWARDING`] set.
struct Forwarding(std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>);

impl std::future::Future for Forwarding {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        FORWARDING.set(true);
        let result = self.0.as_mut().poll(cx);
        FORWARDING.set(false);
        result
    }
}

/// Lines waiting for the `write_to` receivers before new ones are dropped.
const WRITE_TO_CAPACITY: usize = 4096;

impl State {
    fn out(&self) -> MutexGuard<'_, Box<dyn Write + Send>> {
        self.out.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self, line: &Line, format: LogFormat) {
        let text = render(line, format);
        // Logging has nowhere to report its own write errors.
        let _ = self.out().write_all(text.as_bytes());
        self.tee(line, &text);
    }

    fn tee(&self, line: &Line, text: &str) {
        // A line logged while delivering to `write_to` (`loki.echo` logs
        // what it receives) would feed itself forever, growing each time.
        if FORWARDING.get() {
            return;
        }
        let tee = self.tee.lock().unwrap_or_else(|p| p.into_inner());
        let Some(tx) = tee.as_ref() else {
            return;
        };
        let ts = line
            .time
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let entry = alloy_loki::Entry::new(
            [("component", "alloy")].into_iter().collect(),
            alloy_loki::Timestamp::new(ts.as_secs() as i64, ts.subsec_nanos()),
            text.trim_end_matches('\n'),
        );
        if tx.try_send(entry).is_err() {
            self.tee_dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Changes the output after [`install`].
#[derive(Clone)]
pub struct Handle {
    state: Arc<State>,
}

impl Handle {
    /// Applies a `logging` block; the first call flushes the lines held
    /// back until now (those below the level are dropped, as upstream).
    pub fn apply(&self, settings: LogSettings) {
        let state = &self.state;
        state.format.store(settings.format as u8, Ordering::SeqCst);
        let previous = state.level.swap(settings.level as u8, Ordering::SeqCst);
        if previous == 0 {
            let buffered =
                std::mem::take(&mut *state.buffer.lock().unwrap_or_else(|p| p.into_inner()));
            for line in buffered.iter().filter(|l| l.level <= settings.level) {
                state.write(line, settings.format);
            }
        }
    }

    /// Sets the `write_to` receivers (empty: none). Call before
    /// [`Handle::apply`] so that lines held back reach them too, as upstream.
    pub fn set_write_to(&self, write_to: alloy_loki::Fanout, runtime: &tokio::runtime::Handle) {
        let mut tee = self.state.tee.lock().unwrap_or_else(|p| p.into_inner());
        // Dropping the old sender ends the old forwarding task once it has
        // sent what it holds.
        *tee = None;
        if write_to.is_empty() {
            return;
        }
        let (tx, mut rx) = tokio::sync::mpsc::channel(WRITE_TO_CAPACITY);
        runtime.spawn(Forwarding(Box::pin(async move {
            let mut batch = Vec::new();
            while rx.recv_many(&mut batch, 256).await > 0 {
                write_to.send(std::mem::take(&mut batch)).await;
            }
        })));
        *tee = Some(tx);
    }

    /// Lines the `write_to` receivers could not take in time.
    pub fn write_to_dropped(&self) -> u64 {
        self.state.tee_dropped.load(Ordering::Relaxed)
    }

    /// Writes everything held back in the default format (when the process
    /// ends before a `logging` block was evaluated).
    pub fn flush(&self) {
        if self.state.level.load(Ordering::SeqCst) == 0 {
            self.apply(LogSettings::default());
        }
        let _ = self.state.out().flush();
    }
}

/// Installs the subscriber as the process default. Fails when one is
/// already installed (only `alloy run` installs one).
pub fn install(out: Box<dyn Write + Send>) -> Result<Handle, String> {
    use tracing_subscriber::layer::SubscriberExt;
    let state = Arc::new(State {
        level: AtomicU8::new(0),
        format: AtomicU8::new(LogFormat::Logfmt as u8),
        buffer: Mutex::new(Vec::new()),
        out: Mutex::new(out),
        tee: Mutex::new(None),
        tee_dropped: std::sync::atomic::AtomicU64::new(0),
    });
    let subscriber = tracing_subscriber::registry().with(AlloyLayer {
        state: state.clone(),
    });
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|e| format!("installing the logger: {e}"))?;
    Ok(Handle { state })
}

struct AlloyLayer {
    state: Arc<State>,
}

/// Fields of a span, kept in its extensions.
struct SpanFields(Vec<(String, String)>);

#[derive(Default)]
struct Collect {
    message: Option<String>,
    fields: Vec<(String, String)>,
}

impl Visit for Collect {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.push(field, format!("{value:?}"));
    }
}

impl Collect {
    fn push(&mut self, field: &Field, value: String) {
        if field.name() == "message" {
            self.message = Some(value);
        } else {
            self.fields.push((field.name().to_owned(), value));
        }
    }
}

/// Events and spans of other crates (salsa's query traces, hyper's
/// connection logs) are kept only from warnings up: they are not part of
/// upstream's output and would drown it at `debug`.
fn wanted(metadata: &tracing::Metadata<'_>) -> bool {
    metadata.target().starts_with("alloy") || *metadata.level() <= Level::WARN
}

impl<S> tracing_subscriber::Layer<S> for AlloyLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        wanted(metadata)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut collect = Collect::default();
        attrs.record(&mut collect);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(collect.fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let mut collect = Collect::default();
        values.record(&mut collect);
        if let Some(span) = ctx.span(id) {
            if let Some(fields) = span.extensions_mut().get_mut::<SpanFields>() {
                fields.0.extend(collect.fields);
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let level = LogLevel::of(event.metadata().level());
        let configured = self.state.level.load(Ordering::SeqCst);
        if configured != 0 && level as u8 > configured {
            return;
        }
        let mut collect = Collect::default();
        event.record(&mut collect);
        let mut fields = vec![("msg".to_owned(), collect.message.unwrap_or_default())];
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(span_fields) = span.extensions().get::<SpanFields>() {
                    fields.extend(span_fields.0.iter().cloned());
                }
            }
        }
        fields.extend(collect.fields);
        let line = Line {
            time: SystemTime::now(),
            level,
            fields,
        };
        if configured != 0 {
            let format = if self.state.format.load(Ordering::SeqCst) == LogFormat::Json as u8 {
                LogFormat::Json
            } else {
                LogFormat::Logfmt
            };
            self.state.write(&line, format);
            return;
        }
        let mut buffer = self.state.buffer.lock().unwrap_or_else(|p| p.into_inner());
        if buffer.len() < MAX_BUFFERED {
            buffer.push(line);
        } else {
            drop(buffer);
            self.state.write(&line, LogFormat::Logfmt);
        }
    }
}

fn render(line: &Line, format: LogFormat) -> String {
    let ts = crate::timefmt::rfc3339_nanos(line.time);
    let mut pairs: Vec<(&str, &str)> = vec![("ts", &ts), ("level", line.level.as_str())];
    pairs.extend(line.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut out = String::new();
    match format {
        LogFormat::Logfmt => {
            for (i, (key, value)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "{key}={}", logfmt_value(value));
            }
        }
        LogFormat::Json => {
            // Written by hand to keep upstream's key order (ts, level, msg).
            out.push('{');
            for (i, (key, value)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let key = serde_json::Value::String((*key).to_owned());
                let value = serde_json::Value::String((*value).to_owned());
                let _ = write!(out, "{key}:{value}");
            }
            out.push('}');
        }
    }
    out.push('\n');
    out
}

/// go-logfmt's rule: quote empty values and values with spaces, `=`, `"`
/// or control characters.
fn logfmt_value(value: &str) -> String {
    let needs_quotes = value.is_empty()
        || value
            .chars()
            .any(|c| c == ' ' || c == '=' || c == '"' || c.is_control());
    if !needs_quotes {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(fields: &[(&str, &str)]) -> Line {
        Line {
            time: std::time::UNIX_EPOCH,
            level: LogLevel::Info,
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn logfmt_quotes_like_go_logfmt() {
        let l = line(&[
            ("msg", "config reloaded"),
            ("component_path", "/"),
            ("x", ""),
        ]);
        assert_eq!(
            render(&l, LogFormat::Logfmt),
            "ts=1970-01-01T00:00:00Z level=info msg=\"config reloaded\" component_path=/ x=\"\"\n"
        );
    }

    #[test]
    fn json_is_one_object_per_line() {
        let l = line(&[("msg", "a \"b\"")]);
        assert_eq!(
            render(&l, LogFormat::Json),
            "{\"ts\":\"1970-01-01T00:00:00Z\",\"level\":\"info\",\"msg\":\"a \\\"b\\\"\"}\n"
        );
    }
}

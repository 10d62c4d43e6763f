//! How the access log's lines are written: the same text as tracing's default format
//! (`{time}  INFO homedisk::access: GET /path?query peer=… status=… ms=…`), without its
//! character-at-a-time escaping. That escaping (against terminal-control injection) was a
//! fifth of the cost of a cached preview's log line; here the whole line is checked once and
//! written in one piece. A line with any byte outside printable ASCII (a request target cannot
//! hold one, but the check costs little), every other event, and a terminal with colours go
//! through the default format, escaping included.

use std::cell::RefCell;
use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::registry::LookupSpan;

/// The access log's target (`http::access_log`).
pub const TARGET: &str = "homedisk::access";

/// The process's event format: access lines fast, everything else as tracing writes it.
pub struct Lines {
    default: format::Format<format::Full, SystemTime>,
}

impl Lines {
    pub fn new() -> Self {
        Lines { default: format::Format::default() }
    }
}

impl Default for Lines {
    fn default() -> Self {
        Self::new()
    }
}

thread_local! {
    /// The line being put together, reused: a request thread writes one line at a time.
    static LINE: RefCell<String> = const { RefCell::new(String::new()) };
}

impl<S, N> FormatEvent<S, N> for Lines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        if event.metadata().target() != TARGET || writer.has_ansi_escapes() {
            return self.default.format_event(ctx, writer, event);
        }
        let plain = LINE.with_borrow_mut(|line| {
            line.clear();
            event.record(&mut Fields { line, fields: 0 });
            line.bytes().all(|b| (b' '..=b'~').contains(&b))
        });
        if !plain {
            return self.default.format_event(ctx, writer, event);
        }
        SystemTime.format_time(&mut writer)?;
        writer.write_str("  INFO ")?;
        writer.write_str(TARGET)?;
        writer.write_str(": ")?;
        LINE.with_borrow(|line| writer.write_str(line))?;
        writer.write_char('\n')
    }
}

/// Writes the message, then ` name=value` for each other field, as the default format does.
struct Fields<'a> {
    line: &'a mut String,
    fields: usize,
}

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.fields > 0 || field.name() != "message" {
            self.line.push(' ');
        }
        self.fields += 1;
        let _ = match field.name() {
            "message" => write!(self.line, "{value:?}"),
            name => write!(self.line, "{name}={value:?}"),
        };
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        // As the default format: strings other than the message are quoted.
        self.record_debug(field, &value)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::{Lines, TARGET};

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("sink").write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Sink {
        type Writer = Sink;
        fn make_writer(&'a self) -> Sink {
            self.clone()
        }
    }

    /// The lines `emit` writes through `Lines` and through tracing's own default format.
    fn both(emit: impl Fn()) -> (String, String) {
        let run = |fast: bool| {
            let sink = Sink::default();
            let builder = tracing_subscriber::fmt().with_writer(sink.clone()).with_ansi(false);
            let _guard = if fast {
                tracing::subscriber::set_default(builder.event_format(Lines::new()).finish())
            } else {
                tracing::subscriber::set_default(builder.finish())
            };
            emit();
            let text = String::from_utf8(sink.0.lock().expect("sink").clone()).expect("utf-8");
            // The timestamps differ; the rest must not.
            text.lines()
                .map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest).to_owned())
                .collect::<Vec<_>>()
                .join("\n")
        };
        (run(true), run(false))
    }

    #[test]
    fn access_lines_read_as_the_default_format_writes_them() {
        let peer = "127.0.0.1";
        let (fast, default) = both(|| {
            tracing::info!(target: TARGET, %peer, status = 200u16, ms = %format_args!("{:.2}", 0.5), "GET /preview/x?size=sm&token=REDACTED");
            tracing::info!(target: TARGET, peer = "quoted", "HEAD /");
            tracing::info!(target: "homedisk::other", n = 3, "something else");
        });
        assert_eq!(fast, default);
        assert!(fast.contains("INFO homedisk::access: GET /preview/x?size=sm&token=REDACTED peer=127.0.0.1 status=200 ms=0.50"), "{fast}");
    }

    #[test]
    fn control_characters_are_escaped_as_by_default() {
        let (fast, default) = both(|| {
            let path = "/\x1b[31mred";
            tracing::info!(target: TARGET, peer = %"::1", status = 200u16, "GET {path}");
        });
        assert_eq!(fast, default);
        assert!(fast.contains("GET /\\x1b[31mred"), "{fast}");
    }
}

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
use tracing_subscriber::fmt::time::SystemTime;
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
    /// The second of the last time written and its text up to the `.` (`2026-12-01T16:23:10.`):
    /// formatting a date was a fifth of the line's cost, and the lines of one second share it.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// Appends `at` as tracing's default format writes it (RFC 3339, UTC, microseconds:
/// `2026-12-01T16:23:10.123456Z`).
fn stamp(at: std::time::SystemTime, out: &mut String) {
    let since = at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    SECOND.with_borrow_mut(|(second, text)| {
        if *second != secs {
            text.clear();
            let date = chrono::DateTime::<chrono::Utc>::from(
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs),
            );
            let _ = write!(text, "{}.", date.format("%Y-%m-%dT%H:%M:%S"));
            *second = secs;
        }
        out.push_str(text);
    });
    let _ = write!(out, "{:06}Z", since.subsec_micros());
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
        LINE.with_borrow_mut(|line| {
            // The line so far moves to the end; the time goes in front without a second buffer.
            let fields = line.len();
            stamp(std::time::SystemTime::now(), line);
            writer.write_str(&line[fields..])?;
            line.truncate(fields);
            Ok::<_, fmt::Error>(())
        })?;
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

    use tracing_subscriber::fmt::time::SystemTime;

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
    fn times_read_as_the_default_format_writes_them() {
        use std::time::{Duration, UNIX_EPOCH};
        let at = |secs: u64, micros: u32| UNIX_EPOCH + Duration::new(secs, micros * 1000);
        let text = |t| {
            let mut out = String::new();
            super::stamp(t, &mut out);
            out
        };
        assert_eq!(text(at(1_796_142_600, 7)), "2026-12-01T16:30:00.000007Z");
        assert_eq!(text(at(1_796_142_600, 999_999)), "2026-12-01T16:30:00.999999Z");
        assert_eq!(text(at(1_796_142_601, 0)), "2026-12-01T16:30:01.000000Z", "the next second");
        assert_eq!(text(at(951_782_400, 123_456)), "2000-02-29T00:00:00.123456Z");
        // The same shape as tracing's own clock.
        let mut theirs = String::new();
        tracing_subscriber::fmt::time::FormatTime::format_time(
            &SystemTime,
            &mut tracing_subscriber::fmt::format::Writer::new(&mut theirs),
        )
        .expect("formats");
        let ours = text(std::time::SystemTime::now());
        assert_eq!(theirs.len(), ours.len(), "{theirs} / {ours}");
        assert_eq!(theirs[..14], ours[..14], "{theirs} / {ours}");
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

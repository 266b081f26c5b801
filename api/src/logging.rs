//! Log lines on stderr, as text for people or as JSON for a log collector (`--log-format`).
//! Levels follow `RUST_LOG` (default `info`, SQL driver warnings only). Lines carry request ids,
//! never values of records.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Installs the process's subscriber, writing to stderr (and taking in `log` records of
/// dependencies that do not use tracing).
pub fn init(format: LogFormat) {
    use tracing_subscriber::util::SubscriberInitExt as _;
    subscriber(format, std::io::stderr).init();
}

/// The subscriber for `format`, writing to `writer`.
pub fn subscriber<W>(format: LogFormat, writer: W) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.finish()),
        LogFormat::Json => Box::new(builder.json().flatten_event(true).with_current_span(true).finish()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn json_lines_are_one_object_each_with_the_span_and_fields() {
        let lines = Lines::default();
        let out = lines.clone();
        let subscriber = subscriber(LogFormat::Json, move || out.clone());
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("graphql", request_id = "r-1");
            let _entered = span.enter();
            tracing::warn!(attempts = 3, "login throttled");
        });
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.lines().next().expect("a line")).expect("JSON");
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["message"], "login throttled");
        assert_eq!(line["attempts"], 3);
        assert_eq!(line["span"]["request_id"], "r-1");
    }
}

//! The spans a test's process closed, with their fields: how a test reads
//! what logs and Sentry reports would carry. The collector is the process's
//! global subscriber (each test is a process of its own under nextest).

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, OnceLock},
};

use tracing::{
    field::{Field, Visit},
    span::{Attributes, Id, Record},
    Subscriber,
};
use tracing_subscriber::{layer::Context, prelude::*, registry::LookupSpan, Layer};

/// A closed span: its name and its fields, formatted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClosedSpan {
    pub name: &'static str,
    pub fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Vec<ClosedSpan>>>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Collector {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(fields) = span.extensions_mut().get_mut::<Fields>() {
                values.record(fields);
            }
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id) {
            let fields = span
                .extensions()
                .get::<Fields>()
                .map(|f| f.0.clone())
                .unwrap_or_default();
            let mut closed = self.0.lock().unwrap_or_else(|p| p.into_inner());
            closed.push(ClosedSpan {
                name: span.name(),
                fields,
            });
        }
    }
}

/// Starts collecting (once per process); returns what closed so far.
pub fn closed() -> Vec<ClosedSpan> {
    static COLLECTOR: OnceLock<Collector> = OnceLock::new();
    let collector = COLLECTOR.get_or_init(|| {
        let collector = Collector::default();
        let _ = tracing_subscriber::registry()
            .with(collector.clone())
            .try_init();
        collector
    });
    collector
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
}

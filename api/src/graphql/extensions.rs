//! What every GraphQL request goes through besides its resolvers.
//!
//! `OperationSpans`: each operation runs in a `graphql` span with its
//! `operation_name` and, once access to one is proven
//! (`access::organization`), its `organization_id`: the logs and Sentry
//! reports of a request say which operation, for which tenant, by ids only.
//!
//! `BadArguments`: an argument value that validation refuses (a name
//! outside an enum such as `ApiKeyScope`, a string where a number belongs,
//! a date that is no date) answers `BAD_USER_INPUT` with the argument in
//! `extensions.field`, like every other invalid argument (API.md), instead
//! of an error with no code. Validation refuses the whole document, so
//! nothing of it has run.

use std::sync::Arc;

use async_graphql::{
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextValidation},
    Response, ServerError, ValidationResult,
};
use tracing::Instrument;

pub struct OperationSpans;

impl ExtensionFactory for OperationSpans {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationSpans)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for OperationSpans {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let span = tracing::info_span!(
            "graphql",
            operation_name = tracing::field::Empty,
            organization_id = tracing::field::Empty,
        );
        if let Some(name) = operation_name {
            span.record("operation_name", name);
        }
        next.run(ctx, operation_name).instrument(span).await
    }
}

/// The prefix of async-graphql's message for an argument whose value does
/// not fit its type: `Invalid value for argument "scopes.0", enumeration
/// type "ApiKeyScope" does not contain the value "root"`.
const INVALID_ARGUMENT: &str = "Invalid value for argument \"";

pub struct BadArguments;

impl ExtensionFactory for BadArguments {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(BadArguments)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for BadArguments {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx)
            .await
            .map_err(|errors| errors.into_iter().map(coded).collect())
    }
}

/// The error with `BAD_USER_INPUT` and the argument's name, if it is an
/// invalid argument value and has no code yet.
fn coded(mut error: ServerError) -> ServerError {
    let argument = error
        .message
        .strip_prefix(INVALID_ARGUMENT)
        .and_then(|rest| rest.split('"').next())
        .map(|path| path.split('.').next().unwrap_or(path).to_owned());
    if let (Some(argument), None) = (argument, &error.extensions) {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        extensions.set("code", "BAD_USER_INPUT");
        extensions.set("field", argument);
    }
    error
}

#[cfg(test)]
mod tests {
    use std::{
        collections::BTreeMap,
        sync::{Arc, Mutex},
    };

    use async_graphql::{EmptyMutation, EmptySubscription, Enum, Object, Schema, Variables};
    use serde_json::json;
    use tracing::{
        field::{Field, Visit},
        span::{Attributes, Id, Record},
        Subscriber,
    };
    use tracing_subscriber::{layer::Context, prelude::*, registry::LookupSpan, Layer};

    use super::*;

    /// The fields of every span that closed, by span name.
    #[derive(Clone, Default)]
    struct Closed(Arc<Mutex<Vec<(&'static str, Fields)>>>);

    #[derive(Clone, Debug, Default, PartialEq)]
    struct Fields(BTreeMap<String, String>);

    impl Visit for Fields {
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.insert(field.name().to_owned(), value.to_owned());
        }
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.insert(field.name().to_owned(), format!("{value:?}"));
        }
    }

    impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Closed {
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
                    .cloned()
                    .unwrap_or_default();
                self.0.lock().unwrap().push((span.name(), fields));
            }
        }
    }

    struct Tenant;

    #[Object]
    impl Tenant {
        async fn name(&self) -> &str {
            crate::access::note_organization(uuid::Uuid::nil());
            "Acme"
        }
    }

    #[tokio::test]
    async fn an_operation_runs_in_a_span_with_its_name_and_organization() {
        let closed = Closed::default();
        let _default =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(closed.clone()));
        let schema = Schema::build(Tenant, EmptyMutation, EmptySubscription)
            .extension(OperationSpans)
            .finish();
        for query in ["query Dashboard { name }", "{ name }"] {
            let r = schema.execute(query).await;
            assert!(r.errors.is_empty(), "{:?}", r.errors);
        }
        let graphql: Vec<Fields> = closed
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|(name, _)| *name == "graphql")
            .map(|(_, fields)| fields.clone())
            .collect();
        let nil = uuid::Uuid::nil().to_string();
        assert_eq!(
            graphql,
            [
                Fields(BTreeMap::from([
                    ("operation_name".into(), "Dashboard".into()),
                    ("organization_id".into(), nil.clone()),
                ])),
                Fields(BTreeMap::from([("organization_id".into(), nil)])),
            ]
        );
    }

    #[derive(Enum, Copy, Clone, Eq, PartialEq)]
    enum Colour {
        Red,
        Blue,
    }

    struct Query;

    #[Object]
    impl Query {
        async fn paint(&self, colours: Vec<Colour>) -> usize {
            colours.len()
        }
    }

    async fn answer(query: &str, variables: serde_json::Value) -> serde_json::Value {
        let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
            .extension(BadArguments)
            .finish();
        let request = async_graphql::Request::new(query).variables(Variables::from_json(variables));
        serde_json::to_value(schema.execute(request).await).unwrap()
    }

    #[tokio::test]
    async fn a_value_outside_an_enum_is_bad_user_input_naming_the_argument() {
        for (query, variables) in [
            ("{ paint(colours: [RED, GREEN]) }", json!({})),
            (
                "query($c: [Colour!]!) { paint(colours: $c) }",
                json!({"c": ["RED", "GREEN"]}),
            ),
        ] {
            let r = answer(query, variables).await;
            let error = &r["errors"][0];
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{r}");
            assert_eq!(error["extensions"]["field"], "colours", "{r}");
            let message = error["message"].as_str().unwrap();
            assert!(
                message.contains("Colour") && message.contains("GREEN"),
                "{message}"
            );
            assert!(r["data"].is_null(), "nothing ran: {r}");
        }
        let ok = answer("{ paint(colours: [RED, BLUE]) }", json!({})).await;
        assert_eq!(ok, json!({"data": {"paint": 2}}));
    }

    #[tokio::test]
    async fn other_validation_errors_are_left_as_they_are() {
        let r = answer("{ paint(colours: [RED]) nothing }", json!({})).await;
        assert!(r["errors"][0]["extensions"].is_null(), "{r}");
    }
}

//! What every GraphQL request goes through besides its resolvers.
//!
//! `BadArguments`: an argument value that validation refuses (a name
//! outside an enum such as `ApiKeyScope`, a string where a number belongs,
//! a date that is no date) answers `BAD_USER_INPUT` with the argument in
//! `extensions.field`, like every other invalid argument (API.md), instead
//! of an error with no code. Validation refuses the whole document, so
//! nothing of it has run.

use std::sync::Arc;

use async_graphql::{
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation},
    ServerError, ValidationResult,
};

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
    use async_graphql::{EmptyMutation, EmptySubscription, Enum, Object, Schema, Variables};
    use serde_json::json;

    use super::*;

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

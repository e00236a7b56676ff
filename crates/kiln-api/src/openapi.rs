//! OpenAPI schemas of the types whose serde is written by hand (behind the `openapi`
//! feature). Every other wire type derives its schema next to its definition.

use std::borrow::Cow;

use utoipa::openapi::Ref;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{KnownFormat, RefOr, SchemaFormat};
use utoipa::{PartialSchema, ToSchema};

use crate::build2::{ConnectingSelection, DatasetsSelection, JobSpecSelection, JobSpecsSelection, UpstreamSelection};
use crate::{Rid, TeamName, Timestamp};

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).description(Some(description))
}

impl PartialSchema for Rid {
    fn schema() -> RefOr<Schema> {
        string("A resource identifier: ri.<service>.<instance>.<type>.<locator>.")
            .pattern(Some(r"^ri\.[a-z][a-z0-9-]*\.([a-z0-9][a-z0-9-]*)?\.[a-z][a-z0-9-]*\.[A-Za-z0-9._-]+$"))
            .examples(["ri.foundry.main.dataset.1b6c7d2e-0000-5000-8000-000000000000"])
            .into()
    }
}

impl ToSchema for Rid {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Rid")
    }
}

impl PartialSchema for TeamName {
    fn schema() -> RefOr<Schema> {
        string("A team name.").pattern(Some("^[a-z0-9][a-z0-9_-]{0,62}$")).examples(["default"]).into()
    }
}

impl ToSchema for TeamName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("TeamName")
    }
}

impl PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        string("An RFC 3339 time, in UTC on the way out.")
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .into()
    }
}

impl ToSchema for Timestamp {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Timestamp")
    }
}

/// `{"type": kind, kind: payload}`: the tag repeated as the payload's key.
fn selection(kind: &str, payload: RefOr<Schema>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("type", ObjectBuilder::new().schema_type(Type::String).enum_values(Some([kind])))
        .property(kind, payload)
        .required("type")
        .required(kind)
}

impl PartialSchema for JobSpecSelection {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .description(Some("One job-spec selection; selections are unioned."))
            .item(selection("datasets", reference::<DatasetsSelection>()))
            .item(selection("jobSpecs", reference::<JobSpecsSelection>()))
            .item(selection("upstream", reference::<UpstreamSelection>()))
            .item(selection("connecting", reference::<ConnectingSelection>()))
            .into()
    }
}

impl ToSchema for JobSpecSelection {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("JobSpecSelection")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        register::<DatasetsSelection>(schemas);
        register::<JobSpecsSelection>(schemas);
        register::<UpstreamSelection>(schemas);
        register::<ConnectingSelection>(schemas);
    }
}

fn reference<T: ToSchema>() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(T::name()))
}

/// Adds `T` and everything it refers to, as a derived parent does for its fields.
fn register<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

//! `POST /v2/orchestration/builds/search`: the `where` tree, the order and the page.

use serde::{Deserialize, Serialize};

use super::Build;
use crate::build2::null_as_default;

/// `SearchBuildsFilter`, tagged by `type`. Leaf values are untyped on the wire (`Any` in
/// the SDK); the server checks each against its field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SearchBuildsFilter {
    /// Builds where `value` does not hold.
    Not {
        // The filter is a tree: its schema refers to itself by name instead of nesting.
        #[cfg_attr(feature = "openapi", schema(no_recursion))]
        value: Box<SearchBuildsFilter>,
    },
    /// Builds where at least one item holds.
    Or {
        #[serde(default, deserialize_with = "null_as_default")]
        #[cfg_attr(feature = "openapi", schema(no_recursion))]
        items: Vec<SearchBuildsFilter>,
    },
    /// Builds where every item holds.
    And {
        #[serde(default, deserialize_with = "null_as_default")]
        #[cfg_attr(feature = "openapi", schema(no_recursion))]
        items: Vec<SearchBuildsFilter>,
    },
    /// `field < value` (a timestamp).
    Lt {
        field: TimeField,
        // `Any` in the SDK; Kiln reads an RFC 3339 time and refuses anything else.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        value: serde_json::Value,
    },
    /// `field >= value` (a timestamp).
    Gte {
        field: TimeField,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        value: serde_json::Value,
    },
    /// `field == value`.
    Eq {
        field: EqualsField,
        // `Any` in the SDK; every `eq` field of Kiln's takes a string (a RID, a status, …).
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        value: serde_json::Value,
    },
}

/// `SearchBuildsEqualsFilterField`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EqualsField {
    CreatedBy,
    BranchName,
    Status,
    Rid,
}

/// `SearchBuildsGteFilterField`, `SearchBuildsLtFilterField` and `SearchBuildsOrderByField`
/// (the same two literals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimeField {
    StartedTime,
    FinishedTime,
}

/// `core.OrderByDirection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderByDirection {
    Asc,
    Desc,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchBuildsOrderBy {
    #[serde(default, deserialize_with = "null_as_default")]
    pub fields: Vec<SearchBuildsOrderByItem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchBuildsOrderByItem {
    pub field: TimeField,
    pub direction: OrderByDirection,
}

/// The body of `POST /v2/orchestration/builds/search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SearchBuildsRequest {
    #[serde(rename = "where")]
    pub where_: SearchBuildsFilter,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_by: Option<SearchBuildsOrderBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
    /// 100 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SearchBuildsResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub data: Vec<Build>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

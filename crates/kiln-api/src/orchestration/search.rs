//! `POST /v2/orchestration/builds/search`: the `where` tree, the order and the page.

use serde::{Deserialize, Serialize};

use super::Build;
use crate::build2::null_as_default;

/// `SearchBuildsFilter`, tagged by `type`. Leaf values are untyped on the wire (`Any` in
/// the SDK); the server checks each against its field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SearchBuildsFilter {
    /// Builds where `value` does not hold.
    Not { value: Box<SearchBuildsFilter> },
    /// Builds where at least one item holds.
    Or {
        #[serde(default, deserialize_with = "null_as_default")]
        items: Vec<SearchBuildsFilter>,
    },
    /// Builds where every item holds.
    And {
        #[serde(default, deserialize_with = "null_as_default")]
        items: Vec<SearchBuildsFilter>,
    },
    /// `field < value` (a timestamp).
    Lt { field: TimeField, value: serde_json::Value },
    /// `field >= value` (a timestamp).
    Gte { field: TimeField, value: serde_json::Value },
    /// `field == value`.
    Eq { field: EqualsField, value: serde_json::Value },
}

/// `SearchBuildsEqualsFilterField`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimeField {
    StartedTime,
    FinishedTime,
}

/// `core.OrderByDirection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderByDirection {
    Asc,
    Desc,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SearchBuildsOrderBy {
    #[serde(default, deserialize_with = "null_as_default")]
    pub fields: Vec<SearchBuildsOrderByItem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchBuildsOrderByItem {
    pub field: TimeField,
    pub direction: OrderByDirection,
}

/// The body of `POST /v2/orchestration/builds/search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[serde(rename_all = "camelCase")]
pub struct SearchBuildsResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub data: Vec<Build>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

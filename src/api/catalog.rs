//! What the service knows: datasets, job specs and the lineage between them.

use kiln_api::teams::{CatalogDatasets, CatalogJobSpecs, CatalogQuery, Lineage};

use super::{ApiError, Client, Surface};

fn query_string(query: &CatalogQuery) -> String {
    match serde_urlencoded::to_string(query) {
        Ok(q) if !q.is_empty() => format!("?{q}"),
        _ => String::new(),
    }
}

pub async fn datasets(client: &Client, query: &CatalogQuery) -> Result<CatalogDatasets, ApiError> {
    client.get(Surface::Teams, &format!("/catalog/datasets{}", query_string(query))).await
}

pub async fn jobspecs(client: &Client, query: &CatalogQuery) -> Result<CatalogJobSpecs, ApiError> {
    client.get(Surface::Teams, &format!("/catalog/jobspecs{}", query_string(query))).await
}

pub async fn lineage(client: &Client) -> Result<Lineage, ApiError> {
    client.get(Surface::Teams, "/catalog/lineage").await
}

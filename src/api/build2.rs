//! The build2 endpoints: submit, build and job reports, job spec of a dataset.

use kiln_api::build2::{
    BuildReport, JobReport, JobSpecForDatasetRequest, JobSpecInfo, SubmitBuildRequest, SubmitBuildResponse,
};
use kiln_api::{Rid, TEAM_HEADER, TeamName};

use super::{ApiError, Client, Surface, encode};

pub async fn submit_build(
    client: &Client,
    request: &SubmitBuildRequest,
    team: &TeamName,
) -> Result<SubmitBuildResponse, ApiError> {
    client
        .post_json(Surface::Build2, "/manager/submitBuild", request, &[(TEAM_HEADER, team.as_str())])
        .await?
        .ok_or_else(|| ApiError::Decode("the service accepted the build but sent no answer".to_owned()))
}

/// The build report, or `None` when the service does not know the build.
pub async fn build_report(client: &Client, rid: &Rid) -> Result<Option<BuildReport>, ApiError> {
    client.get_json(Surface::Build2, &format!("/info/builds2/{}", encode(rid.as_str()))).await
}

/// The job report, or `None` when the service does not know the job.
pub async fn job_report(client: &Client, rid: &Rid) -> Result<Option<JobReport>, ApiError> {
    client.get_json(Surface::Build2, &format!("/info/jobs3/{}", encode(rid.as_str()))).await
}

pub async fn jobspec_for_dataset(
    client: &Client,
    request: &JobSpecForDatasetRequest,
) -> Result<Option<JobSpecInfo>, ApiError> {
    client.post_json(Surface::Build2, "/jobspecs/get-jobspec-for-dataset", request, &[]).await
}

//! One module per route.

pub mod all_builds;
pub mod build_report;
pub mod catalog;
pub mod compare;
pub mod job_report;
pub mod job_spec;
pub mod lineage;
pub mod not_found;
pub mod settings;
pub mod submit;
pub mod team_builds;

//! HTTP-level tests of kiln-server: each boots a server on a temp dir with a small
//! pipeline of its own and polls for conditions with a deadline.

mod attempts;
mod chaos;
mod compression;
mod demo;
mod errors;
mod helpers;
mod jobs;
mod logs;
mod oidc;
mod openapi;
mod options;
mod pipeline;
mod restart;
mod scheduler;
mod selections;
mod staleness;
mod stop;
mod teams;
mod v2;

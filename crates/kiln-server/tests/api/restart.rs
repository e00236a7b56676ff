//! A crash leaves jobs RUNNING in the store; the next start kills what is left of their
//! processes and finishes them as FAILED.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use kiln_api::build2::{BuildStatus, JobStatus};
use serde_json::json;

use crate::helpers::{self, TestServer};

const SLOW: &str =
    "[[job_specs]]\nname = \"slow\"\noutputs = [\"out\"]\ncommand = \"echo $$ > ../slow.pid; sleep 60\"\n";

#[tokio::test]
async fn a_restart_fails_what_a_crash_left_running() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("project");
    helpers::write_files(&project, &[("pipeline.toml", SLOW)]);
    std::fs::create_dir_all(project.join("work")).expect("mkdir");
    // The job runs in project/work, so its pid file lands in the project folder.
    std::fs::write(project.join("pipeline.toml"), SLOW.replace("command =", "dir = \"work\"\ncommand ="))
        .expect("write");
    let data = dir.path().join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln-server"))
        .args(["--addr", "127.0.0.1:0", "--ui-dir", "none"])
        .arg("--data-dir")
        .arg(&data)
        .arg("--pipeline")
        .arg(project.join("pipeline.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the binary");
    let stdout = child.stdout.take().expect("stdout");
    // The first line, read on a thread so that a server that never prints it fails the test
    // after the deadline instead of hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(helpers::DEADLINE).unwrap_or_else(|e| {
        let _ = child.kill();
        panic!("no listening line within {:?}: {e}", helpers::DEADLINE)
    });
    let base = line.trim().strip_prefix("kiln-server listening on ").expect("listening line").to_owned();

    let client = reqwest::Client::new();
    let r: kiln_api::build2::SubmitBuildResponse = client
        .post(format!("{base}/build2/api/manager/submitBuild"))
        .json(&helpers::datasets_body(&["out"], json!({})))
        .send()
        .await
        .expect("submit")
        .json()
        .await
        .expect("response");
    let pid_file = project.join("slow.pid");
    let pid: u32 = helpers::until("the job to start", helpers::DEADLINE, || async {
        std::fs::read_to_string(&pid_file).ok().and_then(|t| t.trim().parse().ok())
    })
    .await;

    // The job's shell runs `sleep` as its own child, in its process group.
    helpers::until("the job's sleep to start", helpers::DEADLINE, || async {
        (helpers::group_members(pid).len() >= 2).then_some(())
    })
    .await;

    // Crash: no chance to record anything.
    child.kill().expect("kill the server");
    child.wait().expect("reap the server");
    // PR_SET_PDEATHSIG: the kernel kills the job's shell with the server. Its `sleep`, a
    // grandchild, lives on until the restart.
    helpers::until("the job's shell to die with the server", helpers::DEADLINE, || async {
        (!std::path::Path::new(&format!("/proc/{pid}")).exists()).then_some(())
    })
    .await;
    assert!(!helpers::group_members(pid).is_empty(), "the grandchild outlives the server until the restart");

    let mut config = kiln_server::ServerConfig::new(data);
    config.pipeline = Some(project.join("pipeline.toml"));
    let server = kiln_server::start(config).await.expect("restart");
    // The restart killed the rest of the job's process group before it started serving.
    assert_eq!(helpers::group_members(pid), Vec::<u32>::new(), "processes left of the crashed run's job");
    let s = TestServer { base: server.url(), server: Some(server), dir, client, token: None };
    let b = s.build(&r.build_rid).await;
    assert_eq!(b.status, BuildStatus::Failed);
    assert!(b.finished_time.is_some());
    let job = TestServer::job_of(&b, "slow");
    assert_eq!((job.status, job.reason.as_deref()), (JobStatus::Failed, Some("server restarted")));
    let report = s.job(&job.rid).await;
    assert!(report.attempts[0].finished_time.is_some());
    let team = s.get_json(&format!("/api/v1/teams/default/builds/{}", b.run_id)).await;
    assert_eq!(team["status"]["state"], "failed");
    // Run ids keep counting after the restart.
    let next = s.submit(helpers::datasets_body(&["out"], json!({"forceBuild": true}))).await;
    assert_eq!(s.build(&next.build_rid).await.run_id, b.run_id + 1);
    s.post_json(&format!("/api/v1/teams/default/builds/{}/stop", b.run_id + 1), &json!({})).await;
}

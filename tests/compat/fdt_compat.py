#!/usr/bin/env python3
"""foundry-dev-tools compatibility: the real, unmodified Python client against kiln-server.

docs/api.md promises that an unmodified `foundry-dev-tools` (module
`foundry_dev_tools.clients.build2`) pointed at kiln-server can submit a build and read its
build and job reports, including what its own `fdt build` command reads (`jobRids`,
`jobResults`), and cancel a build through build2. This script checks that with the pinned client of
tests/compat/requirements.txt, against a running kiln-server with the embedded demo pipeline:

    python fdt_compat.py http://127.0.0.1:PORT      (or KILN_URL=http://127.0.0.1:PORT)

`cargo xtask test` runs it (step "foundry-dev-tools compatibility") in the venv
target/fdt-venv against a throw-away server. It prints one line per check and ends with
`N passed, N failed`; any failure exits 1. It forces its builds and uses a fresh
submissionId, so it may run more than once against the same server.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request
import uuid

# foundry-dev-tools looks for config files under the user's config dirs when it is not given
# both a Config and a token provider. We give both, but keep it away from the real $HOME
# anyway, so no developer's ~/.foundry-dev-tools can change what this checks.
_HOME = tempfile.mkdtemp(prefix="kiln-fdt-home-")
for _var in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
    os.environ[_var] = _HOME if _var == "HOME" else os.path.join(_HOME, _var.lower())
# Loopback only: never through a proxy from the environment.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

from foundry_dev_tools import __version__ as FDT_VERSION  # noqa: E402
from foundry_dev_tools import Config, FoundryContext, JWTTokenProvider  # noqa: E402
from foundry_dev_tools.config.config_types import Host  # noqa: E402
from foundry_dev_tools.errors.compass import ResourceNotFoundError  # noqa: E402

BUILD_DEADLINE_S = 120.0
POLL_INTERVAL_S = 0.25
TERMINAL = {"SUCCEEDED", "FAILED", "CANCELED"}
UNKNOWN_BUILD = "ri.foundry.main.build.00000000-0000-4000-8000-000000000000"
UNKNOWN_JOB = "ri.foundry.main.job.00000000-0000-4000-8000-000000000000"
UNKNOWN_DATASET = "ri.foundry.main.dataset.00000000-0000-4000-8000-000000000000"


class Checks:
    """One line per check; a failed check is counted and the run goes on where it can."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"ok   - {name}" + (f" ({detail})" if detail else ""), flush=True)
        else:
            self.failed += 1
            print(f"FAIL - {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def run(self, name: str, fn):
        """Runs `fn`; an exception is a failed check named `name`. Returns fn's value or None."""
        try:
            return fn()
        except Exception as e:  # noqa: BLE001 - any error is a failed check
            self.check(name, False, f"{type(e).__name__}: {e}")
            traceback.print_exc(file=sys.stdout)
            return None


def catalog_dataset_rid(base: str, name: str) -> str:
    """Kiln's own catalog (not a foundry-dev-tools call): the RID of the dataset `name`."""
    url = f"{base}/api/v1/catalog/datasets?" + urllib.parse.urlencode({"q": name})
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - loopback http by design
        body = json.load(resp)
    matches = [d["rid"] for d in body["datasets"] if d["name"] == name]
    if len(matches) != 1:
        raise RuntimeError(f"catalog has {len(matches)} datasets named {name!r}: {body}")
    return matches[0]


def make_context(base: str) -> FoundryContext:
    """A real FoundryContext on plain http, the way a user would point it at a host."""
    parsed = urllib.parse.urlsplit(base)
    if parsed.scheme != "http" or not parsed.netloc:
        raise SystemExit(f"expected http://HOST:PORT, got {base!r}")
    host = Host(parsed.netloc, scheme="http")
    return FoundryContext(config=Config(), token_provider=JWTTokenProvider(host=host, jwt="kiln-compat"))


def wait_for_build(ctx: FoundryContext, build_rid: str) -> dict:
    """Polls the build report through foundry-dev-tools until a terminal status or the deadline."""
    deadline = time.monotonic() + BUILD_DEADLINE_S
    while True:
        report = ctx.build2.api_get_build_report(build_rid).json()
        if report.get("status") in TERMINAL:
            return report
        if time.monotonic() > deadline:
            raise TimeoutError(f"build {build_rid} still {report.get('status')} after {BUILD_DEADLINE_S:.0f}s")
        time.sleep(POLL_INTERVAL_S)


def check_job_reports(c: Checks, ctx: FoundryContext, build_rid: str, report: dict, label: str) -> dict:
    """api_get_job_report for every job of a build report; returns the job reports by spec name."""
    by_name = {}
    for job in report.get("jobs", []):
        name = job.get("jobSpecName", job["rid"])
        jr = c.run(f"{label}: job report of {name}", lambda: ctx.build2.api_get_job_report(job["rid"]).json())
        if jr is None:
            continue
        by_name[name] = jr
        attempts = jr.get("attempts") or []
        ok = (
            jr.get("rid") == job["rid"]
            and jr.get("buildRid") == build_rid
            and jr.get("status") == job.get("status")
            and jr.get("jobSpecRid") == job.get("jobSpecRid")
        )
        if jr.get("status") == "SUCCEEDED":
            last = attempts[-1] if attempts else {}
            ok = ok and len(attempts) >= 1 and last.get("exitCode") == 0 and last.get("finishedTime") is not None
        elif jr.get("status") == "DID_NOT_RUN":
            ok = ok and not attempts and bool(jr.get("reason"))
        else:
            ok = False
        c.check(
            f"{label}: api_get_job_report {name}",
            ok,
            f"status {jr.get('status')}, {len(attempts)} attempt(s), exit codes {[a.get('exitCode') for a in attempts]}"
            + (f", reason {jr.get('reason')!r}" if jr.get("reason") else ""),
        )
    return by_name


def main() -> int:
    base = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KILN_URL", "")).rstrip("/")
    if not base:
        print("usage: fdt_compat.py http://127.0.0.1:PORT  (or set KILN_URL)", file=sys.stderr)
        return 2
    print(f"foundry-dev-tools {FDT_VERSION} against {base}", flush=True)
    c = Checks()
    ctx = make_context(base)
    c.check(
        "FoundryContext on plain http",
        ctx.build2.api_url("manager/submitBuild") == f"{base}/build2/api/manager/submitBuild",
        ctx.build2.api_url("manager/submitBuild"),
    )

    summary = c.run("catalog lookup of report/summary", lambda: catalog_dataset_rid(base, "report/summary"))
    if summary is None:
        return finish(c)
    c.check("catalog lookup of report/summary", summary.startswith("ri.foundry.main.dataset."), summary)

    # get-jobspec-for-dataset: the producer of report/summary, and fdt's not-found on a 204.
    spec = c.run("api_get_jobspec_for_dataset", lambda: ctx.build2.api_get_jobspec_for_dataset(summary).json())
    if spec is not None:
        c.check("api_get_jobspec_for_dataset report/summary", spec.get("name") == "summary-report", spec.get("rid"))
    c.check("api_get_jobspec_for_dataset on an unknown dataset raises ResourceNotFoundError",
            raises_not_found(lambda: ctx.build2.api_get_jobspec_for_dataset(UNKNOWN_DATASET)))

    # submit_dataset_build: the convenience call, unmodified.
    answer = c.run(
        "submit_dataset_build",
        lambda: ctx.build2.submit_dataset_build(dataset_rid=summary, branch="master", force_build=True),
    )
    if answer is None:
        return finish(c)
    build_rid = answer.get("buildRid", "")
    c.check(
        "submit_dataset_build report/summary",
        build_rid.startswith("ri.foundry.main.build.") and bool(answer.get("jobsCreated")),
        f"buildRid {build_rid}, {len(answer.get('jobsCreated') or {})} job(s) created",
    )
    report = c.run("build report", lambda: wait_for_build(ctx, build_rid))
    if report is not None:
        jobs = report.get("jobs", [])
        names = sorted(j.get("jobSpecName", "?") for j in jobs)
        c.check(
            "api_get_build_report until terminal: SUCCEEDED",
            report.get("status") == "SUCCEEDED"
            and report.get("rid") == build_rid
            and "summary-report" in names
            and all(j.get("status") == "SUCCEEDED" for j in jobs)
            and set(answer["jobsCreated"].values()) == {j["rid"] for j in jobs},
            f"{report.get('status')}, jobs {names}",
        )
        check_job_reports(c, ctx, build_rid, report, "dataset build")
        check_build_command_reads(c, ctx, report)

    # Unknown RIDs: Kiln answers 204 as Foundry does, which fdt maps to ResourceNotFoundError.
    c.check("api_get_build_report on an unknown RID raises ResourceNotFoundError",
            raises_not_found(lambda: ctx.build2.api_get_build_report(UNKNOWN_BUILD)))
    c.check("api_get_job_report on an unknown RID raises ResourceNotFoundError",
            raises_not_found(lambda: ctx.build2.api_get_job_report(UNKNOWN_JOB)))

    # api_submit_build, the general call: an upstream selection from agg/customer-segments that
    # does not walk past joined/order-lines, forced, with numRunJobAttempts=2 (customer-segments
    # fails its first attempt with the retryable exit code 75 and succeeds on its second).
    run_upstream(c, ctx, base)
    run_cancel(c, ctx, base)
    return finish(c)


def check_build_command_reads(c: Checks, ctx: FoundryContext, report: dict) -> None:
    """What foundry-dev-tools' own `fdt build` command (cli/build.py) reads: `jobRids` of the
    build report, then `jobResults` of each job report, whose keys are the output datasets."""
    job_rids = report.get("jobRids")
    c.check(
        "build report jobRids lists the jobs in job order",
        isinstance(job_rids, list) and job_rids == [j["rid"] for j in report.get("jobs", [])],
        f"{len(job_rids or [])} job RIDs",
    )
    printed, expected = [], []
    for job_rid in job_rids or []:
        job_report = ctx.build2.api_get_job_report(job_rid).json()
        printed.extend(rid for rid in job_report["jobResults"])  # exactly how cli/build.py iterates
        expected.extend(o["datasetRid"] for o in job_report.get("outputs", []))
    c.check(
        "job report jobResults yields the output dataset RIDs",
        bool(printed) and sorted(printed) == sorted(expected) and all(r.startswith("ri.foundry.main.dataset.") for r in printed),
        f"{len(printed)} dataset(s)",
    )


def run_cancel(c: Checks, ctx: FoundryContext, base: str) -> None:
    """build2's cancelJobsInBuild (`DELETE manager/builds/{buildRid}`) through the client's own
    request machinery (foundry-dev-tools has no named method for it)."""
    lifetime = c.run("catalog lookup of agg/customer-lifetime", lambda: catalog_dataset_rid(base, "agg/customer-lifetime"))
    if lifetime is None:
        return
    # customer-lifetime runs for about 40 s: long enough to be cancelled while it runs.
    answer = c.run("submit_dataset_build agg/customer-lifetime",
                   lambda: ctx.build2.submit_dataset_build(dataset_rid=lifetime, force_build=True))
    if answer is None:
        return
    build_rid = answer["buildRid"]
    job_rid = next(iter(answer["jobsCreated"].values()))

    def running() -> dict:
        deadline = time.monotonic() + BUILD_DEADLINE_S
        while True:
            job = ctx.build2.api_get_job_report(job_rid).json()
            if job.get("status") == "RUNNING" or time.monotonic() > deadline:
                return job
            time.sleep(POLL_INTERVAL_S)

    job = c.run("the slow job to run", running)
    if job is None or job.get("status") != "RUNNING":
        c.check("the slow job runs before the cancel", False, f"{job and job.get('status')}")
        return
    response = c.run("DELETE manager/builds/{buildRid}",
                     lambda: ctx.build2.api_request("DELETE", "manager/builds/" + build_rid))
    if response is None:
        return
    c.check("DELETE manager/builds/{buildRid} answers 204", response.status_code == 204, str(response.status_code))
    report = c.run("cancelled build report", lambda: wait_for_build(ctx, build_rid))
    if report is not None:
        c.check(
            "the cancelled build and its running job end CANCELED",
            report.get("status") == "CANCELED" and all(j.get("status") == "CANCELED" for j in report.get("jobs", [])),
            f"{report.get('status')}, jobs {[j.get('status') for j in report.get('jobs', [])]}",
        )
    again = c.run("DELETE again", lambda: ctx.build2.api_request("DELETE", "manager/builds/" + build_rid))
    if again is not None:
        c.check("DELETE of a finished build answers 204 (nothing left to cancel)", again.status_code == 204,
                str(again.status_code))


def run_upstream(c: Checks, ctx: FoundryContext, base: str) -> None:
    rids = c.run(
        "catalog lookup of agg/customer-segments, joined/order-lines",
        lambda: (catalog_dataset_rid(base, "agg/customer-segments"), catalog_dataset_rid(base, "joined/order-lines")),
    )
    if rids is None:
        return
    segments, joined = rids
    submission_id = f"kiln-fdt-compat-{uuid.uuid4()}"
    answer = c.run(
        "api_submit_build",
        lambda: ctx.build2.api_submit_build(
            job_spec_selections=[{"datasetRids": [segments], "datasetRidsToIgnore": [joined]}],
            submission_id=submission_id,
            branch="master",
            force_build=True,
            num_run_job_attempts=2,
        ).json(),
    )
    if answer is None:
        return
    build_rid = answer.get("buildRid", "")
    c.check(
        "api_submit_build upstream selection, numRunJobAttempts=2",
        build_rid.startswith("ri.foundry.main.build.") and answer.get("isNewSubmission") is True,
        f"buildRid {build_rid}, isNewSubmission {answer.get('isNewSubmission')}",
    )
    report = c.run("upstream build report", lambda: wait_for_build(ctx, build_rid))
    if report is None:
        return
    names = sorted(j.get("jobSpecName", "?") for j in report.get("jobs", []))
    request = report.get("request") or {}
    c.check(
        "upstream build: SUCCEEDED, stops at the ignored dataset, keeps numRunJobAttempts",
        report.get("status") == "SUCCEEDED"
        and names == ["clean-customers", "customer-segments", "revenue-by-region"]
        and all(j.get("status") == "SUCCEEDED" for j in report.get("jobs", []))
        and request.get("numRunJobAttempts") == 2
        and request.get("forceBuild") is True,
        f"{report.get('status')}, jobs {names}, numRunJobAttempts {request.get('numRunJobAttempts')}",
    )
    jobs = check_job_reports(c, ctx, build_rid, report, "upstream build")
    seg = jobs.get("customer-segments")
    if seg is not None:
        attempts = seg.get("attempts") or []
        c.check(
            "customer-segments retried: attempt 1 exit 75 retryable, attempt 2 exit 0",
            seg.get("status") == "SUCCEEDED"
            and [a.get("number") for a in attempts] == [1, 2]
            and attempts[0].get("exitCode") == 75
            and attempts[0].get("retryable") is True
            and attempts[1].get("exitCode") == 0,
            f"attempts {[(a.get('number'), a.get('exitCode'), a.get('retryable')) for a in attempts]}",
        )
    # The same submissionId again: the first build, nothing new.
    again = c.run(
        "api_submit_build again",
        lambda: ctx.build2.api_submit_build(
            job_spec_selections=[{"datasetRids": [segments], "datasetRidsToIgnore": [joined]}],
            submission_id=submission_id,
            force_build=True,
            num_run_job_attempts=2,
        ).json(),
    )
    if again is not None:
        c.check(
            "api_submit_build with a repeated submissionId returns the first build",
            again.get("buildRid") == build_rid and again.get("isNewSubmission") is False,
            f"isNewSubmission {again.get('isNewSubmission')}",
        )


def raises_not_found(fn) -> bool:
    try:
        response = fn()
    except ResourceNotFoundError:
        return True
    except Exception as e:  # noqa: BLE001
        print(f"     raised {type(e).__name__}: {e}")
        return False
    print(f"     answered {response.status_code}: {response.text[:200]!r}")
    return False


def finish(c: Checks) -> int:
    print(f"{c.passed} passed, {c.failed} failed", flush=True)
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())

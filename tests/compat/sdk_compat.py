#!/usr/bin/env python3
"""foundry-platform-sdk compatibility: the official, unmodified Python SDK against kiln-server.

docs/api.md promises that Foundry's public Orchestration v2 API, as the official
`foundry-platform-sdk` (module `foundry_sdk.v2.orchestration`) calls it, works against
kiln-server. This script checks that with the SDK pinned in tests/compat/sdk-requirements.txt,
against a running kiln-server with the embedded demo pipeline:

    python sdk_compat.py http://127.0.0.1:PORT      (or KILN_URL=http://127.0.0.1:PORT)

`cargo xtask test` runs it (step "foundry-platform-sdk compatibility") in the venv
target/sdk-venv against a throw-away server. Every answer goes through the SDK's own pydantic
validation; any warning the SDK emits is an error. It prints one line per check and ends with
`N passed, N failed`; any failure exits 1. It may run more than once against one server.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import warnings
from datetime import datetime, timezone

# Loopback only: never through a proxy from the environment.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
# The SDK warns when it cannot read an error's parameters or when an answer is odd; every
# such warning is a failure here.
warnings.simplefilter("error")

import foundry_sdk  # noqa: E402
from foundry_sdk import Config, FoundryClient, UserTokenAuth  # noqa: E402
from foundry_sdk._errors.palantir_rpc_exception import PalantirRPCException  # noqa: E402
from foundry_sdk._errors.utils import deserialize_error  # noqa: E402
from foundry_sdk.v2.core import errors as core_errors  # noqa: E402
from foundry_sdk.v2.datasets import errors as datasets_errors  # noqa: E402
from foundry_sdk.v2.datasets import models as datasets_models  # noqa: E402
from foundry_sdk.v2.orchestration import errors as orch_errors  # noqa: E402
from foundry_sdk.v2.orchestration import models  # noqa: E402

BUILD_DEADLINE_S = 120.0
POLL_INTERVAL_S = 0.25
TERMINAL = {"SUCCEEDED", "FAILED", "CANCELED"}
UNKNOWN_BUILD = "ri.foundry.main.build.00000000-0000-4000-8000-000000000000"
UNKNOWN_JOB = "ri.foundry.main.job.00000000-0000-4000-8000-000000000000"
UNKNOWN_DATASET = "ri.foundry.main.dataset.00000000-0000-4000-8000-000000000000"
# kiln-api's round-trip fixtures of the public API, each validated here by the SDK's model.
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../crates/kiln-api/tests/fixtures/orchestration.json")
FIXTURE_MODELS = {
    "Build": models.Build, "RunningBuild": models.Build, "Job": models.Job,
    "CreateManual": models.CreateBuildRequest, "CreateUpstream": models.CreateBuildRequest,
    "CreateConnecting": models.CreateBuildRequest, "Search": models.SearchBuildsRequest,
    "SearchResponse": models.SearchBuildsResponse, "JobsPage": models.ListJobsOfBuildResponse,
    "BuildsBatch": models.GetBuildsBatchResponse, "Dataset": datasets_models.Dataset,
}


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


class Kiln:
    """Kiln's own surfaces (plain HTTP, not the SDK), to see what a v2 call did inside."""

    def __init__(self, base: str) -> None:
        self.base = base

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        req = urllib.request.Request(self.base + path, data=body, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback http by design
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def json(self, path: str) -> dict:
        status, body = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
        return json.loads(body)

    def dataset(self, name: str) -> str:
        body = self.json("/api/v1/catalog/datasets?" + urllib.parse.urlencode({"q": name}))
        matches = [d["rid"] for d in body["datasets"] if d["name"] == name]
        if len(matches) != 1:
            raise RuntimeError(f"catalog has {len(matches)} datasets named {name!r}")
        return matches[0]

    def build2_report(self, rid: str) -> dict:
        return self.json(f"/build2/api/info/builds2/{rid}")


def make_client(base: str) -> FoundryClient:
    """The SDK's client on plain http, the way a user points it at a host."""
    parsed = urllib.parse.urlsplit(base)
    if parsed.scheme != "http" or not parsed.netloc:
        raise SystemExit(f"expected http://HOST:PORT, got {base!r}")
    return FoundryClient(auth=UserTokenAuth(token="kiln-compat"), hostname=parsed.netloc, config=Config(scheme="http"))


def wait_for(client: FoundryClient, rid: str, done=lambda b: b.status in TERMINAL) -> models.Build:
    """Polls Build.get until `done` or the deadline."""
    deadline = time.monotonic() + BUILD_DEADLINE_S
    while True:
        build = client.orchestration.Build.get(rid)
        if done(build):
            return build
        if time.monotonic() > deadline:
            raise TimeoutError(f"build {rid} still {build.status} after {BUILD_DEADLINE_S:.0f}s")
        time.sleep(POLL_INTERVAL_S)


def typed_error(fn, typed: type) -> tuple[bool, str]:
    """Calls `fn`, which must fail with the SDK exception `typed`.

    The SDK raises a typed exception only for the names the called method declares (e.g.
    Build.get declares BuildNotFound; Build.create declares none of the target errors). For
    an undeclared name it raises the class of the HTTP status (NotFoundError,
    BadRequestError) carrying name and parameters; then the SDK's own deserialize_error must
    build `typed` from that body, which validates the parameters.
    """
    try:
        fn()
    except typed as e:
        return True, f"{typed.__name__} {dict(e.parameters)}"
    except PalantirRPCException as e:
        base = typed.__mro__[1]
        body = {"errorName": e.name, "parameters": e.parameters, "errorInstanceId": e.error_instance_id}
        rebuilt = deserialize_error(body, {typed.__name__: typed})
        ok = isinstance(e, base) and isinstance(rebuilt, typed)
        return ok, f"{type(e).__name__} {e.name} {e.parameters}"
    except Exception as e:  # noqa: BLE001
        return False, f"{type(e).__name__}: {e}"
    return False, "no error raised"


def main() -> int:
    base = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KILN_URL", "")).rstrip("/")
    if not base:
        print("usage: sdk_compat.py http://127.0.0.1:PORT  (or set KILN_URL)", file=sys.stderr)
        return 2
    print(f"foundry-platform-sdk {foundry_sdk.__version__} against {base}", flush=True)
    c = Checks()
    check_fixtures(c)
    kiln = Kiln(base)
    client = make_client(base)
    orch = client.orchestration
    names = ["report/summary", "clean/orders", "agg/customer-segments", "joined/order-lines",
             "agg/revenue-by-product", "agg/customer-lifetime", "raw/orders"]
    rids = c.run("catalog lookups", lambda: {n: kiln.dataset(n) for n in names})
    if rids is None:
        return finish(c)
    started_at = datetime.now(timezone.utc)

    # Dataset.get: the names clients show.
    ds = c.run("Dataset.get", lambda: client.datasets.Dataset.get(rids["report/summary"]))
    if ds is not None:
        c.check("Dataset.get report/summary", ds.rid == rids["report/summary"] and ds.name == "report/summary"
                and ds.parent_folder_rid.startswith("ri."), f"{ds.name}, folder {ds.parent_folder_rid}")
    ok, detail = typed_error(lambda: client.datasets.Dataset.get(UNKNOWN_DATASET), datasets_errors.DatasetNotFound)
    c.check("Dataset.get unknown raises DatasetNotFound", ok, detail)

    # Create with a manual target and every option; read the options back from both surfaces.
    manual = c.run("Build.create manual", lambda: orch.Build.create(
        target={"type": "manual", "targetRids": [rids["report/summary"]]},
        branch_name="master",
        fallback_branches=["develop"],
        force_build=True,
        retry_count=2,
        retry_backoff_duration={"value": 1, "unit": "SECONDS"},
        abort_on_failure=True,
        notifications_enabled=False,
    ))
    if manual is not None:
        c.check("Build.create manual: every option echoed",
                manual.rid.startswith("ri.foundry.main.build.") and manual.branch_name == "master"
                and manual.fallback_branches == ["develop"] and manual.retry_count == 2
                and manual.retry_backoff_duration.value == 1 and manual.retry_backoff_duration.unit == "SECONDS"
                and manual.abort_on_failure is True and len(manual.job_rids) >= 1
                and manual.job_rids == kiln.build2_report(manual.rid)["jobRids"],
                f"{manual.rid}, {len(manual.job_rids)} job(s), retryCount {manual.retry_count}")
        request = kiln.build2_report(manual.rid)["request"]
        c.check("the same build on build2 carries the mapped options",
                request.get("numRunJobAttempts") == 3 and request.get("retryBackoffDuration") == 1
                and request.get("finishOnFailures") is True and request.get("suppressNotifications") is True
                and request.get("forceBuild") is True and request.get("branchFallbacks") == {"branches": ["develop"]}
                and request["jobSpecSelections"][0]["type"] == "datasets",
                json.dumps({k: request.get(k) for k in ("numRunJobAttempts", "retryBackoffDuration",
                                                          "finishOnFailures", "suppressNotifications")}))
        done = c.run("manual build to finish", lambda: wait_for(client, manual.rid))
        if done is not None:
            c.check("Build.get until terminal: SUCCEEDED", done.status == "SUCCEEDED" and done.finished_time is not None,
                    f"{done.status}, finished {done.finished_time}")

    # MINUTES convert to seconds; MONTHS have no fixed length and are refused.
    minutes = c.run("Build.create with a MINUTES backoff", lambda: orch.Build.create(
        target={"type": "manual", "targetRids": [rids["clean/orders"]]}, fallback_branches=[],
        retry_backoff_duration={"value": 2, "unit": "MINUTES"}))
    if minutes is not None:
        c.check("retryBackoffDuration 2 MINUTES is 120 seconds",
                minutes.retry_backoff_duration.value == 120 and minutes.retry_backoff_duration.unit == "SECONDS"
                and kiln.build2_report(minutes.rid)["request"].get("retryBackoffDuration") == 120
                and minutes.retry_count == 0 and minutes.abort_on_failure is False,
                f"{minutes.retry_backoff_duration}")
        c.run("MINUTES build to finish", lambda: wait_for(client, minutes.rid))
    try:
        orch.Build.create(target={"type": "manual", "targetRids": [rids["clean/orders"]]}, fallback_branches=[],
                          retry_backoff_duration={"value": 1, "unit": "MONTHS"})
        c.check("a MONTHS backoff is refused", False, "accepted")
    except foundry_sdk.BadRequestError as e:
        c.check("a MONTHS backoff is refused", e.parameters.get("field") == "retryBackoffDuration", f"{e.name}")

    # Upstream with ignoredRids, and retryCount 1: customer-segments fails its first attempt
    # with the retryable exit code 75 and succeeds on its second.
    upstream = c.run("Build.create upstream", lambda: orch.Build.create(
        target={"type": "upstream", "targetRids": [rids["agg/customer-segments"]],
                "ignoredRids": [rids["joined/order-lines"]]},
        fallback_branches=[], force_build=True, retry_count=1))
    if upstream is not None:
        done = c.run("upstream build to finish", lambda: wait_for(client, upstream.rid))
        report = kiln.build2_report(upstream.rid)
        jobs = sorted(j["jobSpecName"] for j in report["jobs"])
        segments = next((j for j in report["jobs"] if j["jobSpecName"] == "customer-segments"), {})
        c.check("upstream target: stops at the ignored dataset, retryCount 1 gives a second attempt",
                done is not None and done.status == "SUCCEEDED"
                and jobs == ["clean-customers", "customer-segments", "revenue-by-region"]
                and segments.get("attemptCount") == 2 and report["request"].get("numRunJobAttempts") == 2,
                f"{done.status if done else None}, jobs {jobs}, attempts {segments.get('attemptCount')}")

    # Connecting: from clean/orders (exclusive) to report/summary, cutting the product branch.
    connecting = c.run("Build.create connecting", lambda: orch.Build.create(
        target={"type": "connecting", "inputRids": [rids["clean/orders"]], "targetRids": [rids["report/summary"]],
                "ignoredRids": [rids["agg/revenue-by-product"]]},
        fallback_branches=[], force_build=True))
    if connecting is not None:
        done = c.run("connecting build to finish", lambda: wait_for(client, connecting.rid))
        jobs = sorted(j["jobSpecName"] for j in kiln.build2_report(connecting.rid)["jobs"])
        c.check("connecting target: the job specs between inputs and targets, minus the ignored",
                done is not None and done.status == "SUCCEEDED"
                and jobs == ["join-order-lines", "revenue-by-region", "summary-report"],
                f"{done.status if done else None}, jobs {jobs}")
        check_jobs(c, orch, connecting.rid)

    # Cancel a running build (customer-lifetime runs for about 40 s).
    slow = c.run("Build.create slow", lambda: orch.Build.create(
        target={"type": "manual", "targetRids": [rids["agg/customer-lifetime"]]}, fallback_branches=[],
        force_build=True))
    cancelled = None
    if slow is not None:
        job_rid = slow.job_rids[0]
        c.run("the slow job to run", lambda: wait_job(orch, job_rid, "RUNNING"))
        c.check("Build.cancel answers", c.run("Build.cancel", lambda: orch.Build.cancel(slow.rid) or True) is True)
        cancelled = c.run("cancelled build to finish", lambda: wait_for(client, slow.rid))
        job = orch.Job.get(job_rid)
        c.check("Build.cancel: the build and its running job are CANCELED",
                cancelled is not None and cancelled.status == "CANCELED" and job.job_status == "CANCELED"
                and job.latest_attempt_start_time is not None,
                f"{cancelled.status if cancelled else None}, job {job.job_status}")
        ok, detail = typed_error(lambda: orch.Build.cancel(slow.rid), orch_errors.BuildNotRunning)
        c.check("Build.cancel on a finished build raises BuildNotRunning", ok, detail)

    # getBatch: found builds by RID, unknown ones left out.
    known = [b.rid for b in (manual, upstream, connecting) if b is not None]
    batch = c.run("Build.get_batch", lambda: orch.Build.get_batch(
        [{"buildRid": r} for r in known] + [{"buildRid": UNKNOWN_BUILD}]))
    if batch is not None:
        c.check("Build.get_batch returns the known builds only", sorted(batch.data) == sorted(known),
                f"{len(batch.data)} of {len(known) + 1}")

    check_search(c, orch, started_at, known, cancelled)
    if known:
        check_errors(c, orch, kiln, rids, known[0])
    return finish(c)


def check_fixtures(c: Checks) -> None:
    with open(FIXTURES, encoding="utf-8") as f:
        fixtures = json.load(f)
    valid = [c.run(f"fixture {name}", lambda: model.model_validate(fixtures[name])) for name, model in FIXTURE_MODELS.items()]
    c.check("kiln-api's fixtures validate as the SDK's models", all(v is not None for v in valid), f"{len(valid)} fixtures")


def wait_job(orch, job_rid: str, status: str) -> models.Job:
    deadline = time.monotonic() + BUILD_DEADLINE_S
    while True:
        job = orch.Job.get(job_rid, preview=True)
        if job.job_status == status:
            return job
        if job.job_status in TERMINAL or time.monotonic() > deadline:
            raise TimeoutError(f"job {job_rid} is {job.job_status}, not {status}")
        time.sleep(POLL_INTERVAL_S)


def check_jobs(c: Checks, orch, build_rid: str) -> None:
    """Build.jobs with paging, Job.get and Job.get_batch over one build."""
    build = orch.Build.get(build_rid)
    listed = c.run("Build.jobs", lambda: list(orch.Build.jobs(build_rid, page_size=2)))
    if listed is None:
        return
    first = orch.Build.jobs(build_rid, page_size=2)
    c.check("Build.jobs pages of 2 follow nextPageToken in job order",
            [j.rid for j in listed] == build.job_rids and len(first.data) == 2
            and first.next_page_token is not None,
            f"{len(listed)} jobs, first page {len(first.data)}, token {first.next_page_token}")
    c.check("Build.jobs: every job SUCCEEDED with a dataset output and its transaction",
            all(j.job_status == "SUCCEEDED" and j.build_rid == build_rid and j.finished_time is not None
                and j.outputs and j.outputs[0].type == "datasetJobOutput"
                and (j.outputs[0].output_transaction_rid or "").startswith("ri.") for j in listed),
            ", ".join(f"{j.job_status}" for j in listed))
    one = c.run("Job.get", lambda: orch.Job.get(listed[0].rid, preview=True))
    if one is not None:
        c.check("Job.get equals the listed job", one == listed[0], one.rid)
    batch = c.run("Job.get_batch", lambda: orch.Job.get_batch(
        [{"jobRid": j.rid} for j in listed] + [{"jobRid": UNKNOWN_JOB}], preview=True))
    if batch is not None:
        c.check("Job.get_batch returns the known jobs only", sorted(batch.data) == sorted(j.rid for j in listed),
                f"{len(batch.data)} of {len(listed) + 1}")


def check_search(c: Checks, orch, started_at: datetime, known: list[str], cancelled) -> None:
    """Nested filters, ordering and paging, against the builds this run made."""
    since = {"type": "gte", "field": "STARTED_TIME", "value": started_at.isoformat()}
    mine = {"type": "or", "items": [{"type": "eq", "field": "RID", "value": r} for r in known]}
    where = {"type": "and", "items": [
        since, mine,
        {"type": "or", "items": [{"type": "eq", "field": "STATUS", "value": "SUCCEEDED"},
                                 {"type": "eq", "field": "STATUS", "value": "FAILED"}]},
        {"type": "not", "value": {"type": "eq", "field": "BRANCH_NAME", "value": "no-such-branch"}},
    ]}
    order = {"fields": [{"field": "STARTED_TIME", "direction": "ASC"}]}
    pages, token, seen = 0, None, []
    while True:
        page = c.run("Build.search", lambda: orch.Build.search(where=where, order_by=order, page_size=1,
                                                               page_token=token, preview=True))
        if page is None:
            return
        pages += 1
        seen.extend(page.data)
        token = page.next_page_token
        if not token or pages > len(known) + 1:
            break
    started = [b.rid for b in sorted((orch.Build.get(r) for r in known), key=lambda b: b.created_time)]
    c.check("Build.search: nested and/or/not/gte, STARTED_TIME ASC, pages of 1",
            [b.rid for b in seen] == started and pages == len(known),
            f"{len(seen)} builds in {pages} pages")
    newest = orch.Build.search(where=mine, order_by={"fields": [{"field": "FINISHED_TIME", "direction": "DESC"}]},
                               preview=True)
    finished = [b.finished_time for b in newest.data]
    c.check("Build.search FINISHED_TIME DESC", finished == sorted(finished, reverse=True) and len(finished) == len(known),
            f"{len(finished)} builds")
    if cancelled is not None:
        by = orch.Build.search(where={"type": "and", "items": [
            {"type": "eq", "field": "CREATED_BY", "value": cancelled.created_by},
            {"type": "eq", "field": "STATUS", "value": "CANCELED"},
            {"type": "eq", "field": "RID", "value": cancelled.rid}]}, preview=True)
        c.check("Build.search CREATED_BY (a principal id) and STATUS CANCELED",
                [b.rid for b in by.data] == [cancelled.rid], f"{len(by.data)} build(s)")
    early = orch.Build.search(where={"type": "and", "items": [
        mine, {"type": "lt", "field": "FINISHED_TIME", "value": started_at.isoformat()}]}, preview=True)
    c.check("Build.search lt FINISHED_TIME before they started finds none", early.data == [], f"{len(early.data)}")


def check_errors(c: Checks, orch, kiln: Kiln, rids: dict, build_rid: str) -> None:
    """Every error by Foundry's name and parameters, as the SDK's typed exception."""
    cases = [
        ("Build.get unknown raises BuildNotFound", lambda: orch.Build.get(UNKNOWN_BUILD), orch_errors.BuildNotFound),
        ("Job.get unknown raises JobNotFound", lambda: orch.Job.get(UNKNOWN_JOB), orch_errors.JobNotFound),
        ("Build.jobs of an unknown build raises BuildNotFound",
         lambda: orch.Build.jobs(UNKNOWN_BUILD).data, orch_errors.BuildNotFound),
        ("Build.cancel unknown raises BuildNotFound", lambda: orch.Build.cancel(UNKNOWN_BUILD),
         orch_errors.BuildNotFound),
        ("Build.create of an unknown dataset raises BuildTargetsNotFound",
         lambda: orch.Build.create(target={"type": "manual", "targetRids": [UNKNOWN_DATASET]}, fallback_branches=[]),
         orch_errors.BuildTargetsNotFound),
        ("Build.create of a source dataset raises BuildTargetsMissingJobSpecs",
         lambda: orch.Build.create(target={"type": "manual", "targetRids": [rids["raw/orders"]]},
                                   fallback_branches=[]),
         orch_errors.BuildTargetsMissingJobSpecs),
        ("Build.create upstream of a source raises BuildTargetsResolutionError",
         lambda: orch.Build.create(target={"type": "upstream", "targetRids": [rids["raw/orders"]], "ignoredRids": []},
                                   fallback_branches=[]),
         orch_errors.BuildTargetsResolutionError),
        ("Build.search pageSize 0 raises InvalidPageSize",
         lambda: orch.Build.search(where={"type": "eq", "field": "STATUS", "value": "RUNNING"}, page_size=0,
                                   preview=True),
         core_errors.InvalidPageSize),
        ("Build.jobs pageSize -1 raises InvalidPageSize",
         lambda: orch.Build.jobs(build_rid, page_size=-1).data, core_errors.InvalidPageSize),
        ("Build.search with a foreign pageToken raises InvalidPageToken",
         lambda: orch.Build.search(where={"type": "eq", "field": "STATUS", "value": "RUNNING"},
                                   page_token="s1.0.0.0", preview=True),
         core_errors.InvalidPageToken),
        ("Build.search STATUS eq a non-status raises InvalidFilterValue",
         lambda: orch.Build.search(where={"type": "eq", "field": "STATUS", "value": "DONE"}, preview=True),
         core_errors.InvalidFilterValue),
    ]
    for name, fn, typed in cases:
        ok, detail = typed_error(fn, typed)
        c.check(name, ok, detail)
    # Not through the SDK (it validates bodies before sending): a malformed body is a 400
    # with a Conjure body, never a 500.
    for label, body in (("not JSON", b"{"), ("no target", b'{"fallbackBranches": []}'),
                        ("an unknown target type", b'{"target": {"type": "everything"}}')):
        status, raw = kiln.request("POST", "/api/v2/orchestration/builds/create", body)
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = {}
        c.check(f"create with {label} is a 400 Conjure error",
                status == 400 and parsed.get("errorCode") == "INVALID_ARGUMENT", f"{status} {parsed.get('errorName')}")


def finish(c: Checks) -> int:
    print(f"{c.passed} passed, {c.failed} failed", flush=True)
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())

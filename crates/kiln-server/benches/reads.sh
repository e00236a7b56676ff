#!/usr/bin/env bash
# Load benchmark of kiln-server's reads: wrk at 32 connections on loopback against a release
# server holding 2,000 builds while builds keep running, for
#   GET /api/v1/health                         (the baseline: no store access)
#   GET /api/v1/teams/default/builds?limit=100 (a page of 100 builds, about 32 KB)
# and one build's detail, and the page again with every request missing the server's page cache.
# Figures go to BENCHMARKS.md with this command:
#
#   bash crates/kiln-server/benches/reads.sh            # BUILDS=2000 DURATION=10s CONNECTIONS=32
#
# Not part of `cargo xtask test`. Needs wrk (Debian's package; installed when missing, as root).
set -euo pipefail

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
builds=${BUILDS:-2000}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}

if ! command -v wrk >/dev/null; then
    echo "installing wrk (Debian)"
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi

# KILN_SERVER_BIN=path skips the build (e.g. to try the script on a debug binary).
bin=${KILN_SERVER_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release -p kiln-server --manifest-path "$root/Cargo.toml"
    bin="$root/target/release/kiln-server"
fi

work=$(mktemp -d)
server=""
feeder=""
cleanup() {
    [ -n "$feeder" ] && kill "$feeder" 2>/dev/null || true
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/project"
cat >"$work/project/pipeline.toml" <<'EOF'
[[job_specs]]
name = "quick"
outputs = ["quick"]
command = "echo done"

[[job_specs]]
name = "busy"
outputs = ["busy"]
command = "sleep 0.3; echo tick"
EOF

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# The list's cache misses are logged at debug (counted below); the rest as usual.
RUST_LOG="info,tower_http=warn,kiln_server::http::teams=debug" \
"$bin" --addr "127.0.0.1:$port" --data-dir "$work/data" --pipeline "$work/project/pipeline.toml" \
    --workers 2 --ui-dir "$work/no-ui" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
    curl -fs "$base/api/v1/health" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fs "$base/api/v1/health" >/dev/null || { cat "$work/server.log"; exit 1; }

dataset() {
    curl -fs "$base/api/v1/catalog/datasets?q=$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["datasets"][0]["rid"])'
}
submit_body() {
    printf '{"jobSpecSelections":[{"type":"datasets","datasets":{"datasetRids":["%s"],"isRequired":true}}]%s}' "$1" "$2"
}
quick=$(submit_body "$(dataset quick)" "")
busy=$(submit_body "$(dataset busy)" ',"forceBuild":true')

echo "seeding $builds builds"
submit() { curl -fs "$base/build2/api/manager/submitBuild" -H 'Content-Type: application/json' -d "$1" >/dev/null; }
export -f submit
export base
seq "$builds" | xargs -P 4 -I{} bash -c 'submit "$0"' "$quick"
total=$(curl -fs "$base/api/v1/teams" | python3 -c 'import json, sys; print(sum(t["totalBuilds"] for t in json.load(sys.stdin)["teams"]))')
echo "builds stored: $total"

# Builds that keep running through the measurement: one forced build of a 0.3 s job every
# 0.25 s, so both workers stay busy and the writer keeps writing. Bounded: stops by itself.
(
    for _ in $(seq 400); do
        submit "$busy" || true
        sleep 0.25
    done
) &
feeder=$!
sleep 2

running() {
    curl -fs "$base/api/v1/teams/default/builds?state=running&limit=100" |
        python3 -c 'import json, sys; print(len(json.load(sys.stdin)["builds"]))'
}

# List pages the server read from the store, not its cache (it logs each at debug).
store_reads() { grep -c "list page read from the store" "$work/server.log" || true; }

measure() {
    local name=$1 path=$2
    echo
    echo "== $name: wrk -t$threads -c$connections -d$duration --latency $base$path (builds running: $(running))"
    local before after
    before=$(store_reads)
    wrk -t"$threads" -c"$connections" -d"$duration" --latency ${script:+-s "$script"} "$base$path" | tee "$work/wrk.out"
    after=$(store_reads)
    local rps p50 p99 requests reads
    rps=$(awk '/Requests\/sec/ { print $2 }' "$work/wrk.out")
    requests=$(awk '/requests in/ { print $1 }' "$work/wrk.out")
    p50=$(awk '$1 == "50%" { print $2 }' "$work/wrk.out")
    p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk.out")
    # "-": a server without the page cache logs no such line (its every list request reads).
    if [ "$after" -eq 0 ]; then reads="-"; else reads=$((after - before)); fi
    echo "| $name | $rps | $p50 | $p99 | $requests | $reads | $(running) |" >>"$work/results"
}

measure "GET /api/v1/health (baseline)" "/api/v1/health"
measure "GET team builds, limit=100" "/api/v1/teams/default/builds?limit=100"
measure "GET one build's detail" "/api/v1/teams/default/builds/1"
# The page itself, as a miss of the server's page cache costs it: every request names another
# cursor past the newest build, so each answers the same 100 builds as the first page but
# under a key of its own, and each is read from the store and serialised.
cat >"$work/cursors.lua" <<'EOF'
-- Each wrk thread its own random sequence, so that two threads do not ask for the same cursor.
local threads = 0
setup = function(thread) threads = threads + 1; thread:set("id", threads) end
init = function(args) math.randomseed(os.time() * 100 + id) end
request = function()
  return wrk.format(nil, wrk.path .. "&cursor=" .. math.random(100000000, 999999999))
end
EOF
script="$work/cursors.lua" measure "GET team builds, limit=100, a new cursor each (no cache hits)" \
    "/api/v1/teams/default/builds?limit=100"
echo
echo "| request ($connections connections, $duration, $total builds stored) | req/s | p50 | p99 | requests | pages read from the store | builds running after |"
echo "|---|---|---|---|---|---|---|"
cat "$work/results"

#!/usr/bin/env bash
# The benchmark harness (`make bench`): the production stack on loopback, a seeded dataset, wrk.
#
#   bench/run.sh            every endpoint against the baseline, 3 interleaved rounds, then the
#                           half-load runs; writes bench/results/latest.{json,md}
#   bench/run.sh --scale    the date-bounded and group reads (feed, range views, leaderboards,
#                           statistics) at 10k, 100k and 1M logs; writes
#                           bench/results/scale-<logs>.{json,md} and bench/results/scale.{json,md}
#   bench/run.sh --smoke    a few seconds: a tiny dataset, one short round; proves the harness
#                           works (CI); writes bench/results/smoke.{json,md}
#
# Two stacks run side by side, each from the project's own uwsgi.ini and nginx templates through
# scripts/stack.sh, each in its own state directory and on its own ports (so a developer's
# stack on 8080 is left alone): the API, and the baseline (bench/baseline.py, a bare WSGI app)
# served by the same uWSGI settings behind the same nginx configuration. wrk runs on one thread:
# this machine has 2 cores, and the load generator takes CPU from the server it measures.
#
# Knobs (environment):
#   BENCH_LOGS         logs in the dataset                     (100000; --smoke: 2000)
#   BENCH_USERS        users                                   (logs / 200, at least 60)
#   BENCH_SCALES       sizes for --scale                       (10000 100000 1000000)
#   BENCH_ROUNDS       interleaved rounds                      (3; --smoke: 1)
#   BENCH_DURATION     seconds per wrk run                     (5; --smoke: 1)
#   BENCH_CONNECTIONS  wrk connections                         (16)
#   BENCH_PORT         the API stack's nginx port; the baseline's is BENCH_PORT+10   (8090)
#   MARIADB_DIR, MARIADB_PORT   the benchmark's own MariaDB     (var/mariadb-bench, 3328)
#   BENCH_ONLY         comma-separated endpoint keys to measure (links,user,log,feed,range_view,
#                      range_view_pair,leaderboard,leaderboard_week,leaderboard_month,
#                      leaderboard_year,user_stats,group_stats,feed_304,leaderboard_304,
#                      range_view_304,post_log,login)                          (all)
#   BENCH_OUT          results path without extension            (bench/results/latest)
#   BENCH_KEEP=1       leave both stacks running afterwards
#   BENCH_STRICT=1     exit 1 when a target of issue 7 is missed
#   BENCH_BCRYPT_COST  bcrypt cost of the API stack           (12; --smoke: 4)
#   SPLITS_PROCESSES, SPLITS_THREADS, DB_POOL_SIZE ...   passed to both stacks (uwsgi.ini knobs)
#   STACK_DB_SOCKET=0  the API reaches MariaDB over TCP, not its unix socket (scripts/stack.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MODE=full
case ${1:-} in
    "") ;;
    --smoke) MODE=smoke ;;
    --scale) MODE=scale ;;
    *)
        sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
        exit 2
        ;;
esac

PY=$ROOT/.venv/bin/python
RESULTS=$ROOT/bench/results
BENCH_PORT=${BENCH_PORT:-8090}
BASELINE_PORT=$((BENCH_PORT + 10))
# State (pid files, logs, seed summaries) per port: two harnesses on different ports (a
# developer's `make bench` and CI's smoke test) never stop each other's stacks.
STATE=$ROOT/var/bench/$BENCH_PORT
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-16}
if [[ $MODE == smoke ]]; then
    BENCH_LOGS=${BENCH_LOGS:-2000}
    BENCH_ROUNDS=${BENCH_ROUNDS:-1}
    BENCH_DURATION=${BENCH_DURATION:-1}
else
    BENCH_LOGS=${BENCH_LOGS:-100000}
    BENCH_ROUNDS=${BENCH_ROUNDS:-3}
    BENCH_DURATION=${BENCH_DURATION:-5}
fi
BENCH_SCALES=${BENCH_SCALES:-10000 100000 1000000}
# What --scale measures at every size (bench/drive.py's SCALE_ENDPOINTS).
SCALE_ONLY=${BENCH_ONLY:-feed,range_view,range_view_pair,leaderboard,leaderboard_week,leaderboard_month,leaderboard_year,user_stats,group_stats}
# A MariaDB server of the benchmark's own (data kept in var/mariadb-bench between runs, so a
# seeded million logs is seeded once): the test suites' servers never share its CPU or cache.
export MARIADB_DIR=${MARIADB_DIR:-$ROOT/var/mariadb-bench}
export MARIADB_PORT=${MARIADB_PORT:-3328}
# Login is measured at the production cost (12): the point is what bcrypt allows on this
# machine. The smoke run only proves the harness works, cheaply (cost 4).
if [[ $MODE == smoke ]]; then
    export BCRYPT_COST=${BENCH_BCRYPT_COST:-4}
else
    export BCRYPT_COST=${BENCH_BCRYPT_COST:-12}
fi
export LOG_LEVEL=${LOG_LEVEL:-WARNING}

say() { echo "bench: $*" >&2; }
die() {
    echo "bench: $*" >&2
    exit 1
}

ensure_wrk() {
    command -v wrk >/dev/null && return 0
    say "installing wrk from Debian's packages"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } ||
        die "could not install wrk (apt-get install wrk)"
}

# The API stack: its own state directory, ports and database, and nginx's login rate limit
# lifted (the benchmark measures bcrypt, not the limiter).
api_stack() {
    local database=$1
    shift
    STACK_DIR=$STATE/api STACK_PORT=$BENCH_PORT STACK_DATABASE=$database \
        STACK_AUTH_RATE=100000r/s scripts/stack.sh "$@"
}

# The baseline stack: the same uwsgi.ini and nginx configuration, serving bench/baseline.py.
baseline_stack() {
    STACK_DIR=$STATE/baseline STACK_PORT=$BASELINE_PORT STACK_DATABASE=splits_bench_baseline \
        STACK_WSGI_MODULE=bench.baseline:application scripts/stack.sh "$@"
}

STARTED_STACKS=0
stop_stacks() {
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then
        say "stacks left running (BENCH_KEEP=1): API $(api_stack "$DATABASE" url), baseline $(baseline_stack url)"
        return 0
    fi
    if ((STARTED_STACKS)); then
        baseline_stack down || true
        api_stack "$DATABASE" down --all || true
    fi
}

# Bring the API stack up on `database` (a restart when it served another one), seed it unless
# it already holds the dataset, and write the seed summary to $SUMMARY.
prepare() {
    local logs=$1 users database_url
    users=${BENCH_USERS:-$((logs / 200 > 60 ? logs / 200 : 60))}
    DATABASE=splits_bench_${logs}
    SUMMARY=$STATE/seed-$logs.json
    mkdir -p "$STATE"
    if [[ -f $STATE/api/database && $(<"$STATE/api/database") != "$DATABASE" ]]; then
        api_stack "$DATABASE" down
    fi
    STARTED_STACKS=1
    api_stack "$DATABASE" up
    echo "$DATABASE" >"$STATE/api/database"
    baseline_stack up
    database_url=$(MARIADB_DATABASE=$DATABASE scripts/mariadb.sh url)
    say "seeding $logs logs and $users users into $DATABASE (reused when already there)"
    DATABASE_URL=$database_url "$PY" -m api seed --users "$users" --logs "$logs" --reuse --json \
        >"$SUMMARY"
}

drive() {
    local out=$1
    shift
    # How the app reaches MariaDB (the unix socket unless STACK_DB_SOCKET=0), password hidden.
    BENCH_DATABASE=$(api_stack "$DATABASE" db-url | sed -E 's#//[^@]*@#//***@#') \
        BENCH_UWSGI_SETTINGS="2 instances x ${SPLITS_PROCESSES:-nproc} processes x ${SPLITS_THREADS:-4} threads" \
        "$PY" bench/drive.py run \
        --api "$(api_stack "$DATABASE" url)" \
        --baseline "$(baseline_stack url)/bench/baseline" \
        --summary "$SUMMARY" \
        --out "$out" \
        --rounds "$BENCH_ROUNDS" \
        --duration "$BENCH_DURATION" \
        --connections "$BENCH_CONNECTIONS" \
        --pid-file "$STATE/api/api-1.pid" \
        --pid-file "$STATE/api/api-2.pid" \
        ${BENCH_STRICT:+--strict} \
        ${BENCH_ONLY:+--only "$BENCH_ONLY"} \
        "$@"
}

main() {
    ensure_wrk
    [[ -x $PY ]] || scripts/bootstrap.sh
    mkdir -p "$RESULTS"
    DATABASE=splits_bench_${BENCH_LOGS}
    trap stop_stacks EXIT
    case $MODE in
        full)
            prepare "$BENCH_LOGS"
            drive "${BENCH_OUT:-$RESULTS/latest}" --label "$BENCH_LOGS logs"
            ;;
        smoke)
            prepare "$BENCH_LOGS"
            drive "${BENCH_OUT:-$RESULTS/smoke}" --label "smoke, $BENCH_LOGS logs" --no-half --login-connections 2
            ;;
        scale)
            local logs outputs=()
            for logs in $BENCH_SCALES; do
                prepare "$logs"
                drive "$RESULTS/scale-$logs" --label "$logs logs" --only "$SCALE_ONLY" --no-half
                outputs+=("$RESULTS/scale-$logs.json")
            done
            "$PY" bench/drive.py scale --out "$RESULTS/scale" "${outputs[@]}"
            ;;
    esac
}

main

#!/usr/bin/env bash
# Run Splits' production stack on this machine, on 127.0.0.1 only, from the project's own
# config files: MariaDB (scripts/mariadb.sh), migrations, uWSGI instances (uwsgi.ini) and nginx
# in front of them (nginx/stack.conf.template + nginx/splits-*.conf).
#
#   scripts/stack.sh up             start what is not running, wait until /health/ready answers
#                                   through nginx; safe to repeat (re-renders and reloads nginx)
#   scripts/stack.sh up --galera    the same on a 3-node Galera cluster behind HAProxy
#                                   (scripts/galera.sh) instead of one MariaDB server
#   scripts/stack.sh down [--all]   stop nginx and every uWSGI instance by pid; --all: MariaDB
#                                   (or, with --galera or STACK_GALERA=1, the cluster) too
#   scripts/stack.sh status         say what runs (exit 0 when everything does, 3 otherwise)
#   scripts/stack.sh url            print the base URL
#   scripts/stack.sh db-url         print the DATABASE_URL the app instances get
#   scripts/stack.sh reload         chain-reload every instance (one worker at a time), and wait
#   scripts/stack.sh kill-api N     kill -9 instance N, master and workers (a crash, for tests)
#   scripts/stack.sh stop-api N     stop instance N gracefully
#   scripts/stack.sh start-api N    start instance N and wait until its app answers
#   scripts/stack.sh check-config   render the nginx config and check it with `nginx -t`
#
# Knobs (environment):
#   STACK_DIR          state: pid files, logs, rendered config, secret  (default ./var/stack)
#   STACK_PORT         nginx's port on 127.0.0.1                         (8080)
#   STACK_INSTANCES    how many uWSGI instances                          (2)
#   STACK_API_PORT     instance N listens on 127.0.0.1:STACK_API_PORT+N  (STACK_PORT)
#   STACK_DATABASE     database created in scripts/mariadb.sh's server   (splits_stack)
#   STACK_DATABASE_URL use this database instead (MariaDB is then not started)
#   STACK_DB_SOCKET    1: the app reaches the MariaDB this script starts over its unix socket,
#                      0: over TCP on 127.0.0.1 (1; Galera and STACK_DATABASE_URL: as given)
#   STACK_GALERA       1: same as --galera (scripts/galera.sh's GALERA_* settings apply)
#   STACK_WSGI_MODULE  what uWSGI serves                                 (api.wsgi:application)
#   STACK_AUTH_RATE    nginx rate limit of /v2/auth/ per address         (30r/m)
#   STACK_READ_TIMEOUT nginx's uwsgi_read_timeout                        (35s)
#   STACK_READY_TIMEOUT how long `up` waits for readiness, in seconds    (120)
#   STACK_METRICS_ALLOW networks besides loopback that may read /metrics, comma-separated
#                      CIDRs (none); the app's METRICS_ALLOW gets the same list
#   SECRET_KEY         else one is generated once into STACK_DIR/secret_key
#   BCRYPT_COST        password hashing cost                             (12)
#   SPLITS_*           uWSGI knobs (uwsgi.ini), e.g. SPLITS_PROCESSES, SPLITS_THREADS
set -euo pipefail
# Bash 5.2 would read `&` in ${var//pattern/replacement} as "the match"; templates want it literal.
shopt -u patsub_replacement 2>/dev/null || true

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

STACK_DIR=${STACK_DIR:-$ROOT/var/stack}
STACK_PORT=${STACK_PORT:-8080}
STACK_INSTANCES=${STACK_INSTANCES:-2}
STACK_API_PORT=${STACK_API_PORT:-$STACK_PORT}
STACK_DATABASE=${STACK_DATABASE:-splits_stack}
STACK_DATABASE_URL=${STACK_DATABASE_URL:-}
STACK_GALERA=${STACK_GALERA:-0}
STACK_DB_SOCKET=${STACK_DB_SOCKET:-1}
STACK_WSGI_MODULE=${STACK_WSGI_MODULE:-api.wsgi:application}
STACK_AUTH_RATE=${STACK_AUTH_RATE:-30r/m}
STACK_READ_TIMEOUT=${STACK_READ_TIMEOUT:-35s}
STACK_READY_TIMEOUT=${STACK_READY_TIMEOUT:-120}
STACK_METRICS_ALLOW=${STACK_METRICS_ALLOW:-}
BCRYPT_COST=${BCRYPT_COST:-12}

VENV=$ROOT/.venv
PY=$VENV/bin/python
UWSGI=$VENV/bin/uwsgi
NGINX_PREFIX=$STACK_DIR/nginx
# prometheus_client's multiprocess directory, shared by every worker of every instance so that
# one scrape adds them all up (uwsgi.ini). Emptied by `up` before the first instance starts.
METRICS_DIR=$STACK_DIR/metrics
NGINX_CONF=$NGINX_PREFIX/nginx.conf
NGINX_PID=$NGINX_PREFIX/nginx.pid
NGINX_ERROR_LOG=$NGINX_PREFIX/logs/error.log
STOP_TIMEOUT=40 # above uWSGI's worker-reload-mercy (30 s): in-flight requests may finish

die() {
    echo "stack.sh: $*" >&2
    exit 1
}

say() {
    echo "stack.sh: $*" >&2
}

validate_settings() {
    [[ $STACK_PORT =~ ^[0-9]+$ ]] || die "STACK_PORT must be a port number: '$STACK_PORT'"
    [[ $STACK_API_PORT =~ ^[0-9]+$ ]] || die "STACK_API_PORT must be a number: '$STACK_API_PORT'"
    [[ $STACK_INSTANCES =~ ^[1-9][0-9]?$ ]] || die "STACK_INSTANCES must be 1-99: '$STACK_INSTANCES'"
    [[ $STACK_AUTH_RATE =~ ^[1-9][0-9]*r/[sm]$ ]] ||
        die "STACK_AUTH_RATE must look like 30r/m or 5r/s: '$STACK_AUTH_RATE'"
    [[ $STACK_READ_TIMEOUT =~ ^[1-9][0-9]*s?$ ]] ||
        die "STACK_READ_TIMEOUT must be seconds, like 35s: '$STACK_READ_TIMEOUT'"
    [[ $STACK_READY_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "STACK_READY_TIMEOUT must be seconds"
    local network
    for network in ${STACK_METRICS_ALLOW//,/ }; do
        [[ $network =~ ^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$ ]] ||
            die "STACK_METRICS_ALLOW must list addresses or CIDR networks: '$network'"
    done
    [[ $STACK_GALERA =~ ^[01]$ ]] || die "STACK_GALERA must be 0 or 1: '$STACK_GALERA'"
    [[ $STACK_DB_SOCKET =~ ^[01]$ ]] || die "STACK_DB_SOCKET must be 0 or 1: '$STACK_DB_SOCKET'"
}

instance_port() { echo $((STACK_API_PORT + $1)); }
instance_pidfile() { echo "$STACK_DIR/api-$1.pid"; }
instance_fifo() { echo "$STACK_DIR/api-$1.fifo"; }
instance_log() { echo "$STACK_DIR/api-$1.log"; }

check_instance_number() {
    [[ ${1:-} =~ ^[1-9][0-9]?$ ]] || die "instance number expected (1..$STACK_INSTANCES), got '${1:-}'"
}

# The pid file alone is not proof: after a crash the pid may have been reused by anything.
# uWSGI renames its processes (auto-procname), so match on what it calls itself.
pid_from() {
    local file=$1 pattern=$2 pid
    [[ -f $file ]] || return 1
    pid=$(<"$file")
    pid=${pid//[[:space:]]/}
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/cmdline ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -Eq "$pattern" || return 1
    echo "$pid"
}

instance_pid() { pid_from "$(instance_pidfile "$1")" 'uWSGI|uwsgi'; }
nginx_pid() { pid_from "$NGINX_PID" 'nginx'; }

# Instances that have a pid file, whatever STACK_INSTANCES says now (down must stop them all).
known_instances() {
    local file n
    for file in "$STACK_DIR"/api-*.pid; do
        [[ -e $file ]] || continue
        n=${file##*/api-}
        echo "${n%.pid}"
    done
}

# Wait (bounded) until no process of this id is left.
wait_gone() {
    local pid=$1 timeout=$2 deadline
    deadline=$((SECONDS + timeout))
    while kill -0 "$pid" 2>/dev/null; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

workers_of() {
    ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' || true
}

# --- Prerequisites ------------------------------------------------------------------------------

ensure_venv() {
    [[ -x $PY ]] || scripts/bootstrap.sh
    if [[ ! -x $UWSGI ]]; then
        say "installing uWSGI into $VENV (it compiles: 1-2 minutes)"
        "$PY" -m pip install --quiet --disable-pip-version-check "uWSGI>=2.0.28,<2.1"
    fi
}

nginx_bin() {
    command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; }
}

ensure_nginx() {
    nginx_bin >/dev/null && return 0
    say "installing nginx from Debian's packages"
    # The package would start the system service on port 80 of every interface; a temporary
    # policy-rc.d (exit 101 = "action forbidden") keeps it down: this script runs its own.
    local policy=/usr/sbin/policy-rc.d temp_policy=0 status=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        temp_policy=1
    fi
    {
        apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                nginx >/dev/null
    } || status=$?
    if ((temp_policy)); then
        rm -f "$policy"
    fi
    ((status == 0)) || die "apt-get install nginx failed (exit $status)"
    nginx_bin >/dev/null || die "nginx not found after install"
}

secret_key() {
    if [[ -n ${SECRET_KEY:-} ]]; then
        echo "$SECRET_KEY"
        return
    fi
    local file=$STACK_DIR/secret_key
    if [[ ! -s $file ]]; then
        (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(48))' >"$file")
    fi
    cat "$file"
}

database_url() {
    if [[ -n $STACK_DATABASE_URL ]]; then
        echo "$STACK_DATABASE_URL"
    elif ((STACK_GALERA)); then
        GALERA_DATABASE=$STACK_DATABASE scripts/galera.sh url
    elif ((STACK_DB_SOCKET)); then
        # Same host: the server's unix socket skips the TCP/IP stack on every round trip
        # (a point query: 97 µs against 249 µs over 127.0.0.1, docs/performance.md).
        MARIADB_DATABASE=$STACK_DATABASE scripts/mariadb.sh socket-url
    else
        MARIADB_DATABASE=$STACK_DATABASE scripts/mariadb.sh url
    fi
}

ensure_database() {
    [[ -n $STACK_DATABASE_URL ]] && return 0
    if ((STACK_GALERA)); then
        GALERA_DATABASE=$STACK_DATABASE scripts/galera.sh up
        return 0
    fi
    scripts/mariadb.sh up
    scripts/mariadb.sh createdb "$STACK_DATABASE"
}

migrate() {
    local wrapper=()
    if ((STACK_GALERA)) && [[ -z $STACK_DATABASE_URL ]]; then
        # Through HAProxy (the writer); DDL replicates to every node (scripts/galera.sh).
        wrapper=(scripts/galera.sh migrate)
    fi
    DATABASE_URL=$(database_url) "${wrapper[@]}" "$PY" -m api db upgrade \
        >>"$STACK_DIR/migrate.log" 2>&1 || die "migrations failed, see $STACK_DIR/migrate.log"
}

# --- uWSGI instances ----------------------------------------------------------------------------

# Ask one instance for PATH over the uwsgi protocol (what nginx speaks), bypassing nginx, and
# print the HTTP status. Exit 2 when nothing answers.
probe_instance() {
    "$PY" - "$(instance_port "$1")" "$2" <<'PY'
import socket
import struct
import sys

port, path = int(sys.argv[1]), sys.argv[2]
env = {
    "REQUEST_METHOD": "GET", "PATH_INFO": path, "REQUEST_URI": path, "QUERY_STRING": "",
    "SERVER_NAME": "localhost", "SERVER_PORT": "0", "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "localhost", "HTTP_X_REQUEST_ID": "stack-probe",
}
body = b"".join(
    struct.pack("<H", len(k)) + k.encode() + struct.pack("<H", len(v)) + v.encode()
    for k, v in env.items()
)
try:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(struct.pack("<BHB", 0, len(body), 0) + body)
        head = sock.recv(64)
except OSError:
    sys.exit(2)
parts = head.split(b" ", 2)
if len(parts) < 2 or not parts[1].isdigit():
    sys.exit(2)
print(parts[1].decode())
PY
}

wait_instance_ready() {
    local n=$1 deadline status
    deadline=$((SECONDS + STACK_READY_TIMEOUT))
    while true; do
        instance_pid "$n" >/dev/null || die "instance api-$n exited, see $(instance_log "$n")"
        status=$(probe_instance "$n" /health 2>/dev/null) || status=none
        [[ $status == 200 ]] && return 0
        ((SECONDS < deadline)) ||
            die "instance api-$n not ready within ${STACK_READY_TIMEOUT}s (last: $status), see $(instance_log "$n")"
        sleep 0.5
    done
}

# The app's METRICS_ALLOW: loopback and STACK_METRICS_ALLOW, as nginx's geo block.
metrics_allow() {
    local list="127.0.0.1/32,::1/128" network
    for network in ${STACK_METRICS_ALLOW//,/ }; do
        list+=",$network"
    done
    echo "$list"
}

# Empty the metrics directory, unless an instance still writes to it (its counters would go
# backwards): a fresh start of the stack starts its figures from zero.
reset_metrics_dir() {
    local n
    for n in $(known_instances); do
        if instance_pid "$n" >/dev/null; then
            mkdir -p "$METRICS_DIR"
            return 0
        fi
    done
    rm -rf -- "$METRICS_DIR"
    mkdir -p "$METRICS_DIR"
}

# Start instance N unless it runs; return without waiting for its app (wait_instance_ready).
spawn_instance() {
    local n=$1 pidfile fifo log deadline
    check_instance_number "$n"
    if instance_pid "$n" >/dev/null; then
        return 0
    fi
    pidfile=$(instance_pidfile "$n")
    fifo=$(instance_fifo "$n")
    log=$(instance_log "$n")
    # Left behind by a kill -9; uWSGI would refuse to create its fifo over the old one.
    rm -f "$pidfile" "$fifo"
    mkdir -p "$METRICS_DIR"
    # setsid: the instance gets its own process group (its id is the master's pid), so it
    # outlives this script and kill-api can end master and workers together. It must not
    # inherit the lock's descriptor (9), or it would hold the lock for as long as it runs.
    SPLITS_SOCKET=127.0.0.1:$(instance_port "$n") \
        SPLITS_INSTANCE=api-$n \
        SPLITS_PIDFILE=$pidfile \
        SPLITS_MASTER_FIFO=$fifo \
        SPLITS_CHDIR=$ROOT \
        SPLITS_VIRTUALENV=$VENV \
        SPLITS_WSGI_MODULE=$STACK_WSGI_MODULE \
        SPLITS_ENV=production \
        PROMETHEUS_MULTIPROC_DIR=$METRICS_DIR \
        METRICS_ALLOW=$(metrics_allow) \
        DATABASE_URL=$(database_url) \
        DB_WSREP_SYNC_WAIT=${DB_WSREP_SYNC_WAIT:-$( ((STACK_GALERA)) && echo 1)} \
        SECRET_KEY=$(secret_key) \
        BCRYPT_COST=$BCRYPT_COST \
        LOG_FORMAT=${LOG_FORMAT:-json} \
        setsid "$UWSGI" --ini "$ROOT/uwsgi.ini" </dev/null >>"$log" 2>&1 9>&- &
    deadline=$((SECONDS + 30))
    until instance_pid "$n" >/dev/null; do
        if ! kill -0 $! 2>/dev/null; then
            die "instance api-$n failed to start, see $log"
        fi
        ((SECONDS < deadline)) || die "instance api-$n wrote no pid file within 30s, see $log"
        sleep 0.1
    done
}

start_instance() {
    spawn_instance "$1"
    wait_instance_ready "$1"
    say "api-$1 up on 127.0.0.1:$(instance_port "$1") (pid $(instance_pid "$1"))"
}

# Graceful: SIGTERM makes uWSGI stop accepting and let in-flight requests finish (uwsgi.ini).
# Every instance named is signalled first and then waited for, so they wind down in parallel.
stop_instances() {
    local n pid pids=() names=() i
    for n in "$@"; do
        if pid=$(instance_pid "$n"); then
            kill -TERM "$pid"
            pids+=("$pid")
            names+=("$n")
        fi
    done
    for i in "${!pids[@]}"; do
        if ! wait_gone "${pids[i]}" "$STOP_TIMEOUT"; then
            say "api-${names[i]} (pid ${pids[i]}) still running after ${STOP_TIMEOUT}s: killing it"
            kill_group "${pids[i]}"
        fi
    done
    for n in "$@"; do
        # Safe now: no instance of these names runs, whatever the files said.
        rm -f "$(instance_pidfile "$n")" "$(instance_fifo "$n")"
    done
}

# SIGKILL the master and its workers, by ids this script started and nothing broader.
kill_group() {
    local pid=$1 pgid workers
    pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ') || true
    if [[ $pgid == "$pid" ]]; then
        kill -KILL -- "-$pgid" 2>/dev/null || true
    else
        workers=$(workers_of "$pid")
        # shellcheck disable=SC2086 # one pid per word
        kill -KILL "$pid" $workers 2>/dev/null || true
    fi
    wait_gone "$pid" 10 || die "pid $pid survived SIGKILL"
}

kill_instance() {
    local n=$1 pid
    check_instance_number "$n"
    pid=$(instance_pid "$n") || die "api-$n is not running"
    kill_group "$pid"
    say "api-$n (pid $pid) killed with SIGKILL"
}

# Chain reload: uWSGI replaces one worker at a time, starting the next only when the new one
# has loaded the app, so the instance never stops accepting. Returns when no old worker is left.
reload_instance() {
    local n=$1 pid fifo old new deadline still worker
    pid=$(instance_pid "$n") || return 0
    fifo=$(instance_fifo "$n")
    [[ -p $fifo ]] || die "api-$n has no master fifo at $fifo"
    old=$(workers_of "$pid")
    # The master keeps the fifo open for reading; the timeout guards against a master that died
    # between the check and the write (an unread fifo blocks the writer forever).
    # shellcheck disable=SC2016 # $1 is expanded by the inner shell, on purpose
    timeout 5 bash -c 'echo c >"$1"' _ "$fifo" || die "api-$n did not take the reload command"
    deadline=$((SECONDS + STACK_READY_TIMEOUT))
    while true; do
        new=$(workers_of "$pid")
        still=0
        for worker in $old; do
            if grep -qx "$worker" <<<"$new"; then
                still=1
            fi
        done
        if ((still == 0)) && [[ -n $new ]]; then
            break
        fi
        ((SECONDS < deadline)) || die "api-$n chain reload not done within ${STACK_READY_TIMEOUT}s"
        sleep 0.2
    done
    wait_instance_ready "$n"
    say "api-$n reloaded (workers: $(echo "$new" | tr '\n' ' '))"
}

# --- nginx --------------------------------------------------------------------------------------

auth_retry_after() {
    local count=${STACK_AUTH_RATE%%r/*} unit=${STACK_AUTH_RATE##*/}
    if [[ $unit == s ]]; then
        echo 1
    else
        echo $(((60 + count - 1) / count))
    fi
}

# Render nginx/stack.conf.template into the state directory, next to copies of the shared
# snippets (its includes are relative to the main file's directory).
render_nginx() {
    local template servers="" n network allow=""
    mkdir -p "$NGINX_PREFIX/logs" "$NGINX_PREFIX/temp"
    cp nginx/splits-*.conf "$NGINX_PREFIX/"
    for ((n = 1; n <= STACK_INSTANCES; n++)); do
        servers+="        server 127.0.0.1:$(instance_port "$n") max_fails=1 fail_timeout=5s;"$'\n'
    done
    template=$(<nginx/stack.conf.template)
    template=${template//@WORKER_PROCESSES@/auto}
    template=${template//@PORT@/$STACK_PORT}
    template=${template//@AUTH_RATE@/$STACK_AUTH_RATE}
    template=${template//@AUTH_RETRY_AFTER@/$(auth_retry_after)}
    template=${template//@READ_TIMEOUT@/$STACK_READ_TIMEOUT}
    template=${template//@UPSTREAM_SERVERS@/${servers%$'\n'}}
    for network in ${STACK_METRICS_ALLOW//,/ }; do
        allow+="        $network 1;"$'\n'
    done
    template=${template//@METRICS_ALLOW@/${allow%$'\n'}}
    if grep -q '@[A-Z_]*@' <<<"$template"; then
        die "unreplaced placeholder in nginx/stack.conf.template: $(grep -o '@[A-Z_]*@' <<<"$template" | head -1)"
    fi
    printf '%s\n' "$template" >"$NGINX_CONF"
}

nginx_cmd() {
    "$(nginx_bin)" -p "$NGINX_PREFIX/" -c "$NGINX_CONF" -e "$NGINX_ERROR_LOG" "$@" 9>&-
}

check_nginx() {
    nginx_cmd -t -q 2>&1 || die "nginx rejected $NGINX_CONF"
}

start_nginx() {
    render_nginx
    check_nginx
    local pid
    if pid=$(nginx_pid); then
        # Running already: apply the freshly rendered config without dropping a connection.
        kill -HUP "$pid"
        return 0
    fi
    rm -f "$NGINX_PID"
    nginx_cmd
    local deadline=$((SECONDS + 10))
    until nginx_pid >/dev/null; do
        ((SECONDS < deadline)) || die "nginx did not start, see $NGINX_ERROR_LOG"
        sleep 0.1
    done
}

stop_nginx() {
    local pid
    pid=$(nginx_pid) || {
        rm -f "$NGINX_PID"
        return 0
    }
    # QUIT: finish the requests in flight, then exit.
    kill -QUIT "$pid"
    if ! wait_gone "$pid" 15; then
        say "nginx (pid $pid) still running after 15s: killing it"
        local workers
        workers=$(workers_of "$pid")
        # shellcheck disable=SC2086 # one pid per word
        kill -KILL "$pid" $workers 2>/dev/null || true
        wait_gone "$pid" 5 || die "nginx pid $pid survived SIGKILL"
    fi
    rm -f "$NGINX_PID"
}

# Print the HTTP status of GET URL (000 when nothing answers).
http_status() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1" 2>/dev/null || true
}

wait_ready() {
    local url deadline status
    url="http://127.0.0.1:$STACK_PORT/health/ready"
    deadline=$((SECONDS + STACK_READY_TIMEOUT))
    while true; do
        status=$(http_status "$url")
        [[ $status == 200 ]] && return 0
        ((SECONDS < deadline)) || die "$url answered $status, not 200, for ${STACK_READY_TIMEOUT}s"
        sleep 0.5
    done
}

# --- Commands -----------------------------------------------------------------------------------

lock() {
    mkdir -p "$STACK_DIR"
    exec 9>"$STACK_DIR/.lock"
    # Concurrent callers (two test sessions, a benchmark) wait instead of racing each other.
    flock -w 300 9 || die "could not lock $STACK_DIR/.lock within 300s"
}

cmd_up() {
    local started=$SECONDS n
    ensure_venv
    ensure_nginx
    ensure_database
    migrate
    reset_metrics_dir
    # Start every instance before waiting for any: their apps load in parallel.
    for ((n = 1; n <= STACK_INSTANCES; n++)); do
        spawn_instance "$n"
    done
    for ((n = 1; n <= STACK_INSTANCES; n++)); do
        wait_instance_ready "$n"
    done
    start_nginx
    wait_ready
    say "up in $((SECONDS - started))s: http://127.0.0.1:$STACK_PORT/ (state in $STACK_DIR)"
}

cmd_down() {
    # nginx first: it finishes what it has in flight while the instances still answer.
    stop_nginx
    # shellcheck disable=SC2046 # one instance number per word
    stop_instances $(known_instances)
    if [[ ${1:-} == --all && -z $STACK_DATABASE_URL ]]; then
        if ((STACK_GALERA)); then
            scripts/galera.sh down
        else
            scripts/mariadb.sh down
        fi
    fi
    say "down"
}

cmd_status() {
    local ok=0 n pid
    if pid=$(nginx_pid); then
        echo "nginx    running (pid $pid) on http://127.0.0.1:$STACK_PORT/"
    else
        echo "nginx    stopped"
        ok=3
    fi
    for ((n = 1; n <= STACK_INSTANCES; n++)); do
        if pid=$(instance_pid "$n"); then
            echo "api-$n    running (pid $pid, workers $(workers_of "$pid" | tr '\n' ' ')) on 127.0.0.1:$(instance_port "$n")"
        else
            echo "api-$n    stopped"
            ok=3
        fi
    done
    if [[ -n $STACK_DATABASE_URL ]]; then
        :
    elif ((STACK_GALERA)); then
        scripts/galera.sh status | sed 's/^/galera   /' || true
    else
        echo "mariadb  $(scripts/mariadb.sh status || true)"
    fi
    echo "logs     $STACK_DIR/api-*.log $NGINX_PREFIX/logs/"
    return "$ok"
}

cmd_reload() {
    local n
    for n in $(known_instances); do
        reload_instance "$n"
    done
}

main() {
    local cmd=${1:-} arg rest=()
    # --galera anywhere after the command: the database is the Galera cluster.
    for arg in "${@:2}"; do
        if [[ $arg == --galera ]]; then
            STACK_GALERA=1
        else
            rest+=("$arg")
        fi
    done
    set -- "$cmd" "${rest[@]}"
    validate_settings
    case $cmd in
        up)
            lock
            cmd_up
            ;;
        down)
            lock
            cmd_down "${2:-}"
            ;;
        status) cmd_status ;;
        url) echo "http://127.0.0.1:$STACK_PORT" ;;
        db-url) database_url ;;
        reload)
            lock
            cmd_reload
            ;;
        kill-api) kill_instance "${2:-}" ;;
        stop-api)
            check_instance_number "${2:-}"
            lock
            stop_instances "$2"
            ;;
        start-api)
            lock
            ensure_venv
            start_instance "${2:-}"
            ;;
        check-config)
            mkdir -p "$STACK_DIR"
            nginx_bin >/dev/null || die "nginx is not installed (scripts/stack.sh up installs it)"
            render_nginx
            check_nginx
            echo "$NGINX_CONF: ok"
            ;;
        *)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
            exit 2
            ;;
    esac
}

main "$@"

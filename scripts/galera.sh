#!/usr/bin/env bash
# Run a 3-node MariaDB Galera cluster on 127.0.0.1, with HAProxy in front (one writer, the
# other nodes as backups, health checked by scripts/galera_check.py: "Synced" or no traffic).
#
#   scripts/galera.sh up            install (once) and start what is not running: the nodes
#                                   (bootstrapping the cluster when none runs), the health
#                                   check, HAProxy; create the app's user and database
#   scripts/galera.sh down          stop HAProxy, the check and every node, by pid (gracefully)
#   scripts/galera.sh reset         down, then delete the cluster's state (GALERA_DIR)
#   scripts/galera.sh kill N        kill -9 node N (a crash)
#   scripts/galera.sh start N       start node N again: recover its position first, so it
#                                   catches up by IST (missed writes only), not a full copy
#   scripts/galera.sh wait-synced [N...]  wait (bounded) until the nodes are Synced
#   scripts/galera.sh writer        print the number of the node HAProxy sends connections to
#   scripts/galera.sh status        one line per node (state, cluster size, last seqno)
#   scripts/galera.sh url [NODE]    the app's SQLAlchemy URL: through HAProxy, or to node NODE
#   scripts/galera.sh sql N [ARGS]  run the mariadb client as root on node N
#   scripts/galera.sh migrate CMD... run CMD (the migrations) with the primary-key requirement
#                                   lifted on every node for its duration (see cmd_migrate)
#
# Settings: GALERA_DIR (./var/galera), GALERA_PORT (4500: HAProxy; node N answers SQL on
# GALERA_PORT+N), GALERA_BASE (4560: node N's group port is GALERA_BASE+N, IST +10, SST +20,
# health check +30), GALERA_DATABASE (splits_galera), GALERA_EVS: the group's failure
# detection, "fast" (default: suspect a silent node after 1.5 s; for tests on one machine) or
# "default" (Galera's own, ~6 s; production). Ports must be free; everything binds 127.0.0.1.
# Keep them below the kernel's ephemeral range (32768-60999 on Linux): a busy machine's
# outgoing connections hold ports there, and a listener then fails with "address in use".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

GALERA_DIR=${GALERA_DIR:-$ROOT/var/galera}
GALERA_PORT=${GALERA_PORT:-4500}
GALERA_BASE=${GALERA_BASE:-4560}
GALERA_DATABASE=${GALERA_DATABASE:-splits_galera}
GALERA_EVS=${GALERA_EVS:-fast}
NODES=(1 2 3)
PROVIDER=/usr/lib/galera/libgalera_smm.so
# Refuse tables without a primary key and writes to non-InnoDB tables (not replicated).
WSREP_MODE=REQUIRED_PRIMARY_KEY,STRICT_REPLICATION
HAPROXY_CFG=$GALERA_DIR/haproxy.cfg
HAPROXY_PID=$GALERA_DIR/haproxy.pid
CHECK_PID=$GALERA_DIR/check.pid
APP_USER=splits
APP_PASSWORD=splits
START_TIMEOUT=90
STOP_TIMEOUT=60
PY=$ROOT/.venv/bin/python

die() {
    echo "galera.sh: $*" >&2
    exit 1
}

say() {
    echo "galera.sh: $*" >&2
}

node_dir() { echo "$GALERA_DIR/node$1"; }
node_port() { echo $((GALERA_PORT + $1)); }
gcomm_port() { echo $((GALERA_BASE + $1)); }
ist_port() { echo $((GALERA_BASE + 10 + $1)); }
sst_port() { echo $((GALERA_BASE + 20 + $1)); }
check_port() { echo $((GALERA_BASE + 30 + $1)); }
node_sock() { echo "$(node_dir "$1")/mariadb.sock"; }
node_pidfile() { echo "$(node_dir "$1")/mariadb.pid"; }
node_log() { echo "$(node_dir "$1")/error.log"; }

check_node_number() {
    [[ ${1:-} =~ ^[123]$ ]] || die "node number expected (1, 2 or 3), got '${1:-}'"
}

# --- Packages -----------------------------------------------------------------------------------

install_packages() {
    local missing=()
    [[ -x /usr/sbin/mariadbd ]] || missing+=(mariadb-server mariadb-client)
    [[ -e $PROVIDER ]] || missing+=(galera-4)
    command -v haproxy >/dev/null 2>&1 || [[ -x /usr/sbin/haproxy ]] || missing+=(haproxy)
    command -v rsync >/dev/null 2>&1 || missing+=(rsync)
    ((${#missing[@]} == 0)) && return 0
    say "installing ${missing[*]}"
    # The packages would start their system services; a temporary policy-rc.d (exit 101 =
    # "action forbidden") keeps them down: this script runs its own processes.
    local policy=/usr/sbin/policy-rc.d temp_policy=0 status=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        temp_policy=1
    fi
    {
        apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
    } || status=$?
    if ((temp_policy)); then
        rm -f "$policy"
    fi
    ((status == 0)) || die "apt-get install ${missing[*]} failed (exit $status)"
}

# --- Processes ----------------------------------------------------------------------------------

# The pid file alone is not proof: after a crash the pid may have been reused by anything.
pid_matching() {
    local file=$1 pattern=$2 pid
    [[ -f $file ]] || return 1
    pid=$(<"$file")
    pid=${pid//[[:space:]]/}
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/cmdline ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -Eq -- "$pattern" || return 1
    echo "$pid"
}

node_pid() { pid_matching "$(node_pidfile "$1")" "mariadbd.*--datadir=$(node_dir "$1")/data"; }
haproxy_pid() { pid_matching "$HAPROXY_PID" "haproxy.*$HAPROXY_CFG"; }
check_pid() { pid_matching "$CHECK_PID" "galera_check.py"; }

wait_gone() {
    local pid=$1 timeout=$2 deadline
    deadline=$((SECONDS + timeout))
    while kill -0 "$pid" 2>/dev/null; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

root_sql() {
    local n=$1
    shift
    mariadb --no-defaults --protocol=socket --socket="$(node_sock "$n")" -uroot --batch \
        --skip-column-names --connect-timeout=2 "$@"
}

# Print one wsrep status value of node N (nothing if the node does not answer).
node_status() {
    root_sql "$1" -e "SHOW STATUS LIKE '$2'" 2>/dev/null | cut -f2 || true
}

node_synced() {
    [[ $(node_status "$1" wsrep_local_state) == 4 ]] && [[ $(node_status "$1" wsrep_ready) == ON ]]
}

evs_options() {
    case $GALERA_EVS in
        # Suspect a silent peer after 1.5 s, evict it after 3 s: a dead writer is replaced in
        # ~3 s instead of ~6 s. Fine on one machine; too eager for a real network. (Galera wants
        # keepalive < suspect/3 and install <= inactive; joins are resent quickly so that the
        # survivors agree on their new view well within the install timeout.)
        fast) echo "evs.suspect_timeout=PT1.5S; evs.inactive_timeout=PT3S; evs.install_timeout=PT3S; evs.inactive_check_period=PT0.5S; evs.keepalive_period=PT0.4S; evs.join_retrans_period=PT0.3S; " ;;
        default) echo "" ;;
        *) die "GALERA_EVS must be fast or default: '$GALERA_EVS'" ;;
    esac
}

# Set NODE_ARGS to node N's server command; "$@" adds to it (--wsrep-new-cluster, ...).
node_args() {
    local n=$1 dir peers="" m
    shift
    dir=$(node_dir "$n")
    for m in "${NODES[@]}"; do
        peers+="${peers:+,}127.0.0.1:$(gcomm_port "$m")"
    done
    # Galera emulates a binary log: creating the triggers on `logs` (revision 0014) as the
    # unprivileged app user needs log_bin_trust_function_creators (docs/database.md).
    NODE_ARGS=(
        /usr/sbin/mariadbd --no-defaults --user=mysql
        --datadir="$dir/data" --socket="$(node_sock "$n")" --pid-file="$(node_pidfile "$n")"
        --port="$(node_port "$n")" --bind-address=127.0.0.1 --skip-networking=0
        --port-open-timeout=15
        --skip-name-resolve
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci
        --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=2 --max-connections=300
        --binlog-format=ROW --default-storage-engine=InnoDB --innodb-autoinc-lock-mode=2
        --log-bin-trust-function-creators=1
        --wsrep-on=ON --wsrep-provider="$PROVIDER" --wsrep-cluster-name=splits
        --wsrep-cluster-address="gcomm://$peers"
        --wsrep-node-name="node$n" --wsrep-node-address="127.0.0.1:$(gcomm_port "$n")"
        --wsrep-sst-method=rsync --wsrep-sst-receive-address="127.0.0.1:$(sst_port "$n")"
        --wsrep-mode="$WSREP_MODE"
        "--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:$(gcomm_port "$n"); ist.recv_addr=127.0.0.1:$(ist_port "$n"); $(evs_options)gcache.size=128M; pc.wait_prim_timeout=PT30S"
        "$@"
    )
}

prepare_dir() {
    local n=$1 dir
    dir=$(node_dir "$n")
    mkdir -p "$dir/data"
    # The server drops to the mysql user: rsync SST then runs as that user too, and must be able
    # to write the data directory (as root, the joiner's rsync drops to nobody and fails).
    chown -R mysql:mysql "$dir"
    chmod 755 "$GALERA_DIR"
}

init_node() {
    local n=$1 dir
    dir=$(node_dir "$n")
    [[ -d $dir/data/mysql ]] && return 0
    prepare_dir "$n"
    mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" \
        --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1 ||
        die "mariadb-install-db failed, see $dir/install.log"
}

# Start node N unless it runs, then wait until it answers and is Synced.
spawn_node() {
    local n=$1 deadline log
    shift
    node_pid "$n" >/dev/null && return 0
    prepare_dir "$n"
    log=$(node_log "$n")
    rm -f "$(node_sock "$n")" "$(node_pidfile "$n")"
    node_args "$n" --log-error="$log" "$@"
    # setsid: the node outlives this script; it must not inherit the lock's descriptor (9).
    setsid "${NODE_ARGS[@]}" </dev/null >/dev/null 2>&1 9>&- &
    local started=$!
    deadline=$((SECONDS + START_TIMEOUT))
    until node_pid "$n" >/dev/null && node_synced "$n"; do
        kill -0 "$started" 2>/dev/null || die "node $n exited while starting, see $log"
        ((SECONDS < deadline)) || die "node $n not Synced within ${START_TIMEOUT}s, see $log"
        sleep 0.3
    done
}

# The position node N had reached when it died, so that it asks for the missing writes (IST)
# instead of a whole copy (SST): mariadbd --wsrep-recover prints it to the error log.
recovered_position() {
    local n=$1 log position
    log=$(node_dir "$n")/recover.log
    rm -f "$log"
    prepare_dir "$n"
    node_args "$n" --wsrep-recover --log-error="$log"
    "${NODE_ARGS[@]}" </dev/null >/dev/null 2>&1 9>&- || true
    position=$(grep -o 'Recovered position: [0-9a-f-]*:-\?[0-9]*' "$log" 2>/dev/null | tail -1 |
        sed 's/Recovered position: //')
    [[ -n $position && $position != *:-1 ]] && echo "$position"
}

start_node() {
    local n=$1 position
    check_node_number "$n"
    node_pid "$n" >/dev/null && return 0
    [[ -d $(node_dir "$n")/data/mysql ]] || {
        # A new (or replaced) node: an empty data directory gets a full copy (SST).
        prepare_dir "$n"
        spawn_node "$n"
        return 0
    }
    local donor
    donor=$(donor_for "$n")
    if position=$(recovered_position "$n"); then
        say "node $n recovered position $position: joining by IST${donor:+ from node ${donor#node}}"
        spawn_node "$n" "--wsrep-start-position=$position" ${donor:+"--wsrep-sst-donor=$donor,"}
    else
        spawn_node "$n" ${donor:+"--wsrep-sst-donor=$donor,"}
    fi
}

# The donor a joining node N should ask first: a running node that is not HAProxy's writer.
# A donor turns Donor/Desynced while it sends (rsync does so for IST too), the Synced check then
# fails, and HAProxy would move the writes and cut their sessions: every commit in flight on the
# writer would fail. The trailing comma in --wsrep-sst-donor lets Galera fall back to any node.
donor_for() {
    local n=$1 current m
    current=$(writer 2>/dev/null) || current=""
    for m in "${NODES[@]}"; do
        [[ $m != "$n" && $m != "$current" ]] || continue
        if node_pid "$m" >/dev/null; then
            echo "node$m"
            return 0
        fi
    done
    return 0 # no other node runs: Galera picks (or a first node needs none)
}

# grastate.dat of node N: "safe_to_bootstrap seqno" (after a clean stop the last node out is
# safe to bootstrap from).
grastate() {
    local file
    file=$(node_dir "$1")/data/grastate.dat
    [[ -f $file ]] || {
        echo "0 -1"
        return
    }
    echo "$(awk '/^safe_to_bootstrap:/ {print $2}' "$file") $(awk '/^seqno:/ {print $2}' "$file")"
}

# The node to start a new cluster from when none runs: safe_to_bootstrap, else the highest
# seqno (recovered when the node crashed), else node 1.
bootstrap_candidate() {
    local n state best=1 best_seqno=-2 safe seqno position
    for n in "${NODES[@]}"; do
        [[ -d $(node_dir "$n")/data/mysql ]] || continue
        read -r safe seqno <<<"$(grastate "$n")"
        if [[ $safe == 1 ]]; then
            echo "$n"
            return
        fi
        if [[ $seqno == -1 ]] && position=$(recovered_position "$n"); then
            seqno=${position##*:}
        fi
        if ((seqno > best_seqno)); then
            best=$n
            best_seqno=$seqno
        fi
    done
    echo "$best"
}

bootstrap() {
    local n=$1 file
    file=$(node_dir "$n")/data/grastate.dat
    # A node chosen by highest seqno after a crash is not marked safe: say it is, as the
    # operator would after comparing seqnos (docs/operations.md, full-cluster restart).
    [[ -f $file ]] && sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$file"
    say "bootstrapping a new cluster from node $n"
    spawn_node "$n" --wsrep-new-cluster
}

running_nodes() {
    local n
    for n in "${NODES[@]}"; do
        node_pid "$n" >/dev/null && echo "$n"
    done
    return 0
}

create_app_database() {
    local n=$1
    root_sql "$n" <<SQL
CREATE USER IF NOT EXISTS '$APP_USER'@'127.0.0.1' IDENTIFIED BY '$APP_PASSWORD';
CREATE USER IF NOT EXISTS '$APP_USER'@'localhost' IDENTIFIED BY '$APP_PASSWORD';
GRANT ALL PRIVILEGES ON \`splits%\`.* TO '$APP_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`splits%\`.* TO '$APP_USER'@'localhost';
CREATE DATABASE IF NOT EXISTS \`$GALERA_DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
SQL
}

# --- Health check and HAProxy -------------------------------------------------------------------

start_check() {
    check_pid >/dev/null && return 0
    local ports=() n
    for n in "${NODES[@]}"; do
        ports+=("$(check_port "$n")=$(node_port "$n")")
    done
    setsid "$PY" "$ROOT/scripts/galera_check.py" --pidfile "$CHECK_PID" "${ports[@]}" \
        </dev/null >>"$GALERA_DIR/check.log" 2>&1 9>&- &
    local deadline=$((SECONDS + 20))
    until check_pid >/dev/null; do
        ((SECONDS < deadline)) || die "the health check did not start, see $GALERA_DIR/check.log"
        sleep 0.1
    done
}

# Debian keeps it in /usr/sbin, which is not on every PATH.
haproxy_bin() {
    if command -v haproxy >/dev/null 2>&1; then
        haproxy "$@"
    else
        /usr/sbin/haproxy "$@"
    fi
}

render_haproxy() {
    local n backup
    {
        cat <<CFG
# Rendered by scripts/galera.sh: one writer, the other nodes as backups.
global
    maxconn 2000
    stats socket $GALERA_DIR/haproxy.sock mode 600 level admin

defaults
    mode tcp
    timeout connect 2s
    timeout client 1h
    timeout server 1h
    timeout check 1s
    retries 2
    option redispatch

listen galera
    bind 127.0.0.1:$GALERA_PORT
    # Health: HTTP to scripts/galera_check.py, 200 only when the node is Synced and ready (a
    # TCP or mysql-check would pass a node that is joining, donating or out of quorum).
    option httpchk GET /
    http-check expect status 200
    # One writer at a time (so two nodes never certify conflicting writes), and no failback:
    # the stick table remembers the current writer, so a returning node does not take the
    # writes back from a healthy one (that would move every new connection mid-load).
    stick-table type integer size 1
    stick on int(1)
    default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
CFG
        for n in "${NODES[@]}"; do
            backup=""
            ((n == 1)) || backup=" backup"
            echo "    server node$n 127.0.0.1:$(node_port "$n") check port $(check_port "$n")$backup"
        done
    } >"$HAPROXY_CFG"
}

start_haproxy() {
    render_haproxy
    haproxy_bin -c -q -f "$HAPROXY_CFG" || die "haproxy rejected $HAPROXY_CFG"
    haproxy_pid >/dev/null && return 0
    rm -f "$HAPROXY_PID"
    # A port an outgoing connection holds for a moment (see the settings above): try again.
    local tries=0
    until haproxy_bin -D -f "$HAPROXY_CFG" -p "$HAPROXY_PID" 9>&- 2>>"$GALERA_DIR/haproxy.log"; do
        tries=$((tries + 1))
        ((tries < 10)) || die "haproxy did not start, see $GALERA_DIR/haproxy.log"
        sleep 1
    done
    local deadline=$((SECONDS + 10))
    until haproxy_pid >/dev/null; do
        ((SECONDS < deadline)) || die "haproxy wrote no pid file"
        sleep 0.1
    done
}

# Wait until a connection through HAProxy reaches a Synced node.
wait_writer() {
    local deadline=$((SECONDS + 30))
    until [[ -n $(writer 2>/dev/null) ]]; do
        ((SECONDS < deadline)) || die "no node answers through HAProxy on 127.0.0.1:$GALERA_PORT"
        sleep 0.3
    done
}

writer() {
    mariadb --no-defaults -h127.0.0.1 -P"$GALERA_PORT" -u"$APP_USER" -p"$APP_PASSWORD" \
        --batch --skip-column-names --connect-timeout=2 -e 'SELECT @@wsrep_node_name' |
        sed 's/^node//'
}

stop_pid() {
    local pid=$1 name=$2 signal=${3:-TERM}
    kill "-$signal" "$pid" 2>/dev/null || return 0
    if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
        say "$name (pid $pid) still running after ${STOP_TIMEOUT}s: killing it"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 10 || die "$name (pid $pid) survived SIGKILL"
    fi
}

# --- Commands -----------------------------------------------------------------------------------

lock() {
    mkdir -p "$GALERA_DIR"
    exec 9>"$GALERA_DIR/.lock"
    flock -w 300 9 || die "could not lock $GALERA_DIR/.lock within 300s"
}

cmd_up() {
    local started=$SECONDS n running
    install_packages
    [[ -x $PY ]] || die "no virtualenv at $ROOT/.venv (run scripts/bootstrap.sh)"
    running=$(running_nodes)
    if [[ -z $running ]]; then
        init_node 1
        bootstrap "$(bootstrap_candidate)"
    fi
    for n in "${NODES[@]}"; do
        start_node "$n"
    done
    create_app_database "$(running_nodes | head -1)"
    start_check
    start_haproxy
    wait_writer
    say "up in $((SECONDS - started))s: HAProxy on 127.0.0.1:$GALERA_PORT, writer node $(writer)"
}

cmd_down() {
    local pid n
    if pid=$(haproxy_pid); then
        stop_pid "$pid" haproxy
    fi
    rm -f "$HAPROXY_PID"
    if pid=$(check_pid); then
        stop_pid "$pid" "health check"
    fi
    # One at a time: the last one out is marked safe_to_bootstrap for the next `up`.
    for n in 3 2 1; do
        if pid=$(node_pid "$n"); then
            stop_pid "$pid" "node $n"
        fi
    done
    say "down"
}

cmd_kill() {
    local n=$1 pid
    check_node_number "$n"
    pid=$(node_pid "$n") || die "node $n is not running"
    kill -KILL "$pid"
    wait_gone "$pid" 10 || die "node $n (pid $pid) survived SIGKILL"
    say "node $n (pid $pid) killed with SIGKILL"
}

cmd_wait_synced() {
    local n deadline=$((SECONDS + START_TIMEOUT))
    for n in "${@:-${NODES[@]}}"; do
        check_node_number "$n"
        until node_synced "$n"; do
            ((SECONDS < deadline)) || die "node $n not Synced within ${START_TIMEOUT}s"
            sleep 0.3
        done
    done
}

cmd_status() {
    local n pid ok=0
    for n in "${NODES[@]}"; do
        if pid=$(node_pid "$n"); then
            echo "node$n  pid $pid  127.0.0.1:$(node_port "$n")  state $(node_status "$n" wsrep_local_state_comment)  size $(node_status "$n" wsrep_cluster_size)  status $(node_status "$n" wsrep_cluster_status)  last_committed $(node_status "$n" wsrep_last_committed)"
        else
            echo "node$n  stopped"
            ok=3
        fi
    done
    if pid=$(haproxy_pid); then
        echo "haproxy  pid $pid  127.0.0.1:$GALERA_PORT  writer node $(writer 2>/dev/null || echo none)"
    else
        echo "haproxy  stopped"
        ok=3
    fi
    return "$ok"
}

set_wsrep_mode() {
    local n
    for n in $(running_nodes); do
        root_sql "$n" -e "SET GLOBAL wsrep_mode = '$1'"
    done
}

# The legacy baseline (revision 0001) creates teammembers and teamgroups without a primary key,
# as the legacy database has them; revision 0003 gives them one, and every table has one at the
# head (tests/models/test_cluster_rules.py). REQUIRED_PRIMARY_KEY refuses that first CREATE
# TABLE (error 4165), so the requirement is lifted while the migrations run and restored
# afterwards, whatever happens; STRICT_REPLICATION (InnoDB only) stays on throughout.
cmd_migrate() {
    (($# > 0)) || die "migrate needs a command"
    set_wsrep_mode STRICT_REPLICATION
    local status=0
    "$@" || status=$?
    set_wsrep_mode "$WSREP_MODE"
    return "$status"
}

main() {
    local cmd=${1:-}
    case $cmd in
        up)
            lock
            cmd_up
            ;;
        down)
            lock
            cmd_down
            ;;
        reset)
            lock
            cmd_down
            rm -rf "${GALERA_DIR:?}"/node? "$GALERA_DIR"/*.log "$HAPROXY_CFG"
            ;;
        kill) cmd_kill "${2:-}" ;;
        start)
            check_node_number "${2:-}"
            lock
            start_node "$2"
            ;;
        wait-synced)
            shift
            cmd_wait_synced "$@"
            ;;
        writer) writer ;;
        migrate)
            shift
            lock
            cmd_migrate "$@"
            ;;
        status) cmd_status ;;
        url)
            if [[ -n ${2:-} ]]; then
                check_node_number "$2"
                echo "mysql+pymysql://$APP_USER:$APP_PASSWORD@127.0.0.1:$(node_port "$2")/$GALERA_DATABASE"
            else
                echo "mysql+pymysql://$APP_USER:$APP_PASSWORD@127.0.0.1:$GALERA_PORT/$GALERA_DATABASE"
            fi
            ;;
        sql)
            check_node_number "${2:-}"
            local n=$2
            shift 2
            root_sql "$n" "$@"
            ;;
        *)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
            exit 2
            ;;
    esac
}

main "$@"

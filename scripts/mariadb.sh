#!/usr/bin/env bash
# Run a private MariaDB server for development and tests, bound to 127.0.0.1 only.
#
#   scripts/mariadb.sh up            install (once) and start the server, create user and database
#   scripts/mariadb.sh down          stop the server started by `up`
#   scripts/mariadb.sh status        say whether it is running (exit 0) or not (exit 3)
#   scripts/mariadb.sh url           print the SQLAlchemy URL of the database (TCP, 127.0.0.1)
#   scripts/mariadb.sh socket-url    the same over the server's unix socket (same host only:
#                                    no TCP/IP stack per query; issue 14 measured 97 µs per
#                                    point query against 249 µs over 127.0.0.1)
#   scripts/mariadb.sh createdb NAME create database NAME (utf8mb4) usable by the splits user
#   scripts/mariadb.sh dropdb NAME   drop database NAME
#
# Settings: MARIADB_DIR (default ./var/mariadb), MARIADB_PORT (3307), MARIADB_DATABASE (splits).
# The system service is never used: the server has its own datadir, socket and pid file, so it
# can run beside (or instead of) any MariaDB/MySQL the machine already has.
set -euo pipefail

MARIADB_DIR=${MARIADB_DIR:-$PWD/var/mariadb}
MARIADB_PORT=${MARIADB_PORT:-3307}
MARIADB_DATABASE=${MARIADB_DATABASE:-splits}
DATADIR=$MARIADB_DIR/data
SOCKET=$MARIADB_DIR/mariadb.sock
PIDFILE=$MARIADB_DIR/mariadb.pid
LOGFILE=$MARIADB_DIR/mariadb.log
LOCKFILE=$MARIADB_DIR/.lock
START_TIMEOUT=30
STOP_TIMEOUT=30
APP_USER=splits
APP_PASSWORD=splits

die() {
    echo "mariadb.sh: $*" >&2
    exit 1
}

# Debian keeps the daemon in /usr/sbin, which is not on every PATH.
find_bin() {
    local name
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
        if [[ -x /usr/sbin/$name ]]; then
            echo "/usr/sbin/$name"
            return 0
        fi
    done
    return 1
}

server_bin() { find_bin mariadbd mysqld; }
client_bin() { find_bin mariadb mysql; }
admin_bin() { find_bin mariadb-admin mysqladmin; }
install_db_bin() { find_bin mariadb-install-db mysql_install_db; }

install_packages() {
    if server_bin >/dev/null && client_bin >/dev/null && install_db_bin >/dev/null; then
        return 0
    fi
    echo "mariadb.sh: installing mariadb-server and mariadb-client" >&2
    # Without a policy-rc.d the package scripts would start the system service, which we never
    # use; a temporary one (exit 101 = "action forbidden") keeps it down during the install.
    local policy=/usr/sbin/policy-rc.d temp_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        temp_policy=1
    fi
    local status=0
    {
        apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                mariadb-server mariadb-client >/dev/null
    } || status=$?
    if ((temp_policy)); then
        rm -f "$policy"
    fi
    ((status == 0)) || die "apt-get install failed (exit $status)"
    server_bin >/dev/null || die "mariadbd not found after install"
}

# The pid file alone is not proof: after a crash or reboot the pid may belong to another process.
running_pid() {
    [[ -f $PIDFILE ]] || return 1
    local pid
    pid=$(<"$PIDFILE")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/comm ]] || return 1
    case $(<"/proc/$pid/comm") in
        mariadbd | mysqld) echo "$pid" ;;
        *) return 1 ;;
    esac
}

# Root authenticates through the private socket (unix_socket plugin), so no password is stored.
root_sql() {
    "$(client_bin)" --no-defaults --protocol=socket --socket="$SOCKET" -uroot --batch "$@"
}

ping_server() {
    "$(admin_bin)" --no-defaults --protocol=socket --socket="$SOCKET" -uroot \
        --connect-timeout=2 ping >/dev/null 2>&1
}

check_db_name() {
    [[ ${1:-} =~ ^[A-Za-z0-9_]{1,64}$ ]] || die "invalid database name: '${1:-}' (use [A-Za-z0-9_])"
}

# Every database the app or the tests use gets the same charset and the app user's rights.
create_database() {
    check_db_name "$1"
    root_sql <<SQL
CREATE DATABASE IF NOT EXISTS \`$1\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
GRANT ALL PRIVILEGES ON \`$1\`.* TO '$APP_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`$1\`.* TO '$APP_USER'@'localhost';
SQL
}

init_datadir() {
    [[ -d $DATADIR/mysql ]] && return 0
    mkdir -p "$DATADIR"
    # --no-defaults keeps the system's /etc/mysql settings (and its datadir) out of the way.
    "$(install_db_bin)" --no-defaults --user=root --datadir="$DATADIR" \
        --auth-root-authentication-method=socket --skip-test-db >"$MARIADB_DIR/install.log" 2>&1 ||
        die "mariadb-install-db failed, see $MARIADB_DIR/install.log"
}

start_server() {
    rm -f "$SOCKET" "$PIDFILE"
    # setsid detaches the server from this shell's process group, so it outlives the caller; it
    # must not inherit the lock's descriptor (9), or it would hold the lock for as long as it runs.
    # flush_log_at_trx_commit=2 trades crash durability for speed: this server is for dev and tests.
    setsid "$(server_bin)" --no-defaults --user=root \
        --datadir="$DATADIR" --socket="$SOCKET" --pid-file="$PIDFILE" --log-error="$LOGFILE" \
        --port="$MARIADB_PORT" --bind-address=127.0.0.1 --skip-networking=0 \
        --skip-name-resolve \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
        --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2 \
        --max-connections=200 \
        </dev/null >/dev/null 2>&1 9>&- &
    local deadline=$((SECONDS + START_TIMEOUT))
    until ping_server; do
        ((SECONDS < deadline)) || die "server did not answer within ${START_TIMEOUT}s, see $LOGFILE"
        sleep 0.2
    done
}

cmd_up() {
    install_packages
    mkdir -p "$MARIADB_DIR"
    exec 9>"$LOCKFILE"
    # Concurrent callers (parallel test runs) wait for the first one instead of racing it.
    flock -w 60 9 || die "could not lock $LOCKFILE within 60s"
    if running_pid >/dev/null && ping_server; then
        return 0
    fi
    init_datadir
    start_server
    root_sql <<SQL
CREATE USER IF NOT EXISTS '$APP_USER'@'127.0.0.1' IDENTIFIED BY '$APP_PASSWORD';
CREATE USER IF NOT EXISTS '$APP_USER'@'localhost' IDENTIFIED BY '$APP_PASSWORD';
GRANT ALL PRIVILEGES ON \`splits%\`.* TO '$APP_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`splits%\`.* TO '$APP_USER'@'localhost';
SQL
    create_database "$MARIADB_DATABASE"
    echo "mariadb.sh: up on 127.0.0.1:$MARIADB_PORT (pid $(running_pid))" >&2
}

cmd_down() {
    local pid
    pid=$(running_pid) || return 0
    kill -TERM "$pid"
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null; do
        ((SECONDS < deadline)) || die "server (pid $pid) did not stop within ${STOP_TIMEOUT}s"
        sleep 0.2
    done
    rm -f "$PIDFILE" "$SOCKET"
}

cmd_status() {
    local pid
    if pid=$(running_pid) && ping_server; then
        echo "running (pid $pid) on 127.0.0.1:$MARIADB_PORT, datadir $DATADIR"
        return 0
    fi
    echo "stopped"
    return 3
}

require_running() {
    running_pid >/dev/null || die "server is not running (run: scripts/mariadb.sh up)"
}

main() {
    local cmd=${1:-}
    case $cmd in
        up) cmd_up ;;
        down) cmd_down ;;
        status) cmd_status ;;
        url) echo "mysql+pymysql://$APP_USER:$APP_PASSWORD@127.0.0.1:$MARIADB_PORT/$MARIADB_DATABASE" ;;
        socket-url) echo "mysql+pymysql://$APP_USER:$APP_PASSWORD@/$MARIADB_DATABASE?unix_socket=$SOCKET" ;;
        createdb)
            require_running
            create_database "${2:-}"
            ;;
        dropdb)
            require_running
            check_db_name "${2:-}"
            root_sql -e "DROP DATABASE IF EXISTS \`$2\`"
            ;;
        *)
            echo "usage: $0 up|down|status|url|socket-url|createdb NAME|dropdb NAME" >&2
            exit 2
            ;;
    esac
}

main "$@"

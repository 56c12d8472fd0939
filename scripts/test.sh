#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, then the suite on SQLite, again on MariaDB, then the
# end-to-end tests through nginx and uWSGI, then the failover tests on a 3-node Galera cluster.
# `scripts/test.sh PHASE...` runs only some phases.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
BIN=.venv/bin
export BCRYPT_COST=4
export SECRET_KEY=${SECRET_KEY:-splits-test-secret-key-0123456789abcdef}
# The unit and API suites run on every core (pytest-xdist); each worker has its own database.
WORKERS=${PYTEST_WORKERS:-auto}
phases=("$@")
[ ${#phases[@]} -gt 0 ] || phases=(lint sqlite mariadb e2e galera)

# pytest exits 5 when it ran no test: with `set -e` that fails the run, as it should.
for phase in "${phases[@]}"; do
  echo "== $phase"
  case "$phase" in
    lint)
      "$BIN/ruff" check api dao domain models resources seeding tests
      "$BIN/ruff" format --check api dao domain models resources seeding tests
      "$BIN/mypy"
      "$BIN/lint-imports"  # the layers of docs/architecture.md ([tool.importlinter])
      ;;
    sqlite)
      # Debian's Chromium for the explorer's browser tests; if apt cannot install it, they skip
      # and say why (they try scripts/browser.sh once more themselves).
      scripts/browser.sh || echo "warning: scripts/browser.sh failed; the browser tests will skip" >&2
      env -u DATABASE_URL "$BIN/pytest" -q -n "$WORKERS" -m "not e2e and not galera" \
        -p no:cacheprovider
      ;;
    mariadb)
      scripts/mariadb.sh up
      scripts/mariadb.sh dropdb splits_test >/dev/null 2>&1 || true
      scripts/mariadb.sh createdb splits_test
      DATABASE_URL="$(MARIADB_DATABASE=splits_test scripts/mariadb.sh url)" \
        "$BIN/pytest" -q -n "$WORKERS" -m "not e2e and not galera" -p no:cacheprovider
      ;;
    e2e)
      "$BIN/pytest" -q -m "e2e and not galera" -p no:cacheprovider
      ;;
    galera)
      # Installs galera-4, haproxy and rsync itself (scripts/galera.sh); starts and stops its own
      # cluster and stack (var/galera-test, var/stack-galera), bounded in time. If the timeout
      # stops pytest before its teardown, the processes are stopped here (by pid) all the same.
      status=0
      timeout 600 "$BIN/pytest" -q -m galera -p no:cacheprovider tests/galera || status=$?
      STACK_DIR=var/stack-galera GALERA_DIR=var/galera-test scripts/stack.sh down --all --galera \
        >/dev/null 2>&1 || true
      [ "$status" -eq 0 ] || exit "$status"
      ;;
    *)
      echo "unknown phase: $phase (lint, sqlite, mariadb, e2e, galera)" >&2
      exit 2
      ;;
  esac
done

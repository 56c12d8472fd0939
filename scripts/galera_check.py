"""HTTP health check of Galera nodes for HAProxy: 200 only when the node is Synced and ready.

    python scripts/galera_check.py [--bind ADDRESS] [--pidfile FILE] CHECK_PORT=[HOST:]PORT ...

Serves one port per node (on 127.0.0.1 unless --bind says otherwise); each GET asks that node
(as the app's user, over TCP) for `wsrep_local_state` and `wsrep_ready`. 4 (Synced) and ON:
200; anything else (joining, donor, out of the primary component, not answering within 1 s):
503. HAProxy's own
`mysql-check` only tests the handshake and would pass a node that must not take writes.
"""

from __future__ import annotations

import argparse
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pymysql

USER = os.environ.get("GALERA_CHECK_USER", "splits")
PASSWORD = os.environ.get("GALERA_CHECK_PASSWORD", "splits")


def node_state(host: str, port: int) -> tuple[bool, str]:
    """Return (synced, description) of the node answering on `host`:`port`."""
    try:
        connection = pymysql.connect(
            host=host, port=port, user=USER, password=PASSWORD,
            connect_timeout=1, read_timeout=1, write_timeout=1,
        )  # fmt: skip
    except pymysql.MySQLError as ex:
        return False, f"unreachable: {ex.args[0] if ex.args else ex}"
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SHOW STATUS WHERE Variable_name IN ('wsrep_local_state', 'wsrep_ready')"
            )
            status = dict(cursor.fetchall())
    except pymysql.MySQLError as ex:
        return False, f"error: {ex.args[0] if ex.args else ex}"
    finally:
        connection.close()
    synced = status.get("wsrep_local_state") == "4" and status.get("wsrep_ready") == "ON"
    return synced, " ".join(f"{key}={value}" for key, value in sorted(status.items()))


def handler_for(host: str, node_port: int) -> type[BaseHTTPRequestHandler]:
    """Return a request handler that reports on the node at `host`:`node_port`."""

    class Check(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            synced, detail = node_state(host, node_port)
            body = f"{'synced' if synced else 'not synced'}: {detail}\n".encode()
            self.send_response(200 if synced else 503)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # HAProxy asks twice a second per node

    return Check


def main() -> None:
    """Serve every CHECK_PORT=NODE_PORT pair until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bind", default="127.0.0.1", help="address to serve on")
    parser.add_argument("--pidfile")
    parser.add_argument("pairs", nargs="+", metavar="CHECK_PORT=[HOST:]PORT")
    args = parser.parse_args()
    servers = []
    for pair in args.pairs:
        check_port, _, node = pair.partition("=")
        host, _, port = node.rpartition(":")
        handler = handler_for(host or "127.0.0.1", int(port))
        servers.append(ThreadingHTTPServer((args.bind, int(check_port)), handler))
    if args.pidfile:
        with open(args.pidfile, "w") as file:
            file.write(f"{os.getpid()}\n")
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()

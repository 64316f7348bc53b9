# SPDX-License-Identifier: MIT
"""A real InfluxDB 1.6 (Debian `influxdb`) for integration tests: one
influxd in a temp dir with its own config (never /etc), loopback only, free
ports, stopped by its PID. See ../shared/reference/REAL-COMPONENTS.md.
"""
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from procs import free_port, stop_process


def ident(s):
    """An InfluxQL identifier, quoted."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal(s):
    """An InfluxQL string literal."""
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def series_rows(result):
    """Flattens one statement result into (tags, {column: value}) rows;
    empty tag values (absent tags under GROUP BY *) are dropped."""
    rows = []
    for s in result.get("series", []) or []:
        tags = {k: v for k, v in (s.get("tags") or {}).items() if v != ""}
        cols = s["columns"]
        for vals in s.get("values", []):
            rows.append((tags, dict(zip(cols, vals))))
    return rows


def statement_error(doc):
    if "error" in doc:
        return doc["error"]
    for r in doc.get("results", []):
        if "error" in r:
            return r["error"]
    return None


class Influxd:
    """One influxd process in tmp (data, meta, wal, config, log)."""

    def __init__(self, tmp):
        self.tmp = os.path.join(tmp, "influxd")
        os.makedirs(self.tmp, exist_ok=True)
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.tmp, "influxd.log")

    def _write_config(self, http_port, rpc_port):
        path = os.path.join(self.tmp, "influxdb.conf")
        d = self.tmp
        with open(path, "w") as f:
            f.write('reporting-enabled = false\n'
                    'bind-address = "127.0.0.1:%d"\n'
                    '\n[meta]\n  dir = "%s/meta"\n'
                    '\n[data]\n  dir = "%s/data"\n  wal-dir = "%s/wal"\n'
                    '  index-version = "inmem"\n'
                    '\n[monitor]\n  store-enabled = false\n'
                    '\n[http]\n  bind-address = "127.0.0.1:%d"\n'
                    '  log-enabled = false\n'
                    '\n[logging]\n  suppress-logo = true\n'
                    % (rpc_port, d, d, d, http_port))
        return path

    def start(self, timeout=30):
        """Starts influxd; True once /ping answers 204. Retries on a port
        race (another process took the free port first)."""
        for _ in range(3):
            http_port = free_port()
            rpc_port = free_port()
            while rpc_port == http_port:
                rpc_port = free_port()
            conf = self._write_config(http_port, rpc_port)
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    ["influxd", "run", "-config", conf], stdout=log,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            self.port = http_port
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if self.request("GET", "/ping", timeout=2)[0] == 204:
                        return True
                except OSError:
                    pass
                time.sleep(0.1)
            self.stop()
        return False

    def stop(self):
        p, self.proc = self.proc, None
        stop_process(p, timeout=10, sig=signal.SIGTERM)

    def log_tail(self, n=20):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return ""

    def request(self, method, path, params=None, body=None, timeout=60):
        url = "http://127.0.0.1:%d%s" % (self.port, path)
        if params:
            url += "?" + urllib.parse.urlencode(params)
        req = urllib.request.Request(url, data=body, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def create_db(self, db):
        st, body = self.request("POST", "/query", body=urllib.parse.urlencode(
            {"q": "CREATE DATABASE %s" % ident(db)}).encode())
        return st == 200 and b'"error"' not in body

    def write(self, db, body):
        """POST /write?db=..&precision=ns; (status, response body)."""
        return self.request("POST", "/write", {"db": db, "precision": "ns"},
                            body)

    def query(self, db, q):
        """GET /query with epoch=ns; (status, parsed JSON)."""
        st, body = self.request("GET", "/query",
                                {"db": db, "epoch": "ns", "q": q})
        try:
            return st, json.loads(body.decode("utf-8"))
        except ValueError:
            return st, {"error": body.decode("utf-8", "replace")}

    def rows(self, db, q):
        """(rows, error) of a one-statement query."""
        st, doc = self.query(db, q)
        err = statement_error(doc) if st == 200 else "HTTP %d: %s" % (
            st, doc)
        if err is not None:
            return [], err
        return series_rows(doc["results"][0]), None

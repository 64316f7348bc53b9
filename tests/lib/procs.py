# SPDX-License-Identifier: MIT
"""Process helpers for integration tests: free loopback ports, waiting,
stopping a child by its PID, and the mock Atlas API (tests/mock_atlas).

Every process is started by the test itself, on 127.0.0.1, in a temp dir,
and stopped by the PID it was given (never by name).
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
MOCK_ATLAS = os.path.join(REPO, "tests", "mock_atlas", "mock_atlas.py")


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def wait_for(pred, timeout, step=0.02):
    """Calls pred() until it returns a true value or timeout seconds pass;
    returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def stop_process(proc, timeout=5.0, sig=signal.SIGTERM):
    """Stops one child we started, by its PID: sig, then SIGKILL after
    timeout seconds. Returns the exit status (None if it could not be
    reaped). Safe to call on a process that already exited."""
    if proc is None:
        return None
    if proc.poll() is None:
        try:
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                return None
    return proc.returncode


def http(method, url, body=None, timeout=30, headers=None):
    """(status, body bytes); HTTP errors are returned, not raised."""
    req = urllib.request.Request(url, data=body, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class MockAtlas:
    """tests/mock_atlas/mock_atlas.py on a free port, for one test."""

    def __init__(self, tmp, fixtures, name="mock"):
        self.tmp = tmp
        self.fixtures = fixtures
        self.port_file = os.path.join(tmp, name + ".port")
        self.log_path = os.path.join(tmp, name + ".log")
        self.proc = None
        self.port = None

    def start(self, timeout=15):
        self.proc = subprocess.Popen(
            [sys.executable, MOCK_ATLAS, "--port", "0", "--fixtures",
             self.fixtures, "--port-file", self.port_file, "--log",
             self.log_path],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(self.log_path + ".stderr", "wb"))

        def ready():
            if self.proc.poll() is not None:
                return True
            try:
                with open(self.port_file) as fh:
                    txt = fh.read()
                return txt.endswith("\n") and txt
            except OSError:
                return False

        txt = wait_for(ready, timeout)
        if self.proc.poll() is not None or not isinstance(txt, str):
            return False
        self.port = int(txt.strip())
        return True

    @property
    def base_url(self):
        return "http://127.0.0.1:%d/api/v2" % self.port

    def control(self, **cmd):
        """POST /_control; returns the new state (raises on an error, since
        that is a bug in the test)."""
        st, body = http("POST", "http://127.0.0.1:%d/_control" % self.port,
                        json.dumps(cmd).encode(),
                        headers={"Content-Type": "application/json"})
        if st != 200:
            raise RuntimeError("mock /_control %r: HTTP %d %s"
                               % (cmd, st, body[:500]))
        return json.loads(body)

    def state(self):
        st, body = http("GET", "http://127.0.0.1:%d/_control" % self.port)
        if st != 200:
            raise RuntimeError("mock GET /_control: HTTP %d" % st)
        return json.loads(body)

    def stats(self):
        return self.state()["stats"]

    def log_lines(self):
        try:
            with open(self.log_path, encoding="utf-8",
                      errors="replace") as fh:
                return fh.read().splitlines()
        except OSError:
            return []

    def stop(self):
        return stop_process(self.proc, timeout=5)

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A mock of the RIPE Atlas REST API v2, for atlasperf's tests.

Serves measurement results, measurement details and probe lists from a
fixtures directory, and can inject faults (429, 5xx, HTML error pages,
delays, truncated, garbage, huge and stalled bodies), require an API key and
move its clock, all programmed over POST /_control. Standard library only.
See README.md next to this file for the fixture layout and the control API.

Usage: mock_atlas.py --port 0 --fixtures DIR [--port-file FILE] [--log FILE]
"""
import argparse
import collections
import http
import json
import os
import re
import select
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The one error body quoted from a real Atlas response (INTEGRATIONS.md §6);
# tests compare it byte for byte, so it is a constant and not re-serialised.
UNAUTHORIZED_BODY = (b'{"error":{"detail":"The provided API key does not '
                     b'exist","status":401,"title":"Unauthorized","code":104}}')

# page_size of list endpoints: Atlas defaults to 50 and clamps to 500.
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 500

CHUNK = 4096            # bytes per write, so faults cut the body mid-stream
RECENT_MAX = 200        # requests kept in stats["recent"]
STALL_MAX_S = 600       # a stalled response gives up after this long anyway
HANDLER_TIMEOUT_S = 30  # socket timeout: idle keep-alive or non-reading peers

FAULT_KINDS = ("results", "measurement", "probes", "any")
# Keys a fault may carry, and the mutually exclusive "what to send" actions.
FAULT_KEYS = {"match", "msm", "status", "retry_after", "body", "html",
              "delay", "truncate", "garbage", "huge", "stall_after"}
FAULT_ACTIONS = ("status", "truncate", "garbage", "huge", "stall_after")
CONTROL_KEYS = {"reset", "now", "required_key", "chunked", "faults"}

ROUTES = [
    # (regex on the path, endpoint kind, route name)
    (re.compile(r"^/api/v2/measurements/(\d+)/results/?$"), "results",
     "results"),
    (re.compile(r"^/api/v2/measurements/(\d+)/?$"), "measurement",
     "measurement"),
    (re.compile(r"^/api/v2/probes/?$"), "probes", "probe_list"),
    (re.compile(r"^/api/v2/probes/(\d+)/?$"), "probes", "probe_detail"),
]


class FixtureError(Exception):
    """A fixture file the mock cannot read: a test bug, answered with 500."""


class ApiError(Exception):
    """An error answered in the Atlas JSON error shape."""

    def __init__(self, status, detail, code=104):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code


def atlas_error_body(status, detail, code=104):
    """The Atlas error shape. Only the 401 body is verified against a real
    response; the same shape for other statuses is a plausible guess."""
    try:
        title = http.HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    return json.dumps({"error": {"detail": detail, "status": status,
                                 "title": title, "code": code}},
                      separators=(",", ":")).encode()


def html_error_body(status):
    """What a load balancer in front of an API tends to send."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return ("<!DOCTYPE html>\n<html><head><title>%d %s</title></head>\n"
            "<body><h1>%s</h1><p>The server is temporarily unable to "
            "service your request.</p></body></html>\n"
            % (status, phrase, phrase)).encode()


def as_number(value):
    """A timestamp or id as a number; Atlas results sometimes carry strings
    (old firmware). None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return None
    return None


def parse_int_list(text, name):
    """'1,2,3' -> [1, 2, 3]; anything else is a 400."""
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"\d+", part):
            raise ApiError(400, "%s: %r is not a list of integers"
                           % (name, text))
        out.append(int(part))
    return out


def redact_query(query):
    """The query string with the value of any key= replaced, so a key sent
    in a URL never reaches the log or the stats."""
    if not query:
        return query
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    return urllib.parse.urlencode(
        [(k, "REDACTED" if k == "key" else v) for k, v in pairs], safe=",")


def validate_fault(f):
    """Raises ValueError when a fault is malformed, so that a typo in a test
    fails loudly at POST /_control instead of silently never matching."""
    if not isinstance(f, dict):
        raise ValueError("a fault must be an object")
    unknown = set(f) - FAULT_KEYS
    if unknown:
        raise ValueError("unknown fault keys: %s" % sorted(unknown))
    if f.get("match", "any") not in FAULT_KINDS:
        raise ValueError("match must be one of %s" % (FAULT_KINDS,))
    if "msm" in f and (not isinstance(f["msm"], int)
                       or isinstance(f["msm"], bool)):
        raise ValueError("msm must be an integer")
    actions = [a for a in FAULT_ACTIONS if a in f]
    if len(actions) > 1:
        raise ValueError("at most one of %s per fault" % (FAULT_ACTIONS,))
    if not actions and "delay" not in f:
        raise ValueError("a fault needs one of %s or delay"
                         % (FAULT_ACTIONS,))
    if "status" in f and not (isinstance(f["status"], int)
                              and 200 <= f["status"] <= 599):
        raise ValueError("status must be an integer in 200..599")
    for k in ("retry_after", "body", "html"):
        if k in f and "status" not in f:
            raise ValueError("%s only goes with status" % k)
    if "body" in f and not isinstance(f["body"], str):
        raise ValueError("body must be a string")
    if "delay" in f and not (isinstance(f["delay"], (int, float))
                             and 0 <= f["delay"] <= STALL_MAX_S):
        raise ValueError("delay must be a number of seconds")
    if "truncate" in f and not (isinstance(f["truncate"], (int, float))
                                and 0 <= f["truncate"] < 1):
        raise ValueError("truncate must be a fraction in [0, 1)")
    for k in ("huge", "stall_after"):
        if k in f and not (isinstance(f[k], int) and f[k] >= 0):
            raise ValueError("%s must be a byte count" % k)
    if "garbage" in f and f["garbage"] is not True:
        raise ValueError("garbage must be true")


class MockAtlasServer(ThreadingHTTPServer):
    """The server object holds all mutable state (clock, faults, key, stats,
    log), guarded by one lock: handler threads share it, and keeping it here
    rather than in module globals lets a test run several servers."""

    # Handler threads must not keep the process alive at shutdown: a stalled
    # or delayed response may be waiting on a client that never hangs up.
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, fixtures, log_file):
        super().__init__(addr, Handler)
        self.fixtures = fixtures
        self.log_file = log_file
        self.lock = threading.Lock()
        self.stopping = threading.Event()  # wakes delayed/stalled handlers
        self.now = None          # None = real time
        self.required_key = None
        self.chunked = False
        self.faults = collections.deque()
        self.stats = None
        self.reset_stats()

    def reset_stats(self):
        self.stats = {
            "requests": 0,
            "by_kind": {},
            "by_status": {},
            "auth": {"right": 0, "wrong": 0, "none": 0, "unchecked": 0},
            "key_in_url": 0,
            "faults_applied": 0,
            "client_gone": 0,
            "recent": collections.deque(maxlen=RECENT_MAX),
        }

    def clock(self):
        with self.lock:
            return time.time() if self.now is None else self.now

    def take_fault(self, kind, msm):
        """Removes and returns the oldest queued fault that matches this
        request, or None. FIFO among matching faults."""
        with self.lock:
            for i, f in enumerate(self.faults):
                if f.get("match", "any") not in ("any", kind):
                    continue
                if "msm" in f and f["msm"] != msm:
                    continue
                del self.faults[i]
                return f
        return None

    def record(self, rec):
        with self.lock:
            s = self.stats
            s["requests"] += 1
            s["by_kind"][rec["kind"]] = s["by_kind"].get(rec["kind"], 0) + 1
            st = str(rec["status"])
            s["by_status"][st] = s["by_status"].get(st, 0) + 1
            s["auth"][rec["auth"]] += 1
            if rec["key_in_url"]:
                s["key_in_url"] += 1
            if rec["fault"]:
                s["faults_applied"] += 1
            if rec["client_gone"]:
                s["client_gone"] += 1
            s["recent"].append(rec)

    def state(self):
        with self.lock:
            stats = dict(self.stats)
            stats["recent"] = list(self.stats["recent"])
            return {
                "now": self.now,
                "effective_now": time.time() if self.now is None
                else self.now,
                "required_key": self.required_key,
                "chunked": self.chunked,
                "faults": list(self.faults),
                "stats": json.loads(json.dumps(stats)),  # a deep copy
            }

    def control(self, cmd):
        """Applies a POST /_control body. Everything is validated before
        anything changes, so a bad request leaves the state as it was."""
        if not isinstance(cmd, dict):
            raise ValueError("the control body must be a JSON object")
        unknown = set(cmd) - CONTROL_KEYS
        if unknown:
            raise ValueError("unknown control keys: %s" % sorted(unknown))
        if "now" in cmd and cmd["now"] is not None and (
                not isinstance(cmd["now"], (int, float))
                or isinstance(cmd["now"], bool)):
            raise ValueError("now must be a number or null")
        if "required_key" in cmd and cmd["required_key"] is not None \
                and not (isinstance(cmd["required_key"], str)
                         and cmd["required_key"]):
            raise ValueError("required_key must be a non-empty string or "
                             "null")
        if "chunked" in cmd and not isinstance(cmd["chunked"], bool):
            raise ValueError("chunked must be true or false")
        if "reset" in cmd and not isinstance(cmd["reset"], bool):
            raise ValueError("reset must be true or false")
        faults = cmd.get("faults", [])
        if not isinstance(faults, list):
            raise ValueError("faults must be a list")
        for f in faults:
            validate_fault(f)
        with self.lock:
            if cmd.get("reset"):
                self.faults.clear()
                self.reset_stats()
            if "now" in cmd:
                self.now = cmd["now"]
            if "required_key" in cmd:
                self.required_key = cmd["required_key"]
            if "chunked" in cmd:
                self.chunked = cmd["chunked"]
            self.faults.extend(faults)

    def log(self, line):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with self.lock:
            self.log_file.write("%s %s\n" % (stamp, line))
            self.log_file.flush()

    def handle_error(self, request, client_address):
        # A handler bug must show in the log, not kill the server.
        import traceback
        self.log("handler error from %s: %s" % (
            client_address[0], traceback.format_exc().replace("\n", " | ")))

    # ---- fixtures: re-read on every request, since tests rewrite them ----

    def _path(self, *parts):
        return os.path.join(self.fixtures, *parts)

    def read_results(self, msm):
        """[(object, raw line)] of results/<msm>.jsonl, or None if absent."""
        path = self._path("results", "%d.jsonl" % msm)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            return None
        out = []
        for n, raw in enumerate(data.split(b"\n"), 1):
            raw = raw.strip()
            if not raw:
                continue
            try:
                obj = json.loads(raw)
            except ValueError as e:
                raise FixtureError("%s:%d: %s" % (path, n, e))
            if not isinstance(obj, dict) \
                    or as_number(obj.get("timestamp")) is None:
                raise FixtureError("%s:%d: not a result with a timestamp"
                                   % (path, n))
            out.append((obj, raw))
        return out

    def read_measurement(self, msm):
        """Raw bytes of measurements/<msm>.json (served verbatim), or None."""
        try:
            with open(self._path("measurements", "%d.json" % msm),
                      "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            return None

    def read_probes(self):
        path = self._path("probes.json")
        try:
            with open(path, "rb") as fh:
                probes = json.loads(fh.read())
        except FileNotFoundError:
            return []
        except ValueError as e:
            raise FixtureError("%s: %s" % (path, e))
        if not isinstance(probes, list) or not all(
                isinstance(p, dict) and isinstance(p.get("id"), int)
                for p in probes):
            raise FixtureError("%s: not a list of probes with integer ids"
                               % path)
        return probes


class ClientGone(Exception):
    """The client closed the connection while we were answering."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive and chunked, as real servers
    server_version = "mock-atlas/1"
    timeout = HANDLER_TIMEOUT_S

    # BaseHTTPRequestHandler logs through these; we log once per request
    # ourselves, after the body, with the byte count and auth presence.
    def log_request(self, code="-", size="-"):
        pass

    def log_message(self, fmt, *args):
        self.server.log("%s %s" % (self.client_address[0], fmt % args))

    # ---- entry points ----

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _dispatch(self, method):
        self.body_sent = 0
        self.client_gone = False
        self.fault_name = None
        self.sent_status = None
        url = urllib.parse.urlsplit(self.path)
        self.url_path, self.url_query = url.path, url.query
        try:
            if self.url_path == "/_control":
                self._control(method)
                kind = "control"
            else:
                kind = self._api(method)
        except ClientGone:
            self.client_gone = True
            self.close_connection = True
            kind = getattr(self, "kind", "other")
        self._log_line()
        if kind != "control":
            self.server.record({
                "method": method,
                "path": self.url_path,
                "query": redact_query(self.url_query),
                "status": self.sent_status,
                "kind": kind,
                "auth": self.auth_kind,
                "key_in_url": self.key_in_url,
                "fault": self.fault_name,
                "bytes": self.body_sent,
                "client_gone": self.client_gone,
            })

    def _log_line(self):
        q = redact_query(self.url_query)
        self.server.log('%s "%s %s%s" %s %d auth=%s fault=%s%s' % (
            self.client_address[0], self.command, self.url_path,
            "?" + q if q else "", self.sent_status, self.body_sent,
            "yes" if "Authorization" in self.headers else "no",
            self.fault_name or "-",
            " client-gone" if self.client_gone else ""))

    # ---- control ----

    def _control(self, method):
        self.auth_kind, self.key_in_url = "none", False
        if method == "POST":
            try:
                length = int(self.headers.get("Content-Length", "0"))
                cmd = json.loads(self.rfile.read(length) or b"{}")
                self.server.control(cmd)
            except ValueError as e:
                self._send_simple(400, "application/json", json.dumps(
                    {"error": str(e)}).encode())
                return
        self._send_simple(200, "application/json",
                          json.dumps(self.server.state(), indent=1).encode())

    # ---- API ----

    def _auth(self):
        """Classifies the Authorization header: right/wrong/none, or
        unchecked when a key is sent but the mock requires none."""
        header = self.headers.get("Authorization")
        if header is None:
            return "none"
        scheme, _, key = header.strip().partition(" ")
        # One attribute read, atomic in CPython: no lock needed.
        required = self.server.required_key
        if required is None:
            return "unchecked"
        if scheme.lower() == "key" and key.strip() == required:
            return "right"
        return "wrong"

    def _api(self, method):
        params = urllib.parse.parse_qs(self.url_query, keep_blank_values=True)
        self.params = {k: v[-1] for k, v in params.items()}
        kind, route, msm = "other", None, None
        for rx, k, name in ROUTES:
            m = rx.match(self.url_path)
            if m:
                kind, route = k, name
                if k in ("results", "measurement"):
                    msm = int(m.group(1))
                self.route_id = int(m.group(1)) if m.groups() else None
                break
        self.kind = kind
        self.auth_kind = self._auth()
        self.key_in_url = "key" in params
        if self.key_in_url:
            # The v2 API documents only the header; a key in a URL ends up
            # in proxy and server logs, so the client must never send one.
            self._send_simple(401, "application/json", UNAUTHORIZED_BODY)
            return kind
        if self.server.required_key is not None and self.auth_kind != "right":
            self._send_simple(401, "application/json", UNAUTHORIZED_BODY)
            return kind
        if method != "GET":
            self.close_connection = True    # its body is left unread
            self._send_simple(405, "application/json", atlas_error_body(
                405, 'Method "%s" not allowed.' % method))
            return kind

        fault = self.server.take_fault(kind, msm)
        if fault:
            self.fault_name = next(
                (a for a in FAULT_ACTIONS if a in fault), "delay")
            if "delay" in fault:
                # Interruptible, so SIGTERM is not held up by a delay.
                self.server.stopping.wait(fault["delay"])
            if "status" in fault:
                self._send_fault_status(fault)
                return kind
            if "garbage" in fault:
                self._send_simple(200, "application/json",
                                  b"<<this is not JSON>> {\"result\": [1,2,"
                                  b"\x00\xff garbage")
                return kind
            if "huge" in fault:
                self._send_huge(msm, fault["huge"])
                return kind

        try:
            status, ctype, body = self._route(route)
        except ApiError as e:
            status, ctype = e.status, "application/json"
            body = atlas_error_body(e.status, e.detail, e.code)
        except FixtureError as e:
            self.server.log("fixture error: %s" % e)
            status, ctype = 500, "application/json"
            body = atlas_error_body(500, "mock fixture error: %s" % e)
        if fault and "truncate" in fault:
            self._send_body(status, ctype, body,
                            limit=int(len(body) * fault["truncate"]))
        elif fault and "stall_after" in fault:
            self._send_body(status, ctype, body, stall=max(
                0, min(fault["stall_after"], len(body) - 1)))
        else:
            self._send_body(status, ctype, body)
        return kind

    def _route(self, route):
        if route == "results":
            return self._results(self.route_id)
        if route == "measurement":
            body = self.server.read_measurement(self.route_id)
            if body is None:
                raise ApiError(404, "Not found.")
            return 200, "application/json", body
        if route == "probe_list":
            return self._probe_list()
        if route == "probe_detail":
            for p in self.server.read_probes():
                if p["id"] == self.route_id:
                    return 200, "application/json", json.dumps(p).encode()
            raise ApiError(404, "Not found.")
        raise ApiError(404, "Not found.")

    def _int_param(self, name):
        v = self.params.get(name)
        if v is None or v == "":
            return None
        v = as_number(v)
        if v is None:
            raise ApiError(400, "%s: not a number" % name)
        return v

    def _results(self, msm):
        start, stop = self._int_param("start"), self._int_param("stop")
        fmt = self.params.get("format", "json")
        if fmt not in ("json", "txt"):
            raise ApiError(400, "format must be json or txt")
        probe_ids = None
        if self.params.get("probe_ids"):
            probe_ids = set(parse_int_list(self.params["probe_ids"],
                                           "probe_ids"))
        results = self.server.read_results(msm)
        if results is None:
            if self.server.read_measurement(msm) is None:
                raise ApiError(404, "Not found.")
            results = []
        now = self.server.clock()
        picked = []
        for obj, raw in results:
            ts = as_number(obj["timestamp"])
            stored = as_number(obj.get("stored_timestamp"))
            if (stored if stored is not None else ts) > now:
                continue        # not stored yet at the mock's "now"
            if start is not None and ts < start:
                continue        # start is inclusive, as in the real API
            if stop is not None and ts > stop:
                continue
            if probe_ids is not None and \
                    as_number(obj.get("prb_id")) not in probe_ids:
                continue
            picked.append((obj, raw))
        if fmt == "txt":
            # Lines verbatim from the fixture: one object per line.
            body = b"".join(raw + b"\n" for _, raw in picked)
            return 200, "text/plain; charset=utf-8", body
        # Pretty-printed across lines, a shape a streaming client must cope
        # with (objects split over many reads).
        body = json.dumps([obj for obj, _ in picked], indent=1).encode()
        return 200, "application/json", body

    def _probe_list(self):
        probes = self.server.read_probes()
        if "id__in" in self.params:
            ids = set(parse_int_list(self.params["id__in"], "id__in"))
            probes = [p for p in probes if p["id"] in ids]
        probes.sort(key=lambda p: p["id"])
        size = self._int_param_default("page_size", PAGE_SIZE_DEFAULT)
        size = max(1, min(int(size), PAGE_SIZE_MAX))
        page = self._int_param_default("page", 1)
        pages = max(1, (len(probes) + size - 1) // size)
        if page < 1 or page > pages:
            raise ApiError(404, "Invalid page.")
        body = {
            "count": len(probes),
            "next": self._page_url(page + 1) if page < pages else None,
            "previous": self._page_url(page - 1) if page > 1 else None,
            "results": probes[(page - 1) * size:page * size],
        }
        return 200, "application/json", json.dumps(body).encode()

    def _int_param_default(self, name, default):
        # Like Django REST framework: a page_size that is not a number is
        # ignored; a page that is not a number is an invalid page.
        v = self.params.get(name)
        if v is None:
            return default
        if re.fullmatch(r"-?\d+", v):
            return int(v)
        if name == "page":
            raise ApiError(404, "Invalid page.")
        return default

    def _page_url(self, page):
        """An absolute URL back to this server (by its Host header), with the
        same query and another page."""
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address
        pairs = [(k, v) for k, v in urllib.parse.parse_qsl(
            self.url_query, keep_blank_values=True) if k != "page"]
        pairs.append(("page", str(page)))
        return "http://%s%s?%s" % (host, self.url_path,
                                   urllib.parse.urlencode(pairs, safe=","))

    # ---- sending ----

    def _write(self, data):
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, socket.timeout,
                ConnectionAbortedError) as e:
            raise ClientGone() from e

    def _start(self, status, ctype, headers=()):
        self.sent_status = status
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()

    def _send_simple(self, status, ctype, body, headers=()):
        """A whole body with Content-Length, in one write (control and
        auth answers, fault statuses)."""
        self._start(status, ctype, [("Content-Length", str(len(body)))]
                    + list(headers))
        self._write(body)
        self.body_sent = len(body)

    def _send_fault_status(self, fault):
        status = fault["status"]
        headers = []
        if "retry_after" in fault:
            headers.append(("Retry-After", str(fault["retry_after"])))
        if fault.get("html"):
            ctype = "text/html; charset=utf-8"
            body = fault["body"].encode() if "body" in fault \
                else html_error_body(status)
        else:
            ctype = "application/json"
            body = fault["body"].encode() if "body" in fault \
                else atlas_error_body(status, "Injected fault.")
        self._send_simple(status, ctype, body, headers)

    def _send_body(self, status, ctype, body, limit=None, stall=None):
        """Sends body in CHUNK-sized writes, framed by Content-Length or by
        chunked encoding (the control flag). With limit, the headers still
        promise the whole body but only limit bytes are sent before the
        connection closes (with chunked: no final zero-length chunk). With
        stall, only that many bytes are sent and then nothing, until the
        client hangs up."""
        chunked = self.server.chunked
        if chunked:
            self._start(status, ctype, [("Transfer-Encoding", "chunked")])
        else:
            self._start(status, ctype, [("Content-Length", str(len(body)))])
        end = len(body)
        if limit is not None:
            end = limit
        if stall is not None:
            end = stall
        for off in range(0, end, CHUNK):
            piece = body[off:min(off + CHUNK, end)]
            self._write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked
                        else piece)
            self.body_sent += len(piece)
        if stall is not None:
            self._stall()
        elif limit is not None:
            self.close_connection = True
        elif chunked:
            self._write(b"0\r\n\r\n")

    def _send_huge(self, msm, total):
        """A 200 whose body is `total` bytes of a JSON array of plausible
        results that never ends: no Content-Length (chunked, or ended by
        closing the connection), for testing the client's size cap."""
        chunked = self.server.chunked
        headers = [("Transfer-Encoding", "chunked")] if chunked \
            else [("Connection", "close")]
        self._start(200, "application/json", headers)
        self.close_connection = True
        msm = msm or 1001
        n, pending = 0, b"["
        while self.body_sent < total:
            while len(pending) < CHUNK:
                pending += (b"" if n == 0 else b",") + json.dumps({
                    "fw": 5020, "lts": 12, "af": 4, "dst_name": "huge.test",
                    "dst_addr": "192.0.2.1", "src_addr": "192.0.2.10",
                    "proto": "ICMP", "size": 48, "result": [{"rtt": 1.5}],
                    "sent": 1, "rcvd": 1, "dup": 0, "min": 1.5, "avg": 1.5,
                    "max": 1.5, "msm_id": msm, "prb_id": 1 + n % 1000,
                    "timestamp": 1700000000 + n, "type": "ping",
                    "stored_timestamp": 1700000030 + n}).encode()
                n += 1
            piece = pending[:min(CHUNK, total - self.body_sent)]
            pending = pending[len(piece):]
            self._write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked
                        else piece)
            self.body_sent += len(piece)

    def _stall(self):
        """Sends nothing more and waits until the client closes (or the
        server stops), without closing our side first."""
        self.close_connection = True
        sock = self.connection
        deadline = time.monotonic() + STALL_MAX_S
        while not self.server.stopping.is_set() \
                and time.monotonic() < deadline:
            try:
                ready, _, _ = select.select([sock], [], [], 0.2)
                if ready and not sock.recv(4096):
                    self.client_gone = True
                    return
            except OSError:
                self.client_gone = True
                return


def write_port_file(path, port):
    """Atomically: a test polling for the file never sees it half written."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as fh:
        fh.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0,
                    help="TCP port on 127.0.0.1 (0: pick a free one)")
    ap.add_argument("--fixtures", required=True,
                    help="directory with results/, measurements/, "
                    "probes.json")
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--log", help="request log (default: stderr)")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.fixtures):
        ap.error("--fixtures %s: not a directory" % args.fixtures)

    log_file = open(args.log, "a", encoding="utf-8") if args.log \
        else sys.stderr
    server = MockAtlasServer(("127.0.0.1", args.port),
                             os.path.abspath(args.fixtures), log_file)
    port = server.server_address[1]

    # serve_forever runs in a thread because server.shutdown() blocks until
    # serve_forever returns, so it cannot be called from a signal handler
    # running on the serving thread. The main thread just waits for a signal.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    if args.port_file:
        write_port_file(args.port_file, port)
    server.log("listening on 127.0.0.1:%d, fixtures %s"
               % (port, server.fixtures))
    while not stop.wait(0.5):
        pass
    server.log("stopping")
    server.stopping.set()
    server.shutdown()
    thread.join()
    server.server_close()
    if args.port_file:
        try:
            os.unlink(args.port_file)
        except OSError:
            pass
    server.log("stopped")
    if log_file is not sys.stderr:
        log_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

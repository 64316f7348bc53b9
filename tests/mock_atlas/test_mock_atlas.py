#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Self-test of mock_atlas.py: starts it on a free port with its own small
fixtures in a temp dir and exercises every feature through real HTTP
requests. Prints one line per check and ends with "N passed, N failed";
exits 1 on any failure.

Usage: test_mock_atlas.py
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
MOCK = os.path.join(HERE, "mock_atlas.py")
T0 = 1700000000
KEY = "7d3c1a52-0d6e-4a6b-9b8e-5f1e2c3d4a5b"
UNAUTH = (b'{"error":{"detail":"The provided API key does not exist",'
          b'"status":401,"title":"Unauthorized","code":104}}')

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok - %s" % name)
    else:
        failed += 1
        print("FAIL - %s%s" % (name, ": %s" % detail if detail else ""))
    return cond


def ping(msm, prb, ts, stored=True, rtt=10.5):
    r = {"fw": 5020, "mver": "2.6.2", "lts": 12, "dst_name": "k.root",
         "af": 4, "dst_addr": "193.0.14.129", "src_addr": "192.0.2.10",
         "proto": "ICMP", "ttl": 57, "size": 48,
         "result": [{"rtt": rtt}, {"x": "*"}, {"rtt": rtt + 1}],
         "rcvd": 2, "sent": 3, "dup": 0, "min": rtt, "max": rtt + 1,
         "avg": rtt + 0.5, "msm_id": msm, "prb_id": prb, "timestamp": ts,
         "msm_name": "Ping", "from": "198.51.100.7", "type": "ping",
         "group_id": msm, "step": 240}
    if stored:
        r["stored_timestamp"] = ts + 40
    return r


RESULTS_1001 = [ping(1001, 1, T0), ping(1001, 2, T0 + 3),
                ping(1001, 1, T0 + 240), ping(1001, 3, T0 + 480),
                ping(1001, 2, T0 + 600, stored=False)]


def write_fixtures(d):
    os.makedirs(os.path.join(d, "results"))
    os.makedirs(os.path.join(d, "measurements"))
    write_results(d, 1001, RESULTS_1001)
    write_results(d, 2001, [ping(2001, 5, T0 + 11)])
    for msm in (1001, 2001, 3001):       # 3001: a measurement, no results
        with open(os.path.join(d, "measurements", "%d.json" % msm),
                  "w") as fh:
            json.dump({"id": msm, "type": "ping", "af": 4,
                       "target": "k.root-servers.net", "interval": 240,
                       "is_oneoff": False, "is_public": True,
                       "status": {"id": 2, "name": "Ongoing"},
                       "description": "fixture %d" % msm}, fh)
    probes = [{"id": i, "asn_v4": 64500 + i, "country_code": "NL",
               "geometry": {"type": "Point",
                            "coordinates": [4.9 + i / 100, 52.3]},
               "status": {"id": 1, "name": "Connected"}}
              for i in range(60, 0, -1)]     # out of order on purpose
    with open(os.path.join(d, "probes.json"), "w") as fh:
        json.dump(probes, fh)


def write_results(d, msm, results):
    with open(os.path.join(d, "results", "%d.jsonl" % msm), "w") as fh:
        for r in results:
            fh.write(json.dumps(r, separators=(",", ":")) + "\n")


class Mock:
    def __init__(self, tmp):
        self.tmp = tmp
        self.fixtures = os.path.join(tmp, "fixtures")
        self.port_file = os.path.join(tmp, "port")
        self.log = os.path.join(tmp, "mock.log")
        write_fixtures(self.fixtures)
        self.proc = subprocess.Popen(
            [sys.executable, MOCK, "--port", "0", "--fixtures",
             self.fixtures, "--port-file", self.port_file, "--log",
             self.log])
        deadline = time.time() + 10
        while not os.path.exists(self.port_file):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("mock did not start")
            time.sleep(0.02)
        with open(self.port_file) as fh:
            self.port = int(fh.read())
        self.base = "http://127.0.0.1:%d" % self.port

    def get(self, path, headers=None, timeout=5):
        """(status, headers, body) of a GET."""
        req = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            body = e.read()
            e.close()
            return e.code, e.headers, body

    def json(self, path, **kw):
        st, _, body = self.get(path, **kw)
        return st, json.loads(body)

    def control(self, cmd=None):
        data = None if cmd is None else json.dumps(cmd).encode()
        req = urllib.request.Request(self.base + "/_control", data=data)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            body = json.loads(e.read())
            e.close()
            return e.code, body

    def state(self):
        return self.control()[1]

    def raw(self, path):
        """A raw socket with the request sent and the response head read:
        (socket, status line, headers dict, body bytes already read)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n"
                   % (path, self.port)).encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = s.recv(65536)
            if not d:
                break
            buf += d
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        return s, lines[0], hdrs, rest


def read_until_eof(s, cap=None, timeout=5):
    s.settimeout(timeout)
    out = b""
    while cap is None or len(out) < cap:
        d = s.recv(65536)
        if not d:
            break
        out += d
    return out


def results_path(msm, **q):
    qs = "&".join("%s=%s" % kv for kv in q.items())
    return "/api/v2/measurements/%d/results/%s" % (msm, "?" + qs if qs
                                                   else "")


def test_startup(m):
    with open(m.port_file) as fh:
        txt = fh.read()
    check("port file holds one integer line", txt.strip().isdigit()
          and txt.endswith("\n"), repr(txt))
    check("port is not 0", m.port > 0)


def test_results(m):
    st, h, body = m.get(results_path(1001))
    data = json.loads(body)
    check("results: 200 JSON array of all visible results",
          st == 200 and isinstance(data, list) and len(data) == 5,
          "%s %s" % (st, body[:100]))
    check("results: pretty-printed over many lines", body.count(b"\n") > 20)
    check("results: application/json with Content-Length by default",
          h.get("Content-Type") == "application/json"
          and h.get("Content-Length") == str(len(body))
          and h.get("Transfer-Encoding") is None)
    check("results: objects as in the fixture", data == RESULTS_1001)

    st, data = m.json(results_path(1001, start=T0, stop=T0))
    check("results: start and stop inclusive (start=stop=timestamp)",
          st == 200 and [r["timestamp"] for r in data] == [T0], data)
    st, data = m.json(results_path(1001, start=T0 + 1, stop=T0 + 480))
    check("results: window [start, stop]",
          [r["timestamp"] for r in data] == [T0 + 3, T0 + 240, T0 + 480])
    st, data = m.json(results_path(1001, start=T0 + 481))
    check("results: start only", [r["timestamp"] for r in data]
          == [T0 + 600])
    st, data = m.json(results_path(1001, probe_ids="1,3"))
    check("results: probe_ids filter",
          sorted(r["prb_id"] for r in data) == [1, 1, 3])
    st, _, body = m.get(results_path(1001, probe_ids="x"))
    check("results: bad probe_ids is 400", st == 400, st)

    st, h, body = m.get(results_path(1001, start=T0, format="txt"))
    lines = body.decode().splitlines()
    with open(os.path.join(m.fixtures, "results", "1001.jsonl")) as fh:
        want = fh.read().splitlines()
    check("results: format=txt is the fixture lines verbatim",
          st == 200 and lines == want, body[:200])
    check("results: format=txt lines are JSON objects",
          all(isinstance(json.loads(ln), dict) for ln in lines))

    st, h, body = m.get(results_path(9999))
    try:
        err = json.loads(body)
    except ValueError:
        err = None
    check("results: unknown measurement is 404 in the Atlas error shape",
          st == 404 and err is not None and set(err) == {"error"}
          and err["error"].get("status") == 404
          and err["error"].get("title") == "Not Found"
          and err["error"].get("code") == 104
          and isinstance(err["error"].get("detail"), str), body)
    st, data = m.json(results_path(3001))
    check("results: measurement without results file gives []",
          st == 200 and data == [])

    # Fixtures are re-read on every request.
    write_results(m.fixtures, 1001,
                  RESULTS_1001 + [ping(1001, 4, T0 + 720)])
    st, data = m.json(results_path(1001, start=T0 + 700))
    check("results: rewritten fixture seen at once",
          [r["prb_id"] for r in data] == [4], data)
    write_results(m.fixtures, 1001, RESULTS_1001)


def test_clock(m):
    m.control({"now": T0 + 39})
    st, data = m.json(results_path(1001))
    check("clock: nothing visible before the first stored_timestamp",
          st == 200 and data == [], data)
    m.control({"now": T0 + 40})
    st, data = m.json(results_path(1001))
    check("clock: visible when stored_timestamp == now",
          [r["timestamp"] for r in data] == [T0], data)
    m.control({"now": T0 + 599})
    st, data = m.json(results_path(1001))
    check("clock: no stored_timestamp -> timestamp decides (not yet)",
          [r["timestamp"] for r in data] == [T0, T0 + 3, T0 + 240,
                                             T0 + 480], data)
    m.control({"now": T0 + 600})
    st, data = m.json(results_path(1001))
    check("clock: no stored_timestamp -> timestamp decides (now)",
          [r["timestamp"] for r in data][-1] == T0 + 600
          and len(data) == 5, data)
    check("clock: GET /_control reports now",
          m.state()["now"] == T0 + 600
          and m.state()["effective_now"] == T0 + 600)
    m.control({"now": None})
    st, data = m.json(results_path(1001))
    check("clock: null returns to real time", len(data) == 5)
    check("clock: real effective_now",
          abs(m.state()["effective_now"] - time.time()) < 5)


def test_measurement(m):
    st, h, body = m.get("/api/v2/measurements/1001/")
    with open(os.path.join(m.fixtures, "measurements", "1001.json"),
              "rb") as fh:
        check("measurement: the fixture verbatim", st == 200
              and body == fh.read())
    st, data = m.json("/api/v2/measurements/2001")
    check("measurement: without trailing slash", st == 200
          and data["id"] == 2001)
    st, data = m.json("/api/v2/measurements/4242/")
    check("measurement: missing is 404 Atlas error",
          st == 404 and data["error"]["status"] == 404)
    st, data = m.json("/api/v2/nothing/here/")
    check("unknown API path is 404", st == 404)


def test_probes(m):
    st, data = m.json("/api/v2/probes/?id__in=3,1,999")
    check("probes: id__in, absent ids simply missing",
          st == 200 and data["count"] == 2 and data["next"] is None
          and data["previous"] is None
          and [p["id"] for p in data["results"]] == [1, 3], data)
    check("probes: geometry lon first as in the fixture",
          data["results"][0]["geometry"]["coordinates"] == [4.91, 52.3])

    seen, url, pages = [], "/api/v2/probes/?id__in=1,2,3,4,5&page_size=2", 0
    first = None
    while url:
        st, data = m.json(url)
        pages += 1
        first = first or data
        if pages == 2:
            check("probes: page 2 has previous", data["previous"] is not None
                  and data["previous"].startswith(m.base))
        seen += [p["id"] for p in data["results"]]
        nxt = data["next"]
        if nxt:
            if not check("probes: next is absolute, same filters",
                         nxt.startswith(m.base + "/api/v2/probes/?")
                         and "id__in=1,2,3,4,5" in nxt
                         and "page_size=2" in nxt
                         and "page=%d" % (pages + 1) in nxt, nxt):
                break
            url = nxt[len(m.base):]
        else:
            url = None
        if pages > 5:
            break
    check("probes: following next yields all, count 5",
          seen == [1, 2, 3, 4, 5] and pages == 3
          and first["count"] == 5, (seen, pages))

    st, data = m.json("/api/v2/probes/")
    check("probes: page_size defaults to 50",
          data["count"] == 60 and len(data["results"]) == 50
          and data["next"] is not None
          and [p["id"] for p in data["results"]] == list(range(1, 51)))
    st, data = m.json("/api/v2/probes/?page_size=1000")
    check("probes: page_size clamped to 500 (all 60, no next)",
          len(data["results"]) == 60 and data["next"] is None)
    st, data = m.json("/api/v2/probes/?page=9")
    check("probes: page out of range is 404", st == 404)
    st, data = m.json("/api/v2/probes/?page_size=10",
                      headers={"Host": "atlas.example.test:8443"})
    check("probes: next built from the Host header",
          (data["next"] or "").startswith(
              "http://atlas.example.test:8443/api/v2/probes/?"),
          data["next"])
    st, data = m.json("/api/v2/probes/7/")
    check("probes: detail", st == 200 and data["id"] == 7)


def test_auth(m):
    m.control({"reset": True, "required_key": KEY})
    path = results_path(1001)
    st, h, body = m.get(path)
    check("auth: no key -> 401 with the exact Atlas body",
          st == 401 and body == UNAUTH, body)
    st, h, body = m.get(path, headers={"Authorization": "Key wrong"})
    check("auth: wrong key -> 401", st == 401 and body == UNAUTH)
    st, h, body = m.get(path, headers={"Authorization": "Bearer " + KEY})
    check("auth: wrong scheme -> 401", st == 401)
    st, h, body = m.get(path, headers={"Authorization": "Key " + KEY})
    check("auth: right key -> 200", st == 200)
    st, h, body = m.get("/api/v2/probes/",
                        headers={"Authorization": "Key " + KEY})
    check("auth: right key on probes -> 200", st == 200)
    st, h, body = m.get(path + "?key=" + KEY,
                        headers={"Authorization": "Key " + KEY})
    check("auth: key in the query string -> 401", st == 401
          and body == UNAUTH)
    s = m.state()["stats"]
    check("auth: stats count right/wrong/none",
          s["auth"]["right"] == 3 and s["auth"]["wrong"] == 2
          and s["auth"]["none"] == 1, s["auth"])
    check("auth: stats record a key seen in a URL", s["key_in_url"] == 1)
    check("auth: stats never hold the key",
          KEY not in json.dumps(m.state()["stats"]))
    m.control({"required_key": None})
    st, h, body = m.get(path + "?key=abc")
    check("auth: key in the URL is 401 even with no key required",
          st == 401)
    st, h, body = m.get(path, headers={"Authorization": "Key any"})
    check("auth: no required key -> any key accepted", st == 200)
    check("auth: unchecked counted",
          m.state()["stats"]["auth"]["unchecked"] == 1)


def test_faults(m):
    m.control({"reset": True})
    m.control({"faults": [{"match": "results", "msm": 2001, "status": 500},
                          {"match": "results", "status": 429,
                           "retry_after": 2, "body": "slow down"}]})
    check("faults: GET /_control lists queued faults",
          len(m.state()["faults"]) == 2)
    st, h, body = m.get(results_path(1001))
    check("faults: 429 with Retry-After and custom body (msm fault "
          "skipped)", st == 429 and h.get("Retry-After") == "2"
          and body == b"slow down", (st, body))
    st, h, body = m.get(results_path(1001))
    check("faults: consumed once", st == 200)
    st, h, body = m.get(results_path(2001))
    check("faults: msm-specific 500 in Atlas shape",
          st == 500 and json.loads(body)["error"]["status"] == 500, body)
    check("faults: queue empty", m.state()["faults"] == [])

    m.control({"faults": [{"match": "probes", "status": 503},
                          {"match": "measurement", "status": 502}]})
    st, _, _ = m.get(results_path(1001))
    check("faults: probes/measurement faults not taken by results",
          st == 200)
    st, _, _ = m.get("/api/v2/measurements/1001/")
    check("faults: match measurement", st == 502)
    st, _, _ = m.get("/api/v2/probes/?id__in=1")
    check("faults: match probes", st == 503)

    m.control({"faults": [{"match": "any", "status": 503, "html": True}]})
    st, h, body = m.get("/api/v2/probes/")
    check("faults: 503 HTML page",
          st == 503 and h.get("Content-Type", "").startswith("text/html")
          and body.startswith(b"<!DOCTYPE html>"), (st, h, body[:60]))

    m.control({"faults": [{"garbage": True}]})
    st, h, body = m.get(results_path(1001))
    try:
        json.loads(body)
        parsed = True
    except ValueError:
        parsed = False
    check("faults: garbage is 200 application/json, not JSON",
          st == 200 and h.get("Content-Type") == "application/json"
          and not parsed)

    st, bad = m.control({"faults": [{"status": 500, "tuncate": 1}]})
    check("control: a malformed fault is 400 and nothing is queued",
          st == 400 and m.state()["faults"] == [], bad)
    st, bad = m.control({"faults": [{"truncate": 0.5, "garbage": True}]})
    check("control: two actions in one fault is 400", st == 400)
    st, bad = m.control({"nw": 5})
    check("control: unknown key is 400", st == 400)
    st, bad = m.control({"now": "x"})
    check("control: bad now is 400, now unchanged",
          st == 400 and m.state()["now"] is None)


def test_truncate(m):
    full = m.get(results_path(1001))[2]
    for chunked in (False, True):
        m.control({"chunked": chunked, "faults": [{"truncate": 0.5}]})
        conn = http.client.HTTPConnection("127.0.0.1", m.port, timeout=5)
        conn.request("GET", results_path(1001))
        r = conn.getresponse()
        got, err = b"", None
        try:
            got = r.read()
        except http.client.IncompleteRead as e:
            got, err = e.partial, e
        conn.close()
        mode = "chunked" if chunked else "Content-Length"
        check("truncate (%s): 200 then an incomplete body" % mode,
              r.status == 200 and err is not None
              and got == full[:len(full) // 2], (r.status, len(got), err))
        if not chunked:
            check("truncate: headers promise the full length",
                  r.getheader("Content-Length") == str(len(full)))
    m.control({"chunked": False})

    m.control({"faults": [{"truncate": 0.25}]})
    s, status, hdrs, rest = m.raw(results_path(1001))
    body = rest + read_until_eof(s)
    s.close()
    check("truncate: server closes the connection after the fraction",
          "200" in status and len(body) == len(full) // 4, len(body))


def test_chunked(m):
    plain = m.get(results_path(1001))[2]
    m.control({"chunked": True})
    st, h, body = m.get(results_path(1001))
    check("chunked: Transfer-Encoding chunked, no Content-Length",
          h.get("Transfer-Encoding") == "chunked"
          and h.get("Content-Length") is None)
    check("chunked: same body", st == 200 and body == plain)
    s, status, hdrs, rest = m.raw(results_path(1001, format="txt"))
    s.settimeout(5)
    while not rest.endswith(b"0\r\n\r\n"):
        d = s.recv(65536)
        if not d:
            break
        rest += d
    s.close()
    check("chunked: raw framing ends with the zero chunk",
          rest.endswith(b"\r\n0\r\n\r\n") and rest[:rest.index(b"\r\n")]
          .strip() != b"", rest[-20:])
    m.control({"chunked": False})


def test_huge(m):
    for chunked in (False, True):
        total = 300000
        m.control({"chunked": chunked, "faults": [{"huge": total}]})
        conn = http.client.HTTPConnection("127.0.0.1", m.port, timeout=5)
        conn.request("GET", results_path(1001))
        r = conn.getresponse()
        head = r.read(100000)          # a client-side cap
        mode = "chunked" if chunked else "close-delimited"
        check("huge (%s): 200 JSON, no Content-Length" % mode,
              r.status == 200 and r.getheader("Content-Length") is None
              and r.getheader("Content-Type") == "application/json")
        obj, _ = json.JSONDecoder().raw_decode(head.decode(), 1)
        check("huge (%s): starts as an array of results" % mode,
              head.startswith(b"[{") and obj.get("type") == "ping"
              and obj.get("msm_id") == 1001 and len(head) == 100000)
        rest = b""
        try:
            rest = r.read()
        except http.client.IncompleteRead as e:
            rest = e.partial
        conn.close()
        whole = head + rest
        try:
            json.loads(whole)
            parsed = True
        except ValueError:
            parsed = False
        check("huge (%s): exactly N bytes, never a complete array" % mode,
              len(whole) == total and not parsed, len(whole))
    m.control({"chunked": False})
    # A client that hangs up early must not hurt the server.
    m.control({"faults": [{"huge": 50000000}]})
    s, status, hdrs, rest = m.raw(results_path(1001))
    s.recv(65536)
    s.close()
    st, _, _ = m.get(results_path(1001))
    check("huge: server fine after the client hangs up", st == 200)


def test_delay(m):
    m.control({"faults": [{"delay": 2}]})
    out = {}

    def slow():
        t = time.time()
        out["st"] = m.get(results_path(1001), timeout=10)[0]
        out["dt"] = time.time() - t

    th = threading.Thread(target=slow)
    th.start()
    time.sleep(0.2)
    t = time.time()
    st, _, _ = m.get("/api/v2/probes/?id__in=1")
    dt = time.time() - t
    check("delay: other requests are served meanwhile", st == 200
          and dt < 1 and th.is_alive(), dt)
    th.join()
    check("delay: the delayed request answers 200 after the delay",
          out.get("st") == 200 and out.get("dt", 0) >= 1.9, out)

    m.control({"faults": [{"delay": 1, "status": 500}]})
    try:
        m.get(results_path(1001), timeout=0.3)
        timed_out = False
    except (socket.timeout, urllib.error.URLError) as e:
        timed_out = isinstance(e, socket.timeout) or isinstance(
            getattr(e, "reason", None), socket.timeout)
    check("delay: a client timeout fires", timed_out)
    time.sleep(1)
    st, _, _ = m.get(results_path(1001))
    check("delay: server fine after the client gave up", st == 200)


def test_stall(m):
    m.control({"reset": True, "faults": [{"stall_after": 100}]})
    s, status, hdrs, rest = m.raw(results_path(1001))
    s.settimeout(0.3)
    try:
        while len(rest) < 200:
            d = s.recv(65536)
            if not d:
                break
            rest += d
        stalled = False
    except socket.timeout:
        stalled = True
    check("stall: 100 body bytes then silence, connection open",
          "200" in status and stalled and len(rest) == 100
          and int(hdrs.get("content-length", 0)) > 100, (len(rest), hdrs))
    st, _, _ = m.get("/api/v2/probes/")
    check("stall: other requests are served meanwhile", st == 200)
    s.close()
    gone = False
    for _ in range(30):
        if m.state()["stats"]["client_gone"] >= 1:
            gone = True
            break
        time.sleep(0.1)
    check("stall: the server notices the hang-up", gone)


def test_stats_and_log(m):
    m.control({"reset": True})
    check("reset: stats and faults cleared",
          m.state()["stats"]["requests"] == 0
          and m.state()["faults"] == [])
    m.get(results_path(1001))
    m.get(results_path(9999))
    m.get("/api/v2/measurements/1001/")
    m.get("/api/v2/probes/?id__in=1")
    m.get(results_path(1001) + "?key=secretvalue")
    s = m.state()["stats"]
    check("stats: per kind", s["by_kind"] == {"results": 3,
                                              "measurement": 1,
                                              "probes": 1}, s["by_kind"])
    check("stats: per status", s["by_status"] == {"200": 3, "404": 1,
                                                  "401": 1},
          s["by_status"])
    rec = s["recent"][-1]
    check("stats: recent requests carry path/query/status/auth",
          len(s["recent"]) == 5 and rec["path"] ==
          "/api/v2/measurements/1001/results/" and rec["status"] == 401
          and rec["auth"] == "none" and "secretvalue" not in rec["query"],
          rec)
    for i in range(205):
        urllib.request.urlopen(m.base + "/api/v2/probes/?id__in=1",
                               timeout=5).read()
    check("stats: recent keeps the last 200",
          len(m.state()["stats"]["recent"]) == 200)

    with open(m.log) as fh:
        log = fh.read()
    check("log: request lines with method, path+query, status, bytes",
          '"GET /api/v2/measurements/1001/results/?start=%d&stop=%d" 200 '
          % (T0, T0) in log, log[-500:])
    check("log: auth presence logged", "auth=yes" in log
          and "auth=no" in log)
    check("log: never a key value", KEY not in log
          and "secretvalue" not in log)


def test_sigterm(m):
    m.control({"faults": [{"stall_after": 10}, {"delay": 30}]})
    s1, _, _, _ = m.raw(results_path(1001))
    s2 = socket.create_connection(("127.0.0.1", m.port), timeout=5)
    s2.sendall(b"GET /api/v2/probes/ HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.3)
    t = time.time()
    m.proc.send_signal(signal.SIGTERM)
    try:
        rc = m.proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        rc = None
    check("SIGTERM: clean exit 0 with a stalled and a delayed request",
          rc == 0 and time.time() - t < 3, rc)
    check("SIGTERM: port file removed", not os.path.exists(m.port_file))
    s1.close()
    s2.close()


def main():
    tmp = tempfile.mkdtemp(prefix="mock_atlas_test.")
    m = None
    try:
        m = Mock(tmp)
        for t in (test_startup, test_results, test_clock, test_measurement,
                  test_probes, test_auth, test_faults, test_truncate,
                  test_chunked, test_huge, test_delay, test_stall,
                  test_stats_and_log, test_sigterm):
            try:
                t(m)
            except Exception as e:  # a crash in one test is one failure
                check("%s ran" % t.__name__, False, "%s: %s"
                      % (type(e).__name__, e))
    finally:
        if m is not None and m.proc.poll() is None:
            m.proc.kill()
            m.proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

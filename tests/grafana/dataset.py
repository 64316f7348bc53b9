# SPDX-License-Identifier: MIT
"""The data the Grafana dashboards and alert rules are proven against.

Writes Atlas fixtures for tests/mock_atlas (six probes on four continents,
two pings, one traceroute, all one result a minute for 90 minutes), runs the
real `atlasperf execd` against the mock the way Telegraf's inputs.execd
does (one newline on stdin per gather, the mock's clock moved forward
between gathers so windows close and summaries appear) and writes its
stdout into a real InfluxDB through /write. The collectd variant runs the
real collectd with the atlasperf plugin and its network plugin into
InfluxDB's collectd listener.

Two variants of the same measurements:
  clean     what a healthy network looks like: one probe (BR) loses a
            packet now and then and sometimes does not reach the
            traceroute target; nothing else.
  degraded  the same, plus in the last 20 minutes: msm 1001 loses 2 of 3
            packets on every probe and its RTT quadruples; traceroute
            5001 reaches its target from no probe; msm 1002 stopped
            delivering results 50 minutes ago (stale); the API answers 500
            to several polls of 5001 (API errors); msm 1099 does not exist
            (404: the collector disables it).
Everything is deterministic: the loss patterns are fixed, only the RTT
noise comes from a seeded generator.
"""
import json
import math
import os
import random
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import procs  # noqa: E402
from influx import Influxd  # noqa: E402

# id, asn_v4, asn_v6 (None: unknown), country, lon, lat
PROBES = [
    (10001, 64500, 65500, "NL", 5.12, 52.09),    # Utrecht
    (10002, 64501, 65501, "DE", 8.68, 50.11),    # Frankfurt
    (10003, 64502, None, "FR", 2.35, 48.86),     # Paris
    (10004, 64503, 65503, "US", -74.00, 40.71),  # New York
    (10005, 64504, 65504, "JP", 139.69, 35.68),  # Tokyo
    (10006, 64505, 65505, "BR", -46.63, -23.55),  # Sao Paulo
]
BAD = 5                       # index of the probe with occasional loss
TARGET = (52.37, 4.89)        # lat, lon of the targets (Amsterdam)
STEPS = 90                    # one result a minute per probe for 90 min
DEGRADED_STEPS = 20           # the last 20 minutes of the degraded variant
STALE_MIN = 75                # msm 1002 (degraded): nothing for 75 min

PING4, PING6, TRACE, MISSING = 1001, 1002, 5001, 1099
MEASUREMENTS = {              # id: (type, af, configured tags)
    PING4: ("ping", 4, {"link": "transit-a"}),
    PING6: ("ping", 6, {"link": "ixp-x"}),
    TRACE: ("traceroute", 4, {"link": "transit-a"}),
}
TARGET_NAME, TARGET_V4, TARGET_V6 = ("www.example.net", "192.0.2.80",
                                     "2001:db8:80::1")


def fibre_ms(lon, lat):
    """Speed-of-light RTT bound in fibre to TARGET, ms (1 ms / 100 km)."""
    la1, lo1, la2, lo2 = map(math.radians, (lat, lon) + TARGET)
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * \
        math.sin((lo2 - lo1) / 2) ** 2
    d = 2 * 6371.0 * math.asin(math.sqrt(h))
    return d / 100.0


def base_rtt(i):
    p = PROBES[i]
    return round(1.5 * fibre_ms(p[4], p[5]) + 2.0, 3)


def probe_objects():
    out = []
    for pid, a4, a6, cc, lon, lat in PROBES:
        out.append({"id": pid, "asn_v4": a4, "asn_v6": a6,
                    "country_code": cc, "is_anchor": False,
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "status": {"id": 1, "name": "Connected"}})
    return out


class Fixtures:
    """DIR/{results/<msm>.jsonl, measurements/<msm>.json, probes.json}."""

    def __init__(self, root, t_end, degraded, seed=6):
        self.dir = root
        self.t_end = t_end - t_end % 60
        self.degraded = degraded
        self.rnd = random.Random(seed)
        self.results = {}
        os.makedirs(os.path.join(root, "results"), exist_ok=True)
        os.makedirs(os.path.join(root, "measurements"), exist_ok=True)
        with open(os.path.join(root, "probes.json"), "w") as f:
            json.dump(probe_objects(), f)
        for msm, (kind, af, _) in MEASUREMENTS.items():
            self._write(msm, kind, af)

    def ts(self, k, i, msm):
        return self.t_end - 60 * (STEPS - k) + 7 * i + msm % 5

    def bad_window(self, k):
        return self.degraded and k >= STEPS - DEGRADED_STEPS

    def _write(self, msm, kind, af):
        out = []
        for k in range(STEPS):
            if self.degraded and msm == PING6 and \
                    k >= STEPS - STALE_MIN:
                break
            for i, p in enumerate(PROBES):
                ts = self.ts(k, i, msm)
                if kind == "ping":
                    r = self.ping(msm, k, i, ts, af)
                else:
                    r = self.trace(msm, k, i, ts)
                r["stored_timestamp"] = ts + 20 + (k * 7 + i) % 40
                out.append(r)
        self.results[msm] = out
        with open(os.path.join(self.dir, "results", "%d.jsonl" % msm),
                  "w") as f:
            for r in out:
                f.write(json.dumps(r, separators=(",", ":")) + "\n")
        with open(os.path.join(self.dir, "measurements", "%d.json" % msm),
                  "w") as f:
            json.dump({"id": msm, "type": kind, "af": af, "interval": 60,
                       "status": {"id": 2, "name": "Ongoing"},
                       "target": TARGET_NAME,
                       "target_ip": TARGET_V6 if af == 6 else TARGET_V4,
                       "stop_time": None, "is_oneoff": False}, f)

    def ping(self, msm, k, i, ts, af):
        base = base_rtt(i)
        lost = 0
        if i == BAD and k % 4 == 0:
            lost = 1
        if msm == PING4 and self.bad_window(k):
            lost, base = 2, base * 4
        replies = []
        for j in range(3):
            if j < lost:
                replies.append({"x": "*"})
            else:
                replies.append({"rtt": round(
                    base + self.rnd.uniform(0.0, 0.1 * base + 1.0), 3)})
        rtts = [r["rtt"] for r in replies if "rtt" in r]
        pid = PROBES[i][0]
        src = "10.%d.0.2" % i if af == 4 else "2001:db8:%x::2" % pid
        return {"fw": 5020, "lts": 12, "af": af, "dst_name": TARGET_NAME,
                "dst_addr": TARGET_V6 if af == 6 else TARGET_V4,
                "src_addr": src, "from": src, "proto": "ICMP", "ttl": 52,
                "size": 48, "result": replies, "msm_id": msm, "prb_id": pid,
                "timestamp": ts, "min": min(rtts) if rtts else -1,
                "avg": round(sum(rtts) / len(rtts), 3) if rtts else -1,
                "max": max(rtts) if rtts else -1, "sent": 3,
                "rcvd": len(rtts), "dup": 0, "type": "ping", "step": 60,
                "group_id": msm}

    def trace(self, msm, k, i, ts):
        """Hop 1 in the probe's LAN, hop 2 the exit link (transit-a's
        198.51.100.0/24; every 10th result of the even probes ixp-x's
        203.0.113.192/26 instead: a path change, and an exit link change),
        then a backbone, then the target. Far probes (US, JP, BR) cross an
        ocean at hop 3: the RTT jumps there and stays up (a bottleneck
        hop)."""
        pid = PROBES[i][0]
        base = base_rtt(i)
        far = i >= 3
        n = 5 + i % 2
        reached = not (i == BAD and k % 5 == 0) and not self.bad_window(k)
        hops = []
        for h in range(1, n + 1):
            if h == 1:
                frm, rtt = "10.%d.0.1" % i, 0.6
            elif h == 2:
                alt = i % 2 == 0 and k % 10 == 9
                frm = ("203.0.113.%d" % (200 + i)) if alt else \
                    ("198.51.100.%d" % i)
                rtt = 2.0
            elif h < n:
                frm = "203.0.113.%d" % (h * 16 + i)
                rtt = (base - 1.0) if far else 2.0 + (base - 2.0) * h / n
            else:
                frm = TARGET_V4
                rtt = base
            if h == n and not reached:
                hops.append({"hop": 255, "result": [{"x": "*"}] * 3})
                continue
            hops.append({"hop": h, "result": [
                {"from": frm, "ttl": 64 - h, "size": 76,
                 "rtt": round(rtt + self.rnd.uniform(0.0, 0.5), 3)}
                for _ in range(3)]})
        src = "10.%d.0.2" % i
        return {"fw": 5020, "lts": 12, "af": 4, "dst_name": TARGET_NAME,
                "dst_addr": TARGET_V4, "src_addr": src,
                "from": "198.51.100.%d" % (200 + i), "proto": "UDP",
                "paris_id": ts % 16, "size": 48, "msm_id": msm,
                "prb_id": pid, "timestamp": ts, "endtime": ts + 3,
                "type": "traceroute", "result": hops}


def config_yaml(path, base_url, state_dir, extra_msms=()):
    lat, lon = TARGET
    lines = [
        "atlas:", "  base_url: %s" % base_url, "  timeout: 5s",
        "state_dir: %s" % state_dir,
        "late_results_horizon: 2h",
        # Every poll at least 1 s after the last one re-reads the whole
        # horizon, so results that become visible later are read even
        # when their timestamps are far behind the collector's cursor.
        "late_sweep_interval: 1s",
        "retry_min: 1s",
        "retry_max: 1s",
        "log_level: info",
        "currency: EUR",
        "links:",
        "  - {name: transit-a, kind: transit, commit_mbps: 500, "
        "price_per_mbps: 0.5, overage_price_per_mbps: 0.6, "
        "fixed_monthly: 200, port_capacity_mbps: 10000, "
        "prefixes: [\"198.51.100.0/24\"]}",
        "  - {name: ixp-x, kind: peering, fixed_monthly: 800, "
        "port_capacity_mbps: 10000, prefixes: [\"203.0.113.192/26\"]}",
        "destinations:",
        "  - {id: AS64501, traffic_mbps: 1500, current_link: transit-a}",
        "  - {id: AS64502, traffic_mbps: 1200, current_link: ixp-x}",
        "measurements:",
    ]
    for msm, (kind, af, tags) in sorted(MEASUREMENTS.items()):
        group = "[probe_asn, probe_cc]" if kind == "ping" else \
            "[probe_asn, probe_cc, link]"
        lines.append("  - {id: %d, tags: {%s}, group_by: %s, "
                     "target: {lat: %s, lon: %s}}" % (
                         msm, ", ".join("%s: %s" % kv
                                        for kv in sorted(tags.items())),
                         group, lat, lon))
    for msm in extra_msms:
        lines.append("  - {id: %d}" % msm)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


class Execd:
    """`atlasperf execd` driven like Telegraf: a newline per gather; its
    stdout posted to InfluxDB /write as it arrives. A gather is complete
    once every measurement's atlasperf_internal line of it was read."""

    def __init__(self, binary, config, n_msms, sink, children):
        self.n = n_msms
        self.sink = sink
        self.cond = threading.Condition()
        self.internal = 0
        self.lines = 0
        self.err = []
        self.sink_errors = []
        self.proc = subprocess.Popen(
            [binary, "execd", "--config", config], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        children.append(self.proc)
        self.t_out = threading.Thread(target=self._out, daemon=True)
        self.t_err = threading.Thread(target=self._err, daemon=True)
        self.t_out.start()
        self.t_err.start()

    def _out(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if not line:
                continue
            err = self.sink(line)
            with self.cond:
                if err:
                    self.sink_errors.append(err)
                self.lines += 1
                if line.startswith("atlasperf_internal"):
                    self.internal += 1
                self.cond.notify_all()
        with self.cond:
            self.internal = -1      # EOF
            self.cond.notify_all()

    def _err(self):
        for raw in self.proc.stderr:
            with self.cond:
                self.err.append(raw.decode("utf-8", "replace").rstrip())

    def gather(self, timeout=30):
        with self.cond:
            want = self.internal + self.n
        self.proc.stdin.write(b"\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        with self.cond:
            while 0 <= self.internal < want:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return self.internal >= want

    def stop(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            procs.stop_process(self.proc, 5)
        self.t_out.join(5)
        self.t_err.join(5)
        return self.proc.returncode


class LineBuffer:
    """Batches lines for InfluxDB /write (one POST per 500 lines)."""

    def __init__(self, influx, db):
        self.influx = influx
        self.db = db
        self.buf = []
        self.lock = threading.Lock()
        self.errors = []
        self.count = 0

    def __call__(self, line):
        with self.lock:
            self.buf.append(line)
            self.count += 1
            if len(self.buf) >= 500 or line.startswith("atlasperf_internal"):
                return self._flush()
        return None

    def _flush(self):
        if not self.buf:
            return None
        body = ("\n".join(self.buf) + "\n").encode()
        self.buf = []
        st, resp = self.influx.write(self.db, body)
        if st != 204:
            e = "HTTP %d: %s" % (st, resp[:300])
            self.errors.append(e)
            return e
        return None

    def flush(self):
        with self.lock:
            return self._flush()


def fill_execd(binary, influx, db, tmp, degraded, children, log):
    """Builds one variant's fixtures, runs execd over it into `db`.
    Returns (Fixtures, dict of facts for checks) or raises RuntimeError."""
    name = "degraded" if degraded else "clean"
    root = os.path.join(tmp, name)
    fx = Fixtures(os.path.join(root, "fixtures"), int(time.time()),
                  degraded)
    if not influx.create_db(db):
        raise RuntimeError("CREATE DATABASE %s failed" % db)
    mock = procs.MockAtlas(root, fx.dir, "mock-" + name)
    children.append(mock)
    if not mock.start():
        raise RuntimeError("mock Atlas API did not start")
    extra = (MISSING,) if degraded else ()
    cfg = config_yaml(os.path.join(root, "atlasperf.yaml"), mock.base_url,
                      os.path.join(root, "state"), extra)
    sink = LineBuffer(influx, db)
    x = Execd(binary, cfg, len(MEASUREMENTS) + len(extra), sink, children)
    facts = {"gathers": 0, "failed_gathers": 0}
    try:
        # The mock's clock walks through the hour, so results become
        # visible over time, as from the real API; the last steps are
        # past the fixture's end, so every result is visible.
        steps = [fx.t_end - 60 * 60, fx.t_end - 30 * 60,
                 fx.t_end - 10 * 60, fx.t_end + 120]
        for n, now in enumerate(steps):
            mock.control(now=now)
            if degraded and n >= 1:
                # API errors: 500s for msm 5001 on three polls in a row.
                mock.control(faults=[{"match": "results", "msm": TRACE,
                                      "status": 500}])
            if not x.gather():
                raise RuntimeError("%s: gather %d did not complete; "
                                   "stderr: %s" % (name, n,
                                                   " | ".join(x.err[-5:])))
            facts["gathers"] += 1
            # late_sweep_interval and retry_min are 1 s: the next poll
            # sweeps the horizon again (and may retry after a failure).
            time.sleep(1.1)
        # A last poll with no fault left: the results 5001 missed arrive.
        if degraded:
            mock.control(now=fx.t_end + 180)
            if not x.gather():
                raise RuntimeError("%s: the last gather did not complete"
                                   % name)
            facts["gathers"] += 1
    finally:
        rc = x.stop()
        mock.stop()
    err = sink.flush()
    facts["lines"] = sink.count
    facts["exit"] = rc
    facts["stderr"] = x.err
    facts["write_errors"] = sink.errors + ([err] if err else [])
    log("%s: %d gathers, %d lines into db %s, execd exit %s" % (
        name, facts["gathers"], sink.count, db, rc))
    return fx, facts


class InfluxdWithCollectd(Influxd):
    """tests/lib/influx.py's influxd plus a [[collectd]] listener on a free
    loopback UDP port, writing into database `collectd`. collectd sends a
    burst of a few thousand values per poll: points are written in batches
    and the socket buffer is large, or the kernel drops datagrams (seen:
    a whole measurement's values lost with batch-size 1)."""

    def __init__(self, tmp, typesdb_dir):
        super().__init__(tmp)
        self.typesdb_dir = typesdb_dir
        self.udp_port = None

    def _write_config(self, http_port, rpc_port):
        path = super()._write_config(http_port, rpc_port)
        self.udp_port = procs.free_port()
        with open(path, "a") as f:
            f.write('\n[[collectd]]\n  enabled = true\n'
                    '  bind-address = "127.0.0.1:%d"\n'
                    '  database = "collectd"\n  typesdb = "%s"\n'
                    '  batch-size = 5000\n  batch-timeout = "200ms"\n'
                    '  read-buffer = 4194304\n'
                    '  security-level = "none"\n'
                    % (self.udp_port, self.typesdb_dir))
        return path


COLLECTD_TYPES_DB = "/usr/share/collectd/types.db"
ATLASPERF_DB = os.path.join(REPO, "plugins", "collectd", "atlasperf.db")
SYS_PLUGINS = "/usr/lib/collectd"


def is_sanitized(path):
    with open(path, "rb") as fh:
        data = fh.read()
    return b"__asan_init" in data or b"__ubsan_handle" in data


def find_plugin(build_dir):
    """A non-sanitizer atlasperf.so (a plain collectd cannot load an ASan
    one): BUILD_DIR's, else build/'s; None when there is none."""
    for cand in (os.path.join(build_dir, "atlasperf.so"),
                 os.path.join(REPO, "build", "atlasperf.so")):
        if os.path.isfile(cand) and not is_sanitized(cand):
            return cand
    return None


def collectd_missing(build_dir):
    """Why the collectd variant cannot run here, or None."""
    if shutil.which("collectd") is None:
        return "collectd (Debian collectd-core) is not installed"
    for f in (COLLECTD_TYPES_DB, ATLASPERF_DB,
              os.path.join(SYS_PLUGINS, "network.so"),
              os.path.join(SYS_PLUGINS, "logfile.so")):
        if not os.path.isfile(f):
            return "%s is missing" % f
    if find_plugin(build_dir) is None:
        return "no non-sanitizer atlasperf.so in %s or build/ " \
               "(the collectd plugin is not built)" % build_dir
    return None


def fill_collectd(build_dir, influx, tmp, children, log):
    """Runs collectd (atlasperf plugin, network plugin to InfluxDB's
    collectd listener) over the clean fixtures for a few intervals while
    the mock's clock moves on. Returns facts."""
    root = os.path.join(tmp, "collectd")
    fx = Fixtures(os.path.join(root, "fixtures"), int(time.time()), False)
    mock = procs.MockAtlas(root, fx.dir, "mock-collectd")
    children.append(mock)
    if not mock.start():
        raise RuntimeError("mock Atlas API did not start")
    plugins = os.path.join(root, "plugins")
    os.makedirs(plugins)
    # Copies: collectd refuses symlinks in PluginDir.
    shutil.copy(find_plugin(build_dir), os.path.join(plugins,
                                                     "atlasperf.so"))
    for p in ("logfile", "network"):
        shutil.copy(os.path.join(SYS_PLUGINS, p + ".so"), plugins)
    ycfg = config_yaml(os.path.join(root, "atlasperf.yaml"), mock.base_url,
                       os.path.join(root, "state"))
    conf = os.path.join(root, "collectd.conf")
    with open(conf, "w") as f:
        f.write("""Hostname "grafana-test"
FQDNLookup false
BaseDir "%(root)s"
PIDFile "%(root)s/collectd.pid"
PluginDir "%(plugins)s"
TypesDB "%(types)s" "%(ours)s"
Interval 1
AutoLoadPlugin false
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File STDOUT
  Timestamp true
</Plugin>
<LoadPlugin network>
  FlushInterval 1
</LoadPlugin>
<Plugin network>
  Server "127.0.0.1" "%(port)d"
</Plugin>
LoadPlugin atlasperf
<Plugin atlasperf>
  ConfigFile "%(yaml)s"
  Interval 1
</Plugin>
""" % {"root": root, "plugins": plugins, "types": COLLECTD_TYPES_DB,
       "ours": ATLASPERF_DB, "port": influx.udp_port, "yaml": ycfg})
    logpath = os.path.join(root, "collectd.log")
    mock.control(now=fx.t_end - 20 * 60)
    with open(logpath, "ab") as lf:
        p = subprocess.Popen(["collectd", "-f", "-C", conf],
                             stdin=subprocess.DEVNULL, stdout=lf,
                             stderr=subprocess.STDOUT, cwd=root)
    children.append(p)
    try:
        time.sleep(2.5)
        mock.control(now=fx.t_end + 120)
        time.sleep(3.5)
    finally:
        rc = procs.stop_process(p, 10)
        mock.stop()
    with open(logpath, errors="replace") as f:
        text = f.read()
    log("collectd: exit %s, %d log lines" % (rc, len(text.splitlines())))
    return fx, {"exit": rc, "log": text}

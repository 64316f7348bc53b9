# SPDX-License-Identifier: MIT
"""A strict reader of InfluxDB line protocol, for tests.

Independent of the C encoder on purpose: it follows the escaping rules of
the InfluxDB reference (measurement: comma and space; tag keys, tag values
and field keys: comma, equals and space; string fields: quote and
backslash) and raises ValueError on anything it cannot read.
"""


class Point:
    def __init__(self, name, tags, fields, time_ns):
        self.name = name
        self.tags = tags
        self.fields = fields
        self.time_ns = time_ns

    def __repr__(self):
        return "Point(%r, %r, %r, %r)" % (self.name, self.tags, self.fields,
                                          self.time_ns)


def _split_unescaped(s, sep, escapable):
    """Splits s on unescaped sep; returns the unescaped parts."""
    parts, cur, i = [], [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] in escapable + "\\":
            cur.append(s[i + 1])
            i += 2
            continue
        if c == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def _find_unescaped_space(s, start, in_fields):
    i, in_str = start, False
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if in_fields and c == '"':
            in_str = not in_str
        elif c == " " and not in_str:
            return i
        i += 1
    return -1


def _field_value(v):
    if v.startswith('"'):
        if not v.endswith('"') or len(v) < 2:
            raise ValueError("bad string field %r" % v)
        out, i, body = [], 0, v[1:-1]
        while i < len(body):
            if body[i] == "\\" and i + 1 < len(body) and body[i + 1] in '"\\':
                out.append(body[i + 1])
                i += 2
            else:
                out.append(body[i])
                i += 1
        return "".join(out)
    if v.endswith("i"):
        return int(v[:-1])
    if v in ("t", "T", "true", "True", "TRUE"):
        return True
    if v in ("f", "F", "false", "False", "FALSE"):
        return False
    f = float(v)
    if f != f or f in (float("inf"), float("-inf")):
        raise ValueError("NaN/Inf field %r" % v)
    return f


def _split_fields(s):
    """Splits the field set on commas outside quoted strings."""
    parts, cur, i, in_str = [], [], 0, False
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            cur.append(s[i:i + 2])
            i += 2
            continue
        if c == '"':
            in_str = not in_str
        if c == "," and not in_str:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def parse_line(line):
    """Parses one line (without its newline) into a Point."""
    sp1 = _find_unescaped_space(line, 0, False)
    if sp1 < 0:
        raise ValueError("no field set: %r" % line)
    sp2 = _find_unescaped_space(line, sp1 + 1, True)
    if sp2 < 0:
        raise ValueError("no timestamp: %r" % line)
    key, fieldset, ts = line[:sp1], line[sp1 + 1:sp2], line[sp2 + 1:]
    # Split the series key on unescaped commas, keeping the escapes for
    # the per-element unescaping below.
    tags = {}
    i, depth_parts, cur = 0, [], []
    while i < len(key):
        if key[i] == "\\" and i + 1 < len(key):
            cur.append(key[i:i + 2])
            i += 2
            continue
        if key[i] == ",":
            depth_parts.append("".join(cur))
            cur = []
        else:
            cur.append(key[i])
        i += 1
    depth_parts.append("".join(cur))
    name = _split_unescaped(depth_parts[0], "\0", ", ")[0]
    raw_tags = depth_parts[1:]
    for t in raw_tags:
        kv = _split_unescaped(t, "=", ",= ")
        if len(kv) != 2 or not kv[0] or not kv[1]:
            raise ValueError("bad tag %r in %r" % (t, line))
        tags[kv[0]] = kv[1]
    fields = {}
    for f in _split_fields(fieldset):
        # split on the first unescaped '='
        j, k = 0, -1
        while j < len(f):
            if f[j] == "\\":
                j += 2
                continue
            if f[j] == "=":
                k = j
                break
            j += 1
        if k <= 0:
            raise ValueError("bad field %r in %r" % (f, line))
        fkey = _split_unescaped(f[:k], "\0", ",= ")[0]
        fields[fkey] = _field_value(f[k + 1:])
    if not fields:
        raise ValueError("no fields: %r" % line)
    return Point(name, tags, fields, int(ts))


def parse(text):
    """Parses a whole line-protocol document into a list of Points."""
    return [parse_line(l) for l in text.splitlines() if l and l[0] != "#"]

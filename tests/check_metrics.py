#!/usr/bin/env python3
"""Strict check of a Prometheus text exposition (format 0.0.4) on stdin.

Every sample belongs to a family announced by # HELP and # TYPE before it;
names and labels are well formed; counters end in _total; histograms have
cumulative buckets ending in le="+Inf" equal to _count.  Prints the
problems and exits 1, or prints "ok N samples" and exits 0."""
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
SAMPLE = re.compile(r"^(%s)(\{%s(?:,%s)*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$"
                    % (NAME, LABEL, LABEL))
errors = []
types, helps = {}, {}
buckets = {}
counts = {}
n = 0
for ln, line in enumerate(sys.stdin.read().split("\n"), 1):
    if line == "":
        continue
    if line.startswith("# HELP "):
        parts = line.split(" ", 3)
        if len(parts) < 4 or not re.match("^%s$" % NAME, parts[2]):
            errors.append("%d: bad HELP" % ln)
        helps[parts[2]] = True
        continue
    if line.startswith("# TYPE "):
        parts = line.split(" ")
        if len(parts) != 4 or parts[3] not in ("counter", "gauge",
                                               "histogram", "summary",
                                               "untyped"):
            errors.append("%d: bad TYPE" % ln)
            continue
        if parts[2] in types:
            errors.append("%d: %s typed twice" % (ln, parts[2]))
        types[parts[2]] = parts[3]
        continue
    if line.startswith("#"):
        continue
    m = SAMPLE.match(line)
    if not m:
        errors.append("%d: bad sample: %s" % (ln, line))
        continue
    n += 1
    name, labels, value = m.group(1), m.group(2) or "", m.group(3)
    family = re.sub(r"_(bucket|sum|count)$", "", name)
    fam = name if name in types else family
    if fam not in types or fam not in helps:
        errors.append("%d: %s has no HELP/TYPE before it" % (ln, name))
        continue
    if not name.startswith("poolserve_"):
        errors.append("%d: %s lacks the poolserve_ prefix" % (ln, name))
    if types[fam] == "counter" and not name.endswith("_total"):
        errors.append("%d: counter %s does not end in _total" % (ln, name))
    if types[fam] == "histogram":
        key = re.sub(r',?le="[^"]*"', "", labels)
        if name.endswith("_bucket"):
            le = re.search(r'le="([^"]*)"', labels)
            if not le:
                errors.append("%d: bucket without le" % ln)
                continue
            buckets.setdefault((fam, key), []).append(
                (float("inf") if le.group(1) == "+Inf" else float(le.group(1)),
                 float(value)))
        elif name.endswith("_count"):
            counts[(fam, key)] = float(value)
for k, bs in buckets.items():
    les = [b[0] for b in bs]
    vals = [b[1] for b in bs]
    if les != sorted(les) or les[-1] != float("inf"):
        errors.append("%s: buckets not in order or no +Inf" % (k,))
    if vals != sorted(vals):
        errors.append("%s: buckets not cumulative" % (k,))
    if counts.get(k) != vals[-1]:
        errors.append("%s: +Inf bucket %s != _count %s" % (k, vals[-1],
                                                          counts.get(k)))
if errors:
    print("\n".join(errors))
    sys.exit(1)
print("ok %d samples" % n)

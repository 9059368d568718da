#!/usr/bin/env python3
"""Show that the fuzzing harnesses can fail: each mutant below deletes or
breaks one check of the code a harness covers, in a scratch copy of the
sources (never in the tree); the harness is built with clang libFuzzer
and ASan + UBSan and run for at most SECONDS over its committed corpus
(or --corpus DIR).  A mutant that runs the whole time without a failure
survived: the harness cannot see that check.

  fuzz/mutants.py [--seconds 60] [--corpus DIR] BUILDDIR [MUTANT...]

BUILDDIR is a configured tree (its config.h is used).  Prints one line
per mutant: executions and seconds to the failure and the check that
failed.  Exits 1 when a mutant survived.  Uses one core at a time.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time


def cut(start, end):
    """Delete from start up to (not including) end."""
    return ("cut", start, end)


def sub(old, new):
    return ("sub", old, new)


# name: (file, harness, change)
MUTANTS = {
    # http_check(): the checks request_check once could not see
    "framing": ("src/http.c", "request_check",
                cut("\t/* Message framing (RFC 9112 6). */",
                    "\tif (fs.expect.n > 1 ||")),
    "expect": ("src/http.c", "request_check",
               cut("\tif (fs.expect.n > 1 ||", "\treturn 0;\n}")),
    "host_syntax": ("src/http.c", "request_check",
                    cut("\tif (fs.host.n == 1 &&\n", "\t/* Message framing")),
    "field_ctl": ("src/http.c", "request_check",
                  cut("\tfor (v = value; *v != '\\0'; v++)\n",
                      "\tif (fs->bad)\n")),
    "max_414": ("src/http.c", "request_check",
                cut("\tif (line > h->max_header_size) {",
                    "\tif (size > h->max_header_size) {")),
    "max_431": ("src/http.c", "request_check",
                cut("\tif (size > h->max_header_size) {",
                    "\tif (!http_target_chars(t)) {")),
    "line_layout": ("src/http.c", "request_check",
                    cut("\tif (version != method + strlen(method)",
                        "\t/* A method is a token;")),
    # json_valid(): a validator that refuses every \u escape
    "json_u": ("src/json.c", "json",
               sub("\tcase 'u':\n", "\tcase 'u':\n\t\treturn -1;\n")),
    # the lab
    "lab_echo_any": ("src/app_lab.c", "lab",
                     sub("if (json_valid(body, len) == -1)", "if (0)")),
    "lab_200_any_method": ("src/app_lab.c", "lab",
                           sub("\tif (!get)\n\t\treturn lab_not_allowed(r, "
                               "get_allow);", "")),
    "lab_405_no_allow": ("src/app_lab.c", "lab",
                         sub('\tif (poolserve_add_header(r, "Allow", allow) '
                             '== -1)\n\t\treturn -1;\n\treturn '
                             'poolserve_respondf(r, 405',
                             "\treturn poolserve_respondf(r, 405")),
    # the request path (src/request.c)
    "req_cl_413": ("src/request.c", "request",
                   sub("\tif (cl != NULL && config_number(cl, 0, ~0ULL, &len)"
                       " == 0 &&\n\t    len > w->cfg->max_body_size)",
                       "\tif (0)")),
    "req_growth": ("src/request.c", "request",
                   sub("\t\twhile (cap < r->body_len + len)\n\t\t\tcap *= 2;",
                       "\t\tif (cap < r->body_len + len)\n\t\t\tcap *= 2;")),
    "req_limit_off_by_one": ("src/request.c", "request",
                             sub("len > w->cfg->max_body_size - r->body_len",
                                 "len >= w->cfg->max_body_size - "
                                 "r->body_len")),
    "req_no_discard": ("src/request.c", "request",
                       sub("\t\tif (r->body_len - w->cfg->max_body_size > "
                           "BODY_DISCARD_MAX) {", "\t\tif (0) {")),
    "req_tags": ("src/request.c", "request",
                 sub("\t\t\tif (*s == '<' && (e = strchr(s, '>')) != NULL)\n"
                     "\t\t\t\ts = e;\n\t\t\telse if",
                     "\t\t\tif (0)\n\t\t\t\t;\n\t\t\telse if")),
    "req_sum_header": ("src/request.c", "request",
                       sub("s->bytes += strlen(key) + (value != NULL ? "
                           "strlen(value) : 0);", "s->bytes += strlen(key);")),
    # the stats server's handler
    "stats_any_method": ("src/stats_http.c", "stats_http",
                         sub('if (strcmp(method, "GET") != 0 && '
                             'strcmp(method, "HEAD") != 0) {', "if (0) {")),
    "stats_upload_kept": ("src/stats_http.c", "stats_http",
                          sub("\tif (*upload_data_size != 0) {\n"
                              "\t\t*upload_data_size = 0;",
                              "\tif (*upload_data_size != 0) {")),
    "stats_json_raw_esc": ("src/buf.c", "stats_http",
                           sub("buf_json_string(struct buf *b, const char *s)"
                               "\n{\n\tunsigned char\t c;\n",
                               "buf_json_string(struct buf *b, const char *s)"
                               "\n{\n\tunsigned char\t c;\n\n"
                               "\tif (strchr(s, 0x1b) != NULL) {\n"
                               "\t\tbuf_printf(b, \"\\\"%s\\\"\", s);\n"
                               "\t\treturn;\n\t}\n")),
    # poolserve-stat: --json as it was, the server's bytes in strings raw
    "stat_json_raw": ("stat/view.c", "stat_run",
                      sub("\t\tif (p[i] >= 0x20 && p[i] < 0x7f) {\n",
                          "\t\tif (p[i] >= 0x20) {\n")),
}


def sources(srcdir):
    """fuzz/fuzz.am: each harness's sources and whether it links MHD."""
    am = open(os.path.join(srcdir, "fuzz", "fuzz.am")).read()
    srcs = {}
    for m in re.finditer(r"^fuzz_replay_(\w+)_SOURCES = (.*)$", am, re.M):
        srcs[m.group(1)] = [f for f in m.group(2).split()
                            if not f.startswith("$(") and
                            not f.endswith(".h") and f != "fuzz/replay.c"]
    mhd = set(re.findall(r"^fuzz_replay_(\w+)_LDADD.*MHD_LIBS", am, re.M))
    return srcs, mhd


def mutate(text, change):
    kind, a, b = change
    if kind == "cut":
        i = text.index(a)
        return text[:i] + text[text.index(b, i + 1):]
    if a not in text:
        raise ValueError("mutant does not apply: %r" % a[:60])
    return text.replace(a, b, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--corpus")
    ap.add_argument("builddir")
    ap.add_argument("mutants", nargs="*")
    args = ap.parse_args()
    top = os.path.abspath(args.builddir)
    srcs, mhd = sources(top)
    names = args.mutants or list(MUTANTS)
    survived = False
    for name in names:
        path, harness, change = MUTANTS[name]
        with tempfile.TemporaryDirectory(prefix="poolserve-mutant-") as d:
            for sub_dir in ("src", "stat", "include", "fuzz"):
                shutil.copytree(os.path.join(top, sub_dir),
                                os.path.join(d, sub_dir),
                                ignore=shutil.ignore_patterns(
                                    "*.o", "bin", "work", "logs",
                                    "replay_*"))
            shutil.copy(os.path.join(top, "config.h"), d)
            f = os.path.join(d, path)
            text = open(f).read()
            open(f, "w").write(mutate(text, change))
            binary = os.path.join(d, "harness")
            cmd = ["clang", "-g", "-O1", "-fsanitize=fuzzer,address,undefined",
                   "-fno-sanitize-recover=all", "-DHAVE_CONFIG_H", "-I" + d,
                   "-I" + d + "/src", "-I" + d + "/include", "-o", binary]
            cmd += [os.path.join(d, s) for s in srcs[harness]]
            cmd += (["-lmicrohttpd"] if harness in mhd else []) + ["-pthread"]
            subprocess.run(cmd, check=True)
            work = os.path.join(d, "work")
            os.mkdir(work)
            corpus = args.corpus or os.path.join(top, "fuzz", "corpus",
                                                 harness)
            run = [binary, "-max_total_time=%d" % args.seconds,
                   "-max_len=8192", "-print_final_stats=1",
                   "-artifact_prefix=%s/" % work]
            dic = os.path.join(top, "fuzz", "dict", harness + ".dict")
            if os.path.exists(dic):
                run.append("-dict=" + dic)
            t0 = time.monotonic()
            p = subprocess.run(run + [work, corpus], capture_output=True,
                               text=True, errors="replace")
            dt = time.monotonic() - t0
        execs = re.findall(r"stat::number_of_executed_units: (\d+)",
                           p.stderr)
        why = re.findall(r"assertion failed: .*|ERROR: \w+Sanitizer: [\w-]+"
                         r"|runtime error: .*", p.stderr)
        if p.returncode == 0:
            survived = True
        print("%-22s %-14s %s %10s executions %6.1f s  %s" % (
            name, harness, "killed  " if p.returncode else "SURVIVED",
            execs[-1] if execs else "?", dt,
            why[0][:90] if why else ""), flush=True)
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())

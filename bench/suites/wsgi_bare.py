"""The memory floor of a Flask worker, for bench/suites/wsgi.sh: the
application alone in a bare python3 process, no server around it.

    python3 wsgi_bare.py APPDIR MODULE:CALLABLE THREADS HELLOS SLEEPS [P]

imports the application, calls it HELLOS times on GET / and SLEEPS times
on GET /sleep/0.2 from THREADS threads at once (the requests one worker
of the server gets in the memory warm-up), and prints "RSS ANON" in kB:
VmRSS and the process's anonymous memory (Pss_Anon: every anonymous
page is its own, nothing is shared).  Any server's worker holds at least
this: the interpreter, the application and what its requests leave.

With P, the floor of an application imported before fork: this process
imports it, collects and freezes what it holds (gc.collect(), gc.freeze(),
so that no collection in a child writes to the inherited objects), forks
P children that each make those calls, and prints "RSS PSS" in kB summed
over itself and the children, measured while they all still live.
"""

import gc
import importlib
import io
import os
import sys
import threading


def call(app, path):
    environ = {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path,
        "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000",
        "HTTP_HOST": "127.0.0.1:8080", "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True,
        "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    status = []
    body = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
    if not status or not status[0].startswith("200"):
        sys.exit("%s: %s" % (path, status))
    return body


def memory(pid):
    """(VmRSS, Pss) of pid, in kB."""
    rss = pss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def preload(app, threads, hellos, sleeps, procs):
    """The children's calls, each in its own; "RSS PSS" of all."""
    gc.collect()
    gc.freeze()
    done_r, done_w = os.pipe()
    hold_r, hold_w = os.pipe()
    pids = []
    for _ in range(procs):
        pid = os.fork()
        if pid == 0:
            os.close(done_r)
            os.close(hold_w)
            work(app, threads, hellos, sleeps)
            os.write(done_w, b".")
            os.read(hold_r, 1)      # until the parent has measured
            os._exit(0)
        pids.append(pid)
    os.close(done_w)
    os.close(hold_r)
    got = 0
    while got < procs:
        b = os.read(done_r, procs)
        if not b:
            sys.exit("a child died before its calls were done")
        got += len(b)
    rss = pss = 0
    for pid in [os.getpid()] + pids:
        r, p = memory(pid)
        rss += r
        pss += p
    os.close(hold_w)
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        if status != 0:
            sys.exit("a child failed: status %d" % status)
    print(rss, pss)


def work(app, threads, hellos, sleeps):
    """HELLOS calls of /, then SLEEPS of /sleep/0.2 from THREADS threads."""
    for _ in range(hellos):
        call(app, "/")
    share = [sleeps // threads] * threads
    for i in range(sleeps % threads):
        share[i] += 1
    pool = [threading.Thread(target=lambda n=n: [call(app, "/sleep/0.2")
                                                 for _ in range(n)])
            for n in share]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


def main():
    appdir, spec = sys.argv[1:3]
    threads, hellos, sleeps = (int(a) for a in sys.argv[3:6])
    sys.path.insert(0, appdir)
    module, _, name = spec.partition(":")
    app = getattr(importlib.import_module(module), name or "application")
    if len(sys.argv) > 6:
        preload(app, threads, hellos, sleeps, int(sys.argv[6]))
        return
    work(app, threads, hellos, sleeps)
    rss = anon = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss_Anon:"):
                anon = int(line.split()[1])
    print(rss, anon)


main()

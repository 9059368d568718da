"""The memory floor of a Flask worker, for bench/suites/wsgi.sh: the
application alone in a bare python3 process, no server around it.

    python3 wsgi_bare.py APPDIR MODULE:CALLABLE THREADS HELLOS SLEEPS

imports the application, calls it HELLOS times on GET / and SLEEPS times
on GET /sleep/0.2 from THREADS threads at once (the requests one worker
of the server gets in the memory warm-up), and prints "RSS ANON" in kB:
VmRSS and the process's anonymous memory (Pss_Anon: every anonymous
page is its own, nothing is shared).  Any server's worker holds at least
this: the interpreter, the application and what its requests leave.
"""

import importlib
import io
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


def main():
    appdir, spec, threads, hellos, sleeps = sys.argv[1:6]
    sys.path.insert(0, appdir)
    module, _, name = spec.partition(":")
    app = getattr(importlib.import_module(module), name or "application")
    for _ in range(int(hellos)):
        call(app, "/")
    work = [int(sleeps) // int(threads)] * int(threads)
    for i in range(int(sleeps) % int(threads)):
        work[i] += 1
    pool = [threading.Thread(target=lambda n=n: [call(app, "/sleep/0.2")
                                                 for _ in range(n)])
            for n in work]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
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

"""The test suite's one raw HTTP/1.1 client: connect, send bytes as they
are (malformed on purpose, if need be), read responses.  Standard library
only.  Used by tests/client.py, tests/rawclient.py, the scenarios written
inline in tests/*.sh (lib.sh puts this directory on PYTHONPATH) and
bench/soak/soak.py.

  s = httpc.connect(port)             a blocking socket to 127.0.0.1
  s.sendall(httpc.request("/x"))      GET /x HTTP/1.1, Host: x
  r = httpc.read_response(s)          one Response, or None at EOF
  r = httpc.exchange(port, data)      connect, send, read one, close
  b = httpc.send_all(port, data)      connect, send, read all until EOF, close
  httpc.parse_all(buf, head=False)    every complete response in bytes
"""
import socket
import struct

NO_BODY = (204, 304)


def connect(port, timeout=10, host="127.0.0.1"):
    """A blocking TCP connection to host:port with a timeout."""
    return socket.create_connection((host, port), timeout=timeout)


def request(path, method="GET", headers=(), body=b"", host="x",
            version="HTTP/1.1"):
    """The bytes of a request; headers are (name, value) pairs or bytes
    lines.  Content-Length is added for a body unless given."""
    if isinstance(path, str):
        path = path.encode("latin-1")
    out = b"%s %s %s\r\n" % (method.encode(), path, version.encode())
    if host is not None:
        out += b"Host: %s\r\n" % host.encode()
    names = []
    for h in headers:
        if isinstance(h, bytes):
            out += h + b"\r\n"
            names.append(h.split(b":")[0].strip().lower())
        else:
            out += ("%s: %s\r\n" % h).encode("latin-1")
            names.append(h[0].lower().encode())
    if body and b"content-length" not in names and \
            b"transfer-encoding" not in names:
        out += b"Content-Length: %d\r\n" % len(body)
    return out + b"\r\n" + body


def reset(s):
    """Close s with a reset (SO_LINGER 0) instead of a FIN."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


class Response:
    """One response, read incrementally: feed() bytes until it returns the
    bytes after the response (possibly b"") instead of None.  A body is
    framed by Content-Length, chunked coding, or (with eof()) the close;
    a response to HEAD, a 1xx, 204 or 304 has none."""

    def __init__(self, head_request=False):
        self.buf = b""
        self.head_request = head_request
        self.status = None
        self.line = None        # the status line
        self.head = None        # status line and fields, as text
        self.headers = {}       # lower-case name: the last value
        self.body = None

    def _framing(self):
        if self.head_request or self.status in NO_BODY or \
                100 <= self.status < 200:
            return "none", 0
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return "chunked", None
        if "content-length" in self.headers:
            return "length", int(self.headers["content-length"])
        return "close", None

    def feed(self, data):
        """Add bytes; the leftover bytes once complete, else None."""
        self.buf += data
        if self.status is None:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return None
            self.head = self.buf[:end].decode("latin-1")
            self.buf = self.buf[end + 4:]
            lines = self.head.split("\r\n")
            self.line = lines[0]
            parts = self.line.split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/") or \
                    not parts[1].isdigit():
                raise ValueError("bad status line %r" % self.line)
            self.status = int(parts[1])
            for line in lines[1:]:
                k, _, v = line.partition(":")
                self.headers[k.strip().lower()] = v.strip()
        how, n = self._framing()
        if how in ("none", "length"):
            if len(self.buf) < n:
                return None
            self.body, rest = self.buf[:n], self.buf[n:]
            return rest
        if how == "chunked":
            return self._dechunk()
        return None             # to the close: see eof()

    def _dechunk(self):
        body, i = b"", 0
        while True:
            eol = self.buf.find(b"\r\n", i)
            if eol < 0:
                return None
            size = int(self.buf[i:eol].split(b";")[0], 16)
            i = eol + 2
            if size == 0:
                break
            if len(self.buf) < i + size + 2:
                return None
            body += self.buf[i:i + size]
            i += size + 2
        while True:             # trailer fields, then an empty line
            eol = self.buf.find(b"\r\n", i)
            if eol < 0:
                return None
            if eol == i:
                break
            i = eol + 2
        self.body = body
        return self.buf[eol + 2:]

    def eof(self):
        """The connection closed: True when that completes the response."""
        if self.status is None or self._framing()[0] != "close":
            return self.body is not None
        self.body = self.buf
        return True


def read_response(s, head_request=False, rest=b""):
    """One response from socket s (rest: bytes already read after the one
    before); None when the connection closes or resets first.  The bytes
    after it are in the response's .rest."""
    r = Response(head_request)
    left = r.feed(rest) if rest else None
    while left is None:
        try:
            data = s.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            return r if r.eof() else None
        left = r.feed(data)
    r.rest = left
    return r


def exchange(port, data, timeout=10, head_request=False):
    """Connect, send data, read one response, close: the Response or
    None."""
    s = connect(port, timeout)
    try:
        s.sendall(data)
        return read_response(s, head_request)
    finally:
        s.close()


def send_all(port, data, timeout=10, shut=False):
    """Connect, send data (then shut the sending side if asked), read
    until the server closes or an error, close: the bytes received."""
    s = connect(port, timeout)
    s.sendall(data)
    if shut:
        s.shutdown(socket.SHUT_WR)
    out = b""
    try:
        while True:
            d = s.recv(4096)
            if not d:
                break
            out += d
    except OSError:
        pass
    s.close()
    return out


def parse_all(buf, head_request=False, eof=False):
    """The complete responses in buf (eof: the connection has closed after
    it): a list of Responses, and whether the last bytes are an incomplete
    response."""
    out = []
    while buf:
        r = Response(head_request)
        rest = r.feed(buf)
        if rest is None:
            if eof and r.eof():
                out.append(r)
                return out, False
            return out, True
        out.append(r)
        buf = rest
    return out, False

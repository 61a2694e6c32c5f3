#!/usr/bin/env python3
"""Run every socket guest on the Python stand-in WasmEdge host (wasmedge_pyhost.py).

Usage: smoke_pyhost.py [WASM_DIR [C_WASM_DIR]]
  WASM_DIR    the Rust guests (default /work/targets/guests/wasm32-wasip1/release)
  C_WASM_DIR  optional: select_server.wasm from guests/c/build.sh

This checks the guests' own logic and their use of the ABI before fdvirt exists; it is not a
test of fdvirt. Every guest runs in a subprocess that is killed at the end; every client
operation has a timeout. Exits non-zero on any failure.
"""
import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time

from smoke_wasmtime import check, free_port, read_response, request

HERE = os.path.dirname(os.path.abspath(__file__))
PYHOST = os.path.join(HERE, "wasmedge_pyhost.py")
OK = True


def ok(name: str, cond: bool, detail: str = "") -> None:
    global OK
    OK &= check(name, cond, detail)


@contextlib.contextmanager
def guest(wasm, *args, host_args=(), probe=None):
    """Runs wasm on the stand-in host; waits until `probe` (host, port) accepts."""
    cmd = [sys.executable, PYHOST, *host_args, wasm, *args]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if probe:
            end = time.time() + 30
            while True:
                try:
                    socket.create_connection(probe, timeout=2).close()
                    break
                except OSError:
                    if time.time() > end or p.poll() is not None:
                        raise RuntimeError(f"{wasm} did not start: {p.poll()}")
                    time.sleep(0.2)
        yield p
    finally:
        if p.poll() is None:
            p.kill()
        out, err = p.communicate(timeout=10)
        p.output = out + err


def conn(host, port, retry_for: float = 0.0):
    """Connects with a 10 s timeout, retrying refused connects for `retry_for` seconds
    (a pre-opened listener appears only once the stand-in host has compiled the module)."""
    end = time.time() + retry_for
    while True:
        try:
            s = socket.create_connection((host, port), timeout=10)
            s.settimeout(10)
            return s
        except ConnectionRefusedError:
            if time.time() > end:
                raise
            time.sleep(0.2)


def test_echo(d):
    for bind, connect_to in (("127.0.0.1", ["127.0.0.1"]), ("[::1]", ["::1"]),
                             ("[::]", ["::1", "127.0.0.1"])):
        port = free_port()
        with guest(f"{d}/wasmedge-echo.wasm", f"{bind}:{port}", probe=(connect_to[0], port)):
            for h in connect_to:
                with conn(h, port) as s:
                    s.sendall(b"hello")
                    ok(f"echo bound to {bind}, client via {h}", s.recv(100) == b"hello")
            if bind == "127.0.0.1":
                socks = [conn("127.0.0.1", port) for _ in range(8)]
                good = 0
                for i in range(20):
                    for s in socks:
                        s.sendall(b"x" * 64)
                    for s in socks:
                        data = b""
                        while len(data) < 64:
                            data += s.recv(64 - len(data))
                        good += data == b"x" * 64
                ok("echo 8 concurrent connections x 20 messages of 64 B", good == 160, str(good))
                big = os.urandom(16384)
                s = socks[0]
                s.sendall(big)
                data = b""
                while len(data) < len(big):
                    data += s.recv(65536)
                ok("echo 16 KiB message", data == big)
                for s in socks:
                    s.close()


def test_http(d, name, marker, host_args=(), args_fn=None):
    port = free_port()
    args = args_fn(port) if args_fn else [f"127.0.0.1:{port}"]
    with guest(f"{d}/{name}.wasm", *args, host_args=host_args, probe=("127.0.0.1", port)) as p:
        with conn("127.0.0.1", port) as s:
            good = sum(marker in request(s) for _ in range(50))
            ok(f"{name}: 50 keep-alive requests on one connection", good == 50, str(good))
        socks = [conn("127.0.0.1", port) for _ in range(16)]
        good = 0
        for _ in range(5):
            for s in socks:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            for s in socks:
                good += marker in read_response(s)
        for s in socks:
            s.close()
        ok(f"{name}: 16 concurrent connections x 5 requests", good == 80, str(good))
        ok(f"{name}: still running", p.poll() is None)


def test_poll(d):
    port = free_port()
    with guest(f"{d}/wasmedge-poll.wasm", f"127.0.0.1:{port}", probe=("127.0.0.1", port)) as p:
        with conn("127.0.0.1", port) as s:
            hello = s.recv(100)
            s.sendall(b"abc")
            ack = s.recv(100)
        ok("poll: greeting", hello == b"Hello world!\n", repr(hello))
        ok("poll: data acknowledged", ack == b"ok 3\n", repr(ack))
        time.sleep(0.3)
    ok("poll: data printed", re.search(r"conn\[\d+\]: abc", p.output) is not None)


def test_udp(d):
    for order, expect in (("host", True), ("network", False)):
        port = free_port()
        with guest(f"{d}/wasmedge-udp-echo.wasm", f"127.0.0.1:{port}",
                   host_args=("--port-order", order)):
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.settimeout(1)
            got = None
            for _ in range(15):  # the guest needs a moment to start
                u.sendto(b"ping", ("127.0.0.1", port))
                try:
                    got = u.recvfrom(100)[0]
                    break
                except socket.timeout:
                    pass
            u.close()
        ok(f"udp echo with the sender port written in {order} order: reply "
           f"{'arrives' if expect else 'lost (SDK reads it unswapped, spec 6.9)'}",
           (got == b"ping") == expect, repr(got))


def test_dns(d):
    r = subprocess.run([sys.executable, PYHOST, f"{d}/wasmedge-dns.wasm", "localhost", "http"],
                       capture_output=True, text=True, timeout=60)
    ok("dns: localhost:http resolves to 127.0.0.1:80", "127.0.0.1:80" in r.stdout
       and r.returncode == 0, r.stdout.strip().replace("\n", " | "))


def test_client(d):
    srv = socket.create_server(("127.0.0.1", 0))
    port = srv.getsockname()[1]

    def serve():
        c, _ = srv.accept()
        data = b""
        while chunk := c.recv(100):
            data += chunk
        c.sendall(data[::-1])
        c.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    r = subprocess.run([sys.executable, PYHOST, f"{d}/wasmedge-client.wasm",
                        f"127.0.0.1:{port}", "hello"], capture_output=True, text=True, timeout=60)
    srv.close()
    ok("client: sends, half-closes, prints reply", "reply: olleh" in r.stdout and r.returncode == 0,
       r.stdout.strip().replace("\n", " | "))


def test_addrs(d):
    port = free_port()
    with guest(f"{d}/wasmedge-addrs.wasm", f"[::]:{port}", probe=("::1", port)):
        for h in ("::1", "127.0.0.1"):
            with conn(h, port) as s:
                me = s.getsockname()
                line = s.recv(400).decode()
            want_peer = f"[::1]:{me[1]}" if h == "::1" else f"[::ffff:127.0.0.1]:{me[1]}"
            want_local = f"[::1]:{port}" if h == "::1" else f"[::ffff:127.0.0.1]:{port}"
            good = all(f"{k}={want_peer}" in line for k in ("peer_v1", "peer_v2")) and all(
                f"{k}={want_local}" in line for k in ("local_v1", "local_v2"))
            ok(f"addrs on [::] via {h}: V1 and V2 local/peer", good, line.strip())


def test_accept_forms(d):
    port = free_port()
    for name, marker in (("accept-legacy", b"2-arg"), ("accept-std", b"3-arg")):
        with guest(f"{d}/{name}.wasm", "3", "1",
                   host_args=("--tcplisten", f"127.0.0.1:{port}")) as p:
            with conn("127.0.0.1", port, retry_for=30) as s:
                resp = request(s, close=True)
            p.wait(timeout=30)
        ok(f"{name} served by the same host (dispatch by signature), exit 0",
           marker in resp and p.returncode == 0, repr(resp[-45:]))


def test_select(c_dir):
    for fds, env, expect_all in (("lowest", [], True), ("random", ["FD_OVERFLOW=close"], False)):
        port = free_port()
        host_args = ["--fds", fds, "--tcplisten", f"127.0.0.1:{port}"]
        for kv in env:
            host_args += ["--env", kv]
        with guest(f"{c_dir}/select_server.wasm", host_args=host_args):
            conn("127.0.0.1", port, retry_for=30).close()
            served = 0
            for _ in range(20):
                try:
                    with conn("127.0.0.1", port) as s:
                        served += b"select() C guest" in request(s, close=True)
                except OSError:
                    pass
        detail = f"served {served}/20"
        if expect_all:
            ok("select_server, lowest fds: every request served", served == 20, detail)
        else:
            ok("select_server, random fds: connections lost (fd >= FD_SETSIZE)", served < 5, detail)


def test_wasmedge_c(c_dir):
    for bind, clients in (("127.0.0.1", ["127.0.0.1"]), ("::", ["::1", "127.0.0.1"])):
        port = free_port()
        with guest(f"{c_dir}/wasmedge_server.wasm", bind, str(port),
                   probe=(clients[0], port)) as p:
            for h in clients:
                with conn(h, port) as s:
                    resp = request(s, close=True)
                ok(f"wasmedge_server (C, sock_open/bind shim) on {bind} via {h}",
                   b"Hello from the C WasmEdge-ABI guest" in resp, repr(resp[-30:]))
        ok(f"wasmedge_server reports its bound address {bind}",
           f"listening on {bind} port {port}" in p.output)


def main() -> int:
    d = sys.argv[1] if len(sys.argv) > 1 else "/work/targets/guests/wasm32-wasip1/release"
    test_echo(d)
    test_http(d, "wasmedge-http", b"Hello from wasmedge_wasi_socket")
    test_http(d, "hyper-hello", b"Hello from hyper_wasi")
    test_poll(d)
    test_udp(d)
    test_dns(d)
    test_client(d)
    test_addrs(d)
    test_accept_forms(d)

    # std-http needs the listener pre-opened by the host
    port = free_port()
    with guest(f"{d}/std-http.wasm", host_args=("--tcplisten", f"127.0.0.1:{port}"),
               probe=("127.0.0.1", port)):
        with conn("127.0.0.1", port) as s:
            good = sum(b"Hello from Rust std" in request(s) for _ in range(20))
        ok("std-http on a pre-opened listener: 20 keep-alive requests", good == 20, str(good))
    if len(sys.argv) > 2:
        test_select(sys.argv[2])
        test_wasmedge_c(sys.argv[2])
    print("ALL PASS" if OK else "SOME FAILED")
    return 0 if OK else 1


if __name__ == "__main__":
    sys.exit(main())

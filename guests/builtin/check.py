#!/usr/bin/env python3
"""Validate and exercise runtime-glue/guests/http_server.wat before fdvirt can run it.

Usage:
  check.py                 validate, check import signatures, run the functional test
  check.py --serve PORT    (internal) run the guest on a tiny Python host of the ABI subset

Needs `pip install wasmtime` (the Python package: wat2wasm, validation and a linker).

1. The WAT is assembled and validated (wasmtime.Module).
2. Its imports are compared, name by name, with the signatures in
   shared/spec/wasmedge-socket-abi.md §10 (and the standard preview1 calls it uses).
3. The guest is run in a subprocess whose `sock_*` host calls are implemented here with
   Python sockets (WasmEdge semantics for the subset used, random fds like WasmEdge), and
   driven over loopback: page content, counter, Content-Length, a reset peer, an idle peer
   (2 s SO_RCVTIMEO), and the PORT variable. The subprocess is always killed at the end.
"""
import os
import random
import socket
import struct
import subprocess
import sys
import time

import wasmtime

HERE = os.path.dirname(os.path.abspath(__file__))
WAT = os.path.join(HERE, "..", "..", "runtime-glue", "guests", "http_server.wat")
M = "wasi_snapshot_preview1"

# Expected imports: name -> (param count, result count); every param/result is i32.
EXPECTED = {
    "sock_open": (3, 1),        # (af, socktype, ro_fd_p)
    "sock_setsockopt": (5, 1),  # (fd, level, name, flag_p, flag_size)
    "sock_bind": (3, 1),        # (fd, addr_p, port)
    "sock_listen": (2, 1),      # (fd, backlog)
    "sock_accept": (3, 1),      # (fd, fdflags, ro_fd_p) standard = WasmEdge sock_accept_v2
    "sock_recv": (6, 1),        # (fd, ri_data_p, ri_data_len, ri_flags, ro_datalen_p, ro_flags_p)
    "sock_send": (5, 1),        # (fd, si_data_p, si_data_len, si_flags, so_datalen_p)
    "sock_shutdown": (2, 1),    # (fd, how)
    "fd_close": (1, 1),
    "fd_write": (4, 1),
    "environ_sizes_get": (2, 1),
    "environ_get": (2, 1),
    "proc_exit": (1, 0),
}


def load_module(engine: wasmtime.Engine) -> wasmtime.Module:
    with open(WAT) as f:
        return wasmtime.Module(engine, wasmtime.wat2wasm(f.read()))


def check_imports(module: wasmtime.Module) -> list:
    problems = []
    seen = set()
    for imp in module.imports:
        ty = imp.type
        if imp.module != M or not isinstance(ty, wasmtime.FuncType):
            problems.append(f"unexpected import {imp.module}.{imp.name}")
            continue
        seen.add(imp.name)
        want = EXPECTED.get(imp.name)
        got = (len(ty.params), len(ty.results))
        all_i32 = all(str(t) == "i32" for t in list(ty.params) + list(ty.results))
        if want != got or not all_i32:
            problems.append(f"{imp.name}: got {ty}, want {want} all i32")
    for name in sorted(set(EXPECTED) - seen):
        problems.append(f"missing import {name}")
    return problems


# ---------------------------------------------------------------- the stand-in host
class Host:
    """WasmEdge-ABI subset over Python sockets; fds are random like WasmEdge's."""

    def __init__(self):
        self.socks = {}

    def new_fd(self, s: socket.socket) -> int:
        while True:
            fd = random.randrange(3, 2**31)
            if fd not in self.socks:
                self.socks[fd] = s
                return fd

    @staticmethod
    def mem(caller):
        return caller.get("memory")

    def u32(self, caller, p):
        return struct.unpack("<I", bytes(self.mem(caller).read(caller, p, p + 4)))[0]

    def put(self, caller, p, fmt, v):
        self.mem(caller).write(caller, struct.pack(fmt, v), p)

    @staticmethod
    def errno(e: Exception) -> int:
        if isinstance(e, socket.timeout):
            return 6  # AGAIN
        if isinstance(e, ConnectionResetError):
            return 15
        if isinstance(e, BrokenPipeError):
            return 64
        return 29  # IO

    def sock_open(self, caller, af, ty, ro_fd):
        fam = {1: socket.AF_INET, 2: socket.AF_INET6}.get(af & 0xFF)
        kind = {1: socket.SOCK_DGRAM, 2: socket.SOCK_STREAM}.get(ty & 0xFF)
        if fam is None or kind is None:
            return 28
        self.put(caller, ro_fd, "<I", self.new_fd(socket.socket(fam, kind)))
        return 0

    def sock_setsockopt(self, caller, fd, level, name, p, size):
        s = self.socks.get(fd)
        if s is None:
            return 8
        if level != 0:
            return 28
        raw = bytes(self.mem(caller).read(caller, p, p + size))
        if name == 0 and size == 4:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, struct.unpack("<i", raw)[0])
        elif name == 11 and size == 16:
            sec, usec = struct.unpack("<qq", raw)
            s.settimeout(sec + usec / 1e6 or None)
        else:
            return 28
        return 0

    def sock_bind(self, caller, fd, addr_p, port):
        s = self.socks.get(fd)
        if s is None:
            return 8
        buf, n = self.u32(caller, addr_p), self.u32(caller, addr_p + 4)
        raw = bytes(self.mem(caller).read(caller, buf, buf + n))
        if n == 4:
            host = socket.inet_ntop(socket.AF_INET, raw)
        elif n == 16:
            host = socket.inet_ntop(socket.AF_INET6, raw)
        else:
            return 28
        try:
            s.bind((host, port & 0xFFFF))
        except OSError as e:
            return 3 if e.errno == 98 else 29
        return 0

    def sock_listen(self, caller, fd, backlog):
        s = self.socks.get(fd)
        if s is None:
            return 8
        s.listen(backlog)
        return 0

    def sock_accept(self, caller, fd, flags, ro_fd):
        s = self.socks.get(fd)
        if s is None:
            return 8
        try:
            conn, _ = s.accept()
        except OSError as e:
            return self.errno(e)
        conn.settimeout(None)
        self.put(caller, ro_fd, "<I", self.new_fd(conn))
        return 0

    def sock_recv(self, caller, fd, iov, iov_len, flags, ro_len, ro_flags):
        s = self.socks.get(fd)
        if s is None:
            return 8
        if iov_len != 1:
            return 28
        buf, n = self.u32(caller, iov), self.u32(caller, iov + 4)
        try:
            data = s.recv(n)
        except OSError as e:
            return self.errno(e)
        self.mem(caller).write(caller, data, buf)
        self.put(caller, ro_len, "<I", len(data))
        self.put(caller, ro_flags, "<H", 0)
        return 0

    def sock_send(self, caller, fd, iov, iov_len, flags, ro_len):
        s = self.socks.get(fd)
        if s is None:
            return 8
        data = b""
        for i in range(iov_len):
            buf, n = self.u32(caller, iov + 8 * i), self.u32(caller, iov + 8 * i + 4)
            data += bytes(self.mem(caller).read(caller, buf, buf + n))
        try:
            sent = s.send(data)
        except OSError as e:
            return self.errno(e)
        self.put(caller, ro_len, "<I", sent)
        return 0

    def sock_shutdown(self, caller, fd, how):
        s = self.socks.get(fd)
        if s is None:
            return 8
        try:
            s.shutdown({1: socket.SHUT_RD, 2: socket.SHUT_WR, 3: socket.SHUT_RDWR}[how])
        except (OSError, KeyError):
            return 53
        return 0

    def fd_close(self, caller, fd):
        s = self.socks.pop(fd, None)
        if s is None:
            return 8
        s.close()
        return 0


def serve(port: str) -> None:
    engine = wasmtime.Engine()
    module = load_module(engine)
    store = wasmtime.Store(engine)
    cfg = wasmtime.WasiConfig()
    cfg.env = [("PORT", port)]
    cfg.inherit_stdout()
    cfg.inherit_stderr()
    store.set_wasi(cfg)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    linker.allow_shadowing = True
    host = Host()
    i32 = wasmtime.ValType.i32()
    for name in ["sock_open", "sock_setsockopt", "sock_bind", "sock_listen", "sock_accept",
                 "sock_recv", "sock_send", "sock_shutdown", "fd_close"]:
        nparams = EXPECTED[name][0]
        ty = wasmtime.FuncType([i32] * nparams, [i32])
        linker.define_func(M, name, ty, getattr(host, name), access_caller=True)
    instance = linker.instantiate(store, module)
    try:
        instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as e:  # proc_exit: start-up failure, already reported
        sys.exit(e.code)


# ---------------------------------------------------------------- the functional test
def fetch(port: int, timeout: float = 8.0) -> tuple:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: demo\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(l.split(b":")[1]) for l in head.split(b"\r\n")
                   if l.lower().startswith(b"content-length:")), -1)
    return head, body, length


def functional_test() -> list:
    problems = []
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    p = subprocess.Popen([sys.executable, __file__, "--serve", str(port)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or p.poll() is not None:
                    raise RuntimeError("guest did not start listening")
                time.sleep(0.1)
        # the probe connection above counts as an idle peer: the guest closes it after 2 s
        for n in (1, 2, 3):
            head, body, length = fetch(port)
            if not head.startswith(b"HTTP/1.1 200 OK"):
                problems.append(f"request {n}: bad status {head[:40]!r}")
            if b"Hello from a fdvirt guest" not in body:
                problems.append(f"request {n}: greeting missing")
            if f"Request {n} served".encode() not in body:
                problems.append(f"request {n}: counter missing in {body!r}")
            if length != len(body):
                problems.append(f"request {n}: Content-Length {length} != {len(body)}")
        # a peer that resets mid-request must not stop the server
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET / HT")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        # an idle peer delays the next request by at most the 2 s receive timeout
        idle = socket.create_connection(("127.0.0.1", port))
        t0 = time.time()
        _, body, _ = fetch(port)
        waited = time.time() - t0
        idle.close()
        if b"Hello from a fdvirt guest" not in body:
            problems.append("no answer after a reset peer and an idle peer")
        if waited > 5:
            problems.append(f"idle peer stalled the server for {waited:.1f} s")
        if p.poll() is not None:
            problems.append("guest exited")
    finally:
        p.kill()
        out, err = p.communicate(timeout=10)
    if f"listening on http://127.0.0.1:{port}/" not in out:
        problems.append(f"banner missing: {out!r} {err[-300:]!r}")
    return problems


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
        return 0
    engine = wasmtime.Engine()
    module = load_module(engine)
    print(f"PASS assembled and validated ({len(wasmtime.wat2wasm(open(WAT).read()))} bytes)")
    problems = check_imports(module)
    print(("FAIL " + "; ".join(problems)) if problems else
          f"PASS {len(EXPECTED)} imports match the spec signatures")
    fproblems = functional_test()
    print(("FAIL " + "; ".join(fproblems)) if fproblems else
          "PASS functional test on the Python stand-in host")
    return 1 if problems or fproblems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A small stand-in WasmEdge socket host in Python, to run the guests before fdvirt can.

Usage:
  wasmedge_pyhost.py [--fds random|lowest] [--port-order host|network] [--env K=V]...
                     [--tcplisten HOST:PORT]... MODULE.wasm [ARGS...]

It is a test aid, not a reference implementation: the WASI core (args, env, stdio, clocks,
random, proc_exit) comes from wasmtime's `define_wasi`, and the WasmEdge socket calls of
shared/spec/wasmedge-socket-abi.md that the guests here use are implemented over Python
sockets. `poll_oneoff`, `fd_fdstat_get`, `fd_fdstat_set_flags`, `fd_read`, `fd_write` and
`fd_close` are replaced too (socket fds plus plain stdio; a Python host function cannot call
back into the WASI core's implementation, so files other than stdio are not supported).

* `sock_accept`, `sock_recv_from`, `sock_getlocaladdr` and `sock_getpeeraddr` are bound by
  the module's declared signature (V1 or V2), as WasmEdge does (spec §4.2).
* `--fds random` (default) numbers new fds like WasmEdge (uniform in [3, 2^31)); `lowest`
  uses the lowest free fd from 3.
* `--port-order host` (default) writes the `sock_recv_from_v2` sender port in host order,
  which is what the `wasmedge_wasi_socket` SDK reads; `network` reproduces WasmEdge (spec §6.9).
* `--tcplisten` pre-opens listeners at fds 3, 4, ... like Wasmtime's `-S tcplisten`.
"""
import argparse
import os
import select
import socket
import struct
import sys
import time

import wasmtime

M = "wasi_snapshot_preview1"
I32 = wasmtime.ValType.i32()
ERRNO = {  # Linux errno -> WASI errno (spec §2.1)
    1: 63, 9: 8, 11: 6, 13: 2, 22: 28, 24: 33, 32: 64, 88: 57, 95: 58, 97: 5, 98: 3,
    99: 4, 101: 40, 103: 13, 104: 15, 106: 30, 107: 53, 110: 73, 111: 14, 113: 23,
    114: 7, 115: 26,
}
EAI = {-9: 77, -3: 78, -1: 79, -4: 80, -6: 81, -10: 82, -5: 83, -2: 84, -8: 85, -7: 86, -11: 87}
RIGHTS_SOCK = 0x0000_000F_F800_004A


def wasi_errno(e: Exception) -> int:
    if isinstance(e, socket.timeout):
        return 6
    if isinstance(e, socket.gaierror):
        return EAI.get(e.errno, 80)
    if isinstance(e, OSError) and e.errno is not None:
        return ERRNO.get(e.errno, 29)
    return 29


class Host:
    def __init__(self, fds: str, port_order: str):
        self.socks = {}
        self.nonblocking = set()
        self.fds = fds
        self.port_order = port_order

    # ---- helpers
    def new_fd(self, s: socket.socket) -> int:
        if self.fds == "lowest":
            fd = 3
            while fd in self.socks:
                fd += 1
        else:
            fd = int.from_bytes(os.urandom(4), "little") % (2**31 - 3) + 3
            while fd in self.socks:
                fd = int.from_bytes(os.urandom(4), "little") % (2**31 - 3) + 3
        self.socks[fd] = s
        return fd

    @staticmethod
    def rd(c, p, n) -> bytes:
        return bytes(c.get("memory").read(c, p, p + n))

    @staticmethod
    def wr(c, p, data: bytes) -> None:
        c.get("memory").write(c, data, p)

    def u32(self, c, p) -> int:
        return struct.unpack("<I", self.rd(c, p, 4))[0]

    def iovecs(self, c, p, n):
        return [(self.u32(c, p + 8 * i), self.u32(c, p + 8 * i + 4)) for i in range(n)]

    def addr_in(self, c, addr_p, port):
        """__wasi_address_t -> (family, sockaddr tuple) for the 4/16/128-byte forms."""
        buf, n = self.u32(c, addr_p), self.u32(c, addr_p + 4)
        raw = self.rd(c, buf, n)
        if n == 128:
            fam = raw[0]
            raw = raw[2:6] if fam == 1 else raw[2:18] if fam == 2 else None
            if raw is None:
                raise OSError(22, "family")
            n = len(raw)
        if n == 4:
            return socket.AF_INET, (socket.inet_ntop(socket.AF_INET, raw), port & 0xFFFF)
        if n == 16:
            return socket.AF_INET6, (socket.inet_ntop(socket.AF_INET6, raw), port & 0xFFFF, 0, 0)
        raise OSError(22, "address length")

    def sock(self, fd):
        s = self.socks.get(fd)
        if s is None:
            raise OSError(9, "bad fd")
        return s

    def call(self, fn, *args):
        try:
            return fn(*args) or 0
        except Exception as e:  # every failure is a WASI errno for the guest
            if os.environ.get("PYHOST_DEBUG"):
                print(f"pyhost: {fn.__name__}{args[1:]} -> {e!r}", file=sys.stderr)
            return wasi_errno(e)

    # ---- socket calls
    def sock_open(self, c, af, ty, ro):
        fam = {1: socket.AF_INET, 2: socket.AF_INET6}.get(af & 0xFF)
        kind = {1: socket.SOCK_DGRAM, 2: socket.SOCK_STREAM}.get(ty & 0xFF)
        if fam is None or kind is None:
            return 28
        s = socket.socket(fam, kind)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.wr(c, ro, struct.pack("<I", self.new_fd(s)))

    def sock_setsockopt(self, c, fd, level, name, p, size):
        s = self.sock(fd)
        raw = self.rd(c, p, size)
        opt = {0: socket.SO_REUSEADDR, 4: socket.SO_BROADCAST, 5: socket.SO_SNDBUF,
               6: socket.SO_RCVBUF, 7: socket.SO_KEEPALIVE}.get(name)
        if level != 0 or opt is None:
            return 28
        s.setsockopt(socket.SOL_SOCKET, opt, struct.unpack("<i", raw[:4])[0])

    def sock_getsockopt(self, c, fd, level, name, p, size_p):
        s = self.sock(fd)
        if level != 0:
            return 28
        if name == 2:
            v = ERRNO.get(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), 0)
        elif name == 1:
            v = 2 if s.type == socket.SOCK_STREAM else 1
        else:
            opt = {0: socket.SO_REUSEADDR, 5: socket.SO_SNDBUF, 6: socket.SO_RCVBUF,
                   7: socket.SO_KEEPALIVE, 13: socket.SO_ACCEPTCONN}.get(name)
            if opt is None:
                return 28
            v = s.getsockopt(socket.SOL_SOCKET, opt)
        self.wr(c, p, struct.pack("<i", v))
        self.wr(c, size_p, struct.pack("<I", 4))

    def sock_bind(self, c, fd, addr_p, port):
        s = self.sock(fd)
        s.bind(self.addr_in(c, addr_p, port)[1])

    def sock_connect(self, c, fd, addr_p, port):
        s = self.sock(fd)
        err = s.connect_ex(self.addr_in(c, addr_p, port)[1])
        if err:
            raise OSError(err, "connect")

    def sock_listen(self, c, fd, backlog):
        self.sock(fd).listen(backlog)

    def _accept(self, c, fd, flags, ro):
        conn, _ = self.sock(fd).accept()
        conn.setblocking(not flags & 4)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        new = self.new_fd(conn)
        if flags & 4:
            self.nonblocking.add(new)
        self.wr(c, ro, struct.pack("<I", new))

    def sock_accept_v1(self, c, fd, ro):
        return self._accept(c, fd, 0, ro)

    def sock_accept_v2(self, c, fd, flags, ro):
        return self._accept(c, fd, flags, ro)

    def sock_recv(self, c, fd, iov, n, flags, ro_len, ro_flags):
        s = self.sock(fd)
        vecs = self.iovecs(c, iov, n)
        data = s.recv(sum(l for _, l in vecs), socket.MSG_PEEK if flags & 1 else 0)
        self._scatter(c, vecs, data)
        self.wr(c, ro_len, struct.pack("<I", len(data)))
        self.wr(c, ro_flags, struct.pack("<H", 0))

    def _scatter(self, c, vecs, data):
        off = 0
        for buf, l in vecs:
            if off >= len(data):
                break
            self.wr(c, buf, data[off:off + l])
            off += l

    def sock_send(self, c, fd, iov, n, flags, ro_len):
        data = b"".join(self.rd(c, b, l) for b, l in self.iovecs(c, iov, n))
        sent = self.sock(fd).send(data, socket.MSG_NOSIGNAL)
        self.wr(c, ro_len, struct.pack("<I", sent))

    def sock_send_to(self, c, fd, iov, n, addr_p, port, flags, ro_len):
        data = b"".join(self.rd(c, b, l) for b, l in self.iovecs(c, iov, n))
        sent = self.sock(fd).sendto(data, self.addr_in(c, addr_p, port)[1])
        self.wr(c, ro_len, struct.pack("<I", sent))

    def sock_recv_from_v2(self, c, fd, iov, n, addr_p, flags, port_p, ro_len, ro_flags):
        vecs = self.iovecs(c, iov, n)
        data, peer = self.sock(fd).recvfrom(sum(l for _, l in vecs))
        self._scatter(c, vecs, data)
        buf, blen = self.u32(c, addr_p), self.u32(c, addr_p + 4)
        fam, octets = self._octets(peer[0])
        if blen == 128:
            self.wr(c, buf, struct.pack("<H", fam) + octets)
        elif blen >= len(octets):
            self.wr(c, buf, octets)
        order = ">H" if self.port_order == "network" else "<H"
        self.wr(c, port_p, struct.pack(order, peer[1]))
        self.wr(c, ro_len, struct.pack("<I", len(data)))
        self.wr(c, ro_flags, struct.pack("<H", 0))

    @staticmethod
    def _octets(ip: str):
        if ":" in ip:
            return 2, socket.inet_pton(socket.AF_INET6, ip)
        return 1, socket.inet_pton(socket.AF_INET, ip)

    def _addr_v1(self, c, addr, addr_p, type_p, port_p):
        buf, blen = self.u32(c, addr_p), self.u32(c, addr_p + 4)
        fam, octets = self._octets(addr[0])
        if blen not in (4, 16):
            return 28
        if len(octets) > blen:
            return 48
        self.wr(c, buf, octets)
        self.wr(c, type_p, struct.pack("<I", 4 if fam == 1 else 6))
        self.wr(c, port_p, struct.pack("<I", addr[1]))

    def sock_getlocaladdr_v1(self, c, fd, addr_p, type_p, port_p):
        return self._addr_v1(c, self.sock(fd).getsockname(), addr_p, type_p, port_p)

    def sock_getpeeraddr_v1(self, c, fd, addr_p, type_p, port_p):
        return self._addr_v1(c, self.sock(fd).getpeername(), addr_p, type_p, port_p)

    def _addr_v2(self, c, addr, addr_p, port_p):
        buf, blen = self.u32(c, addr_p), self.u32(c, addr_p + 4)
        if blen != 128:
            return 28
        fam, octets = self._octets(addr[0])
        self.wr(c, buf, struct.pack("<H", fam) + octets)
        self.wr(c, port_p, struct.pack("<I", addr[1]))

    def sock_getlocaladdr_v2(self, c, fd, addr_p, port_p):
        return self._addr_v2(c, self.sock(fd).getsockname(), addr_p, port_p)

    def sock_getpeeraddr_v2(self, c, fd, addr_p, port_p):
        return self._addr_v2(c, self.sock(fd).getpeername(), addr_p, port_p)

    def sock_shutdown(self, c, fd, how):
        if how not in (1, 2, 3):
            return 28
        self.sock(fd).shutdown({1: socket.SHUT_RD, 2: socket.SHUT_WR, 3: socket.SHUT_RDWR}[how])

    def sock_getaddrinfo(self, c, node_p, node_len, serv_p, serv_len, hints_p, res_p, max_res,
                         res_len_p):
        node = self.rd(c, node_p, node_len).split(b"\0")[0].decode() or None
        serv = self.rd(c, serv_p, serv_len).split(b"\0")[0].decode() or None
        _flags, fam, styp, proto = struct.unpack("<HBBB", self.rd(c, hints_p, 5))
        res = socket.getaddrinfo(node, serv, {0: 0, 1: socket.AF_INET, 2: socket.AF_INET6}[fam],
                                 {0: 0, 1: socket.SOCK_DGRAM, 2: socket.SOCK_STREAM}[styp],
                                 {0: 0, 1: socket.IPPROTO_TCP, 2: socket.IPPROTO_UDP}[proto])
        res = [r for r in res if r[1] in (socket.SOCK_STREAM, socket.SOCK_DGRAM)][:max_res]
        node_addr = self.u32(c, res_p)
        for af, st, pr, _canon, sa in res:
            wfam = 1 if af == socket.AF_INET else 2
            self.wr(c, node_addr + 2, bytes([wfam, 2 if st == socket.SOCK_STREAM else 1,
                                             1 if pr == socket.IPPROTO_TCP else 2]))
            self.wr(c, node_addr + 8, struct.pack("<I", 16 if wfam == 1 else 28))
            self.wr(c, node_addr + 20, struct.pack("<I", 0))  # no canonical name
            sockaddr_p = self.u32(c, node_addr + 12)
            cap, data_p = self.u32(c, sockaddr_p + 4), self.u32(c, sockaddr_p + 8)
            if wfam == 1:
                sa_data = struct.pack(">H", sa[1]) + socket.inet_pton(af, sa[0]) + bytes(8)
            else:
                sa_data = (struct.pack(">HI", sa[1], 0) + socket.inet_pton(af, sa[0])
                           + struct.pack("<I", sa[3]))
            self.wr(c, sockaddr_p, bytes([wfam]))
            self.wr(c, sockaddr_p + 4, struct.pack("<I", len(sa_data)))
            self.wr(c, data_p, sa_data[:cap])  # never beyond the declared capacity
            node_addr = self.u32(c, node_addr + 24)
        self.wr(c, res_len_p, struct.pack("<I", len(res)))

    # ---- fd calls extended to sockets
    def fd_close(self, c, fd):
        s = self.socks.pop(fd, None)
        if s is None:
            return 8
        self.nonblocking.discard(fd)
        s.close()

    def fd_fdstat_get(self, c, fd, p):
        if fd not in self.socks:
            if fd > 2:
                return 8
            # stdio: a character device with every right
            self.wr(c, p, struct.pack("<BxHxxxxQQ", 2, 0, (1 << 29) - 1, (1 << 29) - 1))
            return 0
        ftype = 6 if self.socks[fd].type == socket.SOCK_STREAM else 5
        flags = 4 if fd in self.nonblocking else 0
        self.wr(c, p, struct.pack("<BxHxxxxQQ", ftype, flags, RIGHTS_SOCK, RIGHTS_SOCK))

    def fd_fdstat_set_flags(self, c, fd, flags):
        if fd not in self.socks:
            return 8 if fd > 2 else 58
        self.socks[fd].setblocking(not flags & 4)
        (self.nonblocking.add if flags & 4 else self.nonblocking.discard)(fd)

    def fd_read(self, c, fd, iov, n, ro):
        if fd not in self.socks:
            if fd != 0:
                return 8
            vecs = self.iovecs(c, iov, n)
            data = os.read(0, sum(l for _, l in vecs))
            self._scatter(c, vecs, data)
            self.wr(c, ro, struct.pack("<I", len(data)))
            return 0
        vecs = self.iovecs(c, iov, n)
        data = self.socks[fd].recv(sum(l for _, l in vecs))
        self._scatter(c, vecs, data)
        self.wr(c, ro, struct.pack("<I", len(data)))

    def fd_write(self, c, fd, iov, n, ro):
        if fd not in self.socks:
            if fd not in (1, 2):
                return 8
            data = b"".join(self.rd(c, b, l) for b, l in self.iovecs(c, iov, n))
            out = sys.stdout if fd == 1 else sys.stderr
            out.buffer.write(data)
            out.flush()
            self.wr(c, ro, struct.pack("<I", len(data)))
            return 0
        data = b"".join(self.rd(c, b, l) for b, l in self.iovecs(c, iov, n))
        self.wr(c, ro, struct.pack("<I", self.socks[fd].send(data, socket.MSG_NOSIGNAL)))

    def poll_oneoff(self, c, in_p, out_p, nsubs, nevents_p):
        if nsubs == 0:
            return 28
        subs = []
        deadline = None
        for i in range(nsubs):
            raw = self.rd(c, in_p + 48 * i, 48)
            userdata, tag = struct.unpack_from("<QB", raw)
            if tag == 0:
                clock_id, timeout, _prec, flags = struct.unpack_from("<IxxxxQQH", raw, 16)
                now_rt = time.time_ns() if clock_id == 0 else time.monotonic_ns()
                t = (timeout - now_rt if flags & 1 else timeout) / 1e9
                subs.append((userdata, 0, None, time.monotonic() + max(t, 0)))
            else:
                subs.append((userdata, tag, struct.unpack_from("<I", raw, 16)[0], None))
        clocks = [s[3] for s in subs if s[1] == 0]
        deadline = min(clocks) if clocks else None
        events = [(u, t, 8) for u, t, fd, _ in subs if t and fd not in self.socks]
        if not events:
            rl = [self.socks[fd] for _, t, fd, _ in subs if t == 1]
            wl = [self.socks[fd] for _, t, fd, _ in subs if t == 2]
            wait = None if deadline is None else max(deadline - time.monotonic(), 0)
            r, w, _ = select.select(rl, wl, [], wait)
            for u, t, fd, dl in subs:
                if (t == 1 and self.socks[fd] in r) or (t == 2 and self.socks[fd] in w):
                    events.append((u, t, 0))
                elif t == 0 and dl <= time.monotonic():
                    events.append((u, 0, 0))
        for i, (u, t, err) in enumerate(events):
            self.wr(c, out_p + 32 * i, struct.pack("<QHBxxxxxQHxxxxxx", u, err, t, 1, 0))
        self.wr(c, nevents_p, struct.pack("<I", len(events)))


SIGNATURES = {  # name -> {param count: host method}
    "sock_open": {3: "sock_open"}, "sock_setsockopt": {5: "sock_setsockopt"},
    "sock_getsockopt": {5: "sock_getsockopt"}, "sock_bind": {3: "sock_bind"},
    "sock_connect": {3: "sock_connect"}, "sock_listen": {2: "sock_listen"},
    "sock_accept": {2: "sock_accept_v1", 3: "sock_accept_v2"},
    "sock_accept_v2": {3: "sock_accept_v2"},
    "sock_recv": {6: "sock_recv"}, "sock_send": {5: "sock_send"},
    "sock_send_to": {7: "sock_send_to"}, "sock_recv_from": {8: "sock_recv_from_v2"},
    "sock_recv_from_v2": {8: "sock_recv_from_v2"}, "sock_shutdown": {2: "sock_shutdown"},
    "sock_getlocaladdr": {4: "sock_getlocaladdr_v1", 3: "sock_getlocaladdr_v2"},
    "sock_getpeeraddr": {4: "sock_getpeeraddr_v1", 3: "sock_getpeeraddr_v2"},
    "sock_getlocaladdr_v2": {3: "sock_getlocaladdr_v2"}, "sock_getpeeraddr_v2": {3: "sock_getpeeraddr_v2"},
    "sock_getaddrinfo": {8: "sock_getaddrinfo"}, "fd_close": {1: "fd_close"},
    "fd_fdstat_get": {2: "fd_fdstat_get"}, "fd_fdstat_set_flags": {2: "fd_fdstat_set_flags"},
    "fd_read": {4: "fd_read"}, "fd_write": {4: "fd_write"}, "poll_oneoff": {4: "poll_oneoff"},
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fds", choices=["random", "lowest"], default="random")
    ap.add_argument("--port-order", choices=["host", "network"], default="host")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--tcplisten", action="append", default=[])
    ap.add_argument("module")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()

    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, a.module)
    store = wasmtime.Store(engine)
    cfg = wasmtime.WasiConfig()
    cfg.argv = [os.path.basename(a.module)] + a.args
    cfg.env = [tuple(kv.split("=", 1)) for kv in a.env]
    cfg.inherit_stdout()
    cfg.inherit_stderr()
    store.set_wasi(cfg)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    host = Host(a.fds, a.port_order)
    for i, spec in enumerate(a.tcplisten):
        h, p = spec.rsplit(":", 1)
        fam = socket.AF_INET6 if ":" in h else socket.AF_INET
        host.socks[3 + i] = socket.create_server((h.strip("[]"), int(p)), family=fam)
    linker.allow_shadowing = True
    for imp in module.imports:
        ty = imp.type
        if imp.module != M or not isinstance(ty, wasmtime.FuncType):
            continue
        method = SIGNATURES.get(imp.name, {}).get(len(ty.params))
        if method is None:
            continue
        fn = getattr(host, method)
        linker.define_func(M, imp.name, ty, lambda c, *args, fn=fn: host.call(fn, c, *args),
                           access_caller=True)
    instance = linker.instantiate(store, module)
    try:
        instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as e:
        return e.code
    return 0


if __name__ == "__main__":
    sys.exit(main())

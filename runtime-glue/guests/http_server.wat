;; http_server.wat - fdvirt's built-in demo guest: a tiny HTTP server written by hand against
;; the WasmEdge socket ABI (see shared/spec/wasmedge-socket-abi.md, cited as "spec §N").
;;
;; What it does
;;   * opens an IPv4 TCP socket, sets SO_REUSEADDR, binds 127.0.0.1:PORT and listens
;;     (PORT = decimal value of the environment variable PORT if it is 1..65535, else 8080);
;;   * prints "fdvirt demo guest: listening on http://127.0.0.1:PORT/" to stdout;
;;   * forever: accepts one connection, reads until the end of the request head
;;     (CRLF CRLF, 4 KiB at most, 2 s receive timeout), answers with a small HTML page
;;     ("Hello from a fdvirt guest", the request number and the connection's fd number, so
;;     the page shows which fd policy is active), shuts down the write side and closes.
;;   * A failing connection (peer reset, timeout, bad request) is closed and the loop goes
;;     on; the guest never exits because of a peer. Only a failure to open/bind/listen at
;;     start-up ends it: a message on stderr and proc_exit(1).
;;
;; Memory map (one 64 KiB page; all integers little-endian)
;;      0.. 8  __wasi_address_t { buf = 16, buf_len = 4 }         (spec §3.1)
;;     16..20  address bytes 127.0.0.1 in network order           (spec §3.2, 4-byte form)
;;     24      u32 listener fd (sock_open output)
;;     28      u32 accepted fd (sock_accept output)
;;     32..40  iovec for sock_recv { buf, buf_len }               (spec §3.4)
;;     40      u32 bytes received;  44: u16 roflags (4-byte slot)
;;     48      u32 bytes sent
;;     52      i32 1 (SO_REUSEADDR value)
;;     56..64  ciovec for fd_write;   88: u32 bytes written
;;     64..80  struct timeval {i64 tv_sec = 2, i64 tv_usec = 0} (spec §6.13, 16-byte form)
;;     80, 84  u32 environ count, u32 environ buffer size
;;    118..128 decimal digits scratch (append_u32 writes at most 10 digits backwards from 128)
;;    104..112 ciovec for sock_send
;;    256..1280 NUL-terminated strings, one per 128-byte slot
;;   4096..8192 request buffer;  8192..12288 response;  12288..16384 scratch (body, messages)
;;  16384..65536 environ_get pointers and strings
(module
  ;; ---- imports: module wasi_snapshot_preview1; every parameter and result is i32 and
  ;; ---- every result is a WASI errno (0 = success) unless noted.

  ;; sock_open(af, socktype, ro_fd_p) -> errno; af 1 = INET4, socktype 2 = STREAM (spec §6.1)
  (import "wasi_snapshot_preview1" "sock_open"
    (func $sock_open (param i32 i32 i32) (result i32)))
  ;; sock_setsockopt(fd, level, name, flag_p, flag_size) -> errno; level 0 = SOL_SOCKET,
  ;; name 0 = SO_REUSEADDR, 11 = SO_RCVTIMEO; flag_size is a length by value (spec §6.14)
  (import "wasi_snapshot_preview1" "sock_setsockopt"
    (func $sock_setsockopt (param i32 i32 i32 i32 i32) (result i32)))
  ;; sock_bind(fd, addr_p, port) -> errno; addr_p -> __wasi_address_t, port in host order
  ;; (spec §6.2)
  (import "wasi_snapshot_preview1" "sock_bind"
    (func $sock_bind (param i32 i32 i32) (result i32)))
  ;; sock_listen(fd, backlog) -> errno (spec §6.4)
  (import "wasi_snapshot_preview1" "sock_listen"
    (func $sock_listen (param i32 i32) (result i32)))
  ;; sock_accept(fd, fdflags, ro_fd_p) -> errno: the standard 3-argument form, which WasmEdge
  ;; binds to sock_accept_v2 by signature (spec §4.2, §6.6). fdflags 0 = blocking.
  (import "wasi_snapshot_preview1" "sock_accept"
    (func $sock_accept (param i32 i32 i32) (result i32)))
  ;; sock_recv(fd, ri_data_p, ri_data_len, ri_flags, ro_datalen_p, ro_flags_p) -> errno
  ;; (standard; spec §6.7)
  (import "wasi_snapshot_preview1" "sock_recv"
    (func $sock_recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  ;; sock_send(fd, si_data_p, si_data_len, si_flags, so_datalen_p) -> errno
  ;; (standard; spec §6.10)
  (import "wasi_snapshot_preview1" "sock_send"
    (func $sock_send (param i32 i32 i32 i32 i32) (result i32)))
  ;; sock_shutdown(fd, how) -> errno; how 2 = WR (standard; spec §6.12)
  (import "wasi_snapshot_preview1" "sock_shutdown"
    (func $sock_shutdown (param i32 i32) (result i32)))
  ;; fd_close(fd) -> errno (sockets are closed with fd_close; there is no sock_close)
  (import "wasi_snapshot_preview1" "fd_close"
    (func $fd_close (param i32) (result i32)))
  ;; fd_write(fd, iovs_p, iovs_len, nwritten_p) -> errno (stdout/stderr messages)
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  ;; environ_sizes_get(count_p, buf_size_p) -> errno
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param i32 i32) (result i32)))
  ;; environ_get(environ_p, environ_buf_p) -> errno
  (import "wasi_snapshot_preview1" "environ_get"
    (func $environ_get (param i32 i32) (result i32)))
  ;; proc_exit(code): does not return
  (import "wasi_snapshot_preview1" "proc_exit"
    (func $proc_exit (param i32)))

  (memory (export "memory") 1)

  ;; Number of requests answered so far (shown on the page).
  (global $served (mut i32) (i32.const 0))

  ;; ---- constant data
  (data (i32.const 0) "\10\00\00\00\04\00\00\00")          ;; address struct: buf 16, len 4
  (data (i32.const 16) "\7f\00\00\01")                     ;; 127.0.0.1
  (data (i32.const 52) "\01\00\00\00")                     ;; SO_REUSEADDR = 1
  (data (i32.const 64) "\02\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00") ;; 2 s timeout
  (data (i32.const 256)
    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: \00")
  (data (i32.const 384) "\r\nConnection: close\r\n\r\n\00")
  (data (i32.const 512)
    "<!doctype html>\n<title>fdvirt</title>\n<h1>Hello from a fdvirt guest</h1>\n<p>Request \00")
  (data (i32.const 640) " served by a WasmEdge-ABI guest in WAT.</p>\n<p>Connection fd \00")
  (data (i32.const 768) "</p>\n\00")
  (data (i32.const 896) "fdvirt demo guest: listening on http://127.0.0.1:\00")
  (data (i32.const 1024) "/\n\00")
  (data (i32.const 1040) "fdvirt demo guest: \00")
  (data (i32.const 1072) "sock_open failed, errno \00")
  (data (i32.const 1104) "sock_bind failed, errno \00")
  (data (i32.const 1136) "sock_listen failed, errno \00")
  (data (i32.const 1168) "\n\00")

  ;; ---- string helpers

  ;; Length of the NUL-terminated string at $s.
  (func $strlen (param $s i32) (result i32)
    (local $p i32)
    (local.set $p (local.get $s))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (i32.sub (local.get $p) (local.get $s)))

  ;; Copies $len bytes from $src to $dst (non-overlapping); returns $dst + $len.
  (func $copy (param $dst i32) (param $src i32) (param $len i32) (result i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $next)))
    (local.get $dst))

  ;; Appends the NUL-terminated string $s (without its NUL) at $dst; returns the new end.
  (func $append (param $dst i32) (param $s i32) (result i32)
    (call $copy (local.get $dst) (local.get $s) (call $strlen (local.get $s))))

  ;; Appends $n in decimal at $dst; returns the new end. Digits are produced backwards
  ;; into the scratch area 118..128 (10 digits suffice for any u32), then copied.
  (func $append_u32 (param $dst i32) (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (i32.const 128))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digit (local.get $n)))
    (call $copy (local.get $dst) (local.get $p) (i32.sub (i32.const 128) (local.get $p))))

  ;; Writes [$ptr, $ptr+$len) to $fd (stdout/stderr), retrying short writes; errors ignored.
  (func $write_all (param $fd i32) (param $ptr i32) (param $len i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store (i32.const 56) (local.get $ptr))
        (i32.store (i32.const 60) (local.get $len))
        (br_if $done (call $fd_write (local.get $fd) (i32.const 56) (i32.const 1) (i32.const 88)))
        (br_if $done (i32.eqz (i32.load (i32.const 88))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.load (i32.const 88))))
        (local.set $len (i32.sub (local.get $len) (i32.load (i32.const 88))))
        (br $more))))

  ;; Start-up failure: "fdvirt demo guest: <msg><errno>\n" on stderr, then proc_exit(1).
  (func $fail (param $msg i32) (param $errno i32)
    (local $p i32)
    (local.set $p (call $append (i32.const 12288) (i32.const 1040)))
    (local.set $p (call $append (local.get $p) (local.get $msg)))
    (local.set $p (call $append_u32 (local.get $p) (local.get $errno)))
    (local.set $p (call $append (local.get $p) (i32.const 1168)))
    (call $write_all (i32.const 2) (i32.const 12288) (i32.sub (local.get $p) (i32.const 12288)))
    (call $proc_exit (i32.const 1))
    (unreachable))

  ;; ---- configuration

  ;; The port: env PORT if it is a decimal number in 1..65535, else 8080. The environment
  ;; must fit in 16384..65528 or it is ignored (8 bytes of slack keep the 5-byte "PORT="
  ;; comparison of a short last string inside memory).
  (func $env_port (result i32)
    (local $count i32) (local $size i32) (local $i i32) (local $s i32) (local $port i32)
    (local $c i32) (local $digits i32)
    (if (call $environ_sizes_get (i32.const 80) (i32.const 84))
      (then (return (i32.const 8080))))
    (local.set $count (i32.load (i32.const 80)))
    (local.set $size (i32.load (i32.const 84)))
    (if (i32.gt_u (local.get $count) (i32.const 12288)) (then (return (i32.const 8080))))
    (if (i32.gt_u (i32.add (i32.mul (local.get $count) (i32.const 4)) (local.get $size))
                  (i32.const 49144))
      (then (return (i32.const 8080))))
    (if (call $environ_get (i32.const 16384)
                           (i32.add (i32.const 16384) (i32.mul (local.get $count) (i32.const 4))))
      (then (return (i32.const 8080))))
    (block $none
      (loop $entry
        (br_if $none (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $s (i32.load (i32.add (i32.const 16384) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        ;; "PORT=" is 50 4f 52 54 3d
        (br_if $entry (i32.ne (i32.load8_u (local.get $s)) (i32.const 0x50)))
        (br_if $entry (i32.ne (i32.load8_u offset=1 (local.get $s)) (i32.const 0x4f)))
        (br_if $entry (i32.ne (i32.load8_u offset=2 (local.get $s)) (i32.const 0x52)))
        (br_if $entry (i32.ne (i32.load8_u offset=3 (local.get $s)) (i32.const 0x54)))
        (br_if $entry (i32.ne (i32.load8_u offset=4 (local.get $s)) (i32.const 0x3d)))
        (local.set $s (i32.add (local.get $s) (i32.const 5)))
        (local.set $port (i32.const 0))
        (local.set $digits (i32.const 0))
        (block $end
          (loop $digit
            (local.set $c (i32.load8_u (local.get $s)))
            (br_if $end (i32.eqz (local.get $c)))
            ;; a non-digit or a sixth digit makes the whole value invalid
            (br_if $none (i32.gt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9)))
            (br_if $none (i32.ge_u (local.get $digits) (i32.const 5)))
            (local.set $port (i32.add (i32.mul (local.get $port) (i32.const 10))
                                      (i32.sub (local.get $c) (i32.const 48))))
            (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $digit)))
        (br_if $none (i32.eqz (local.get $port)))
        (br_if $none (i32.gt_u (local.get $port) (i32.const 65535)))
        (return (local.get $port))))
    (i32.const 8080))

  ;; ---- connection handling

  ;; 1 if the first $len bytes of the request buffer contain CR LF CR LF.
  (func $has_head_end (param $len i32) (result i32)
    (local $p i32) (local $end i32)
    (local.set $p (i32.const 4096))
    (local.set $end (i32.add (i32.const 4093) (local.get $len)))  ;; last start = 4096+len-4
    (block $no
      (loop $scan
        (br_if $no (i32.ge_s (local.get $p) (local.get $end)))
        ;; "\r\n\r\n" read as a little-endian u32 is 0x0a0d0a0d
        (if (i32.eq (i32.load align=1 (local.get $p)) (i32.const 0x0a0d0a0d))
          (then (return (i32.const 1))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $scan)))
    (i32.const 0))

  ;; Sends [$ptr, $ptr+$len) on $fd; returns 0 or the errno of the failing sock_send.
  (func $send_all (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
    (local $err i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store (i32.const 104) (local.get $ptr))
        (i32.store (i32.const 108) (local.get $len))
        (local.set $err
          (call $sock_send (local.get $fd) (i32.const 104) (i32.const 1) (i32.const 0) (i32.const 48)))
        (if (local.get $err) (then (return (local.get $err))))
        (if (i32.eqz (i32.load (i32.const 48))) (then (return (i32.const 29)))) ;; IO
        (local.set $ptr (i32.add (local.get $ptr) (i32.load (i32.const 48))))
        (local.set $len (i32.sub (local.get $len) (i32.load (i32.const 48))))
        (br $more)))
    (i32.const 0))

  ;; Reads the request head (until CRLF CRLF, EOF, error, or 4 KiB).
  ;; Returns 1 if something was received that deserves an answer, else 0.
  (func $read_request (param $fd i32) (result i32)
    (local $len i32) (local $n i32)
    (block $stop
      (loop $more
        (i32.store (i32.const 32) (i32.add (i32.const 4096) (local.get $len)))
        (i32.store (i32.const 36) (i32.sub (i32.const 4096) (local.get $len)))
        ;; an errno (reset, timeout = AGAIN, ...) or EOF ends the read
        (br_if $stop (call $sock_recv (local.get $fd) (i32.const 32) (i32.const 1)
                                      (i32.const 0) (i32.const 40) (i32.const 44)))
        (local.set $n (i32.load (i32.const 40)))
        (br_if $stop (i32.eqz (local.get $n)))
        (local.set $len (i32.add (local.get $len) (local.get $n)))
        (if (call $has_head_end (local.get $len)) (then (return (i32.const 1))))
        (br_if $more (i32.lt_u (local.get $len) (i32.const 4096)))
        ;; head larger than the buffer: answer anyway
        (return (i32.const 1))))
    (i32.const 0))

  ;; Builds the response for connection $fd at 8192; returns its length.
  (func $build_response (param $fd i32) (result i32)
    (local $body_end i32) (local $p i32)
    ;; body at 12288
    (local.set $body_end (call $append (i32.const 12288) (i32.const 512)))
    (local.set $body_end (call $append_u32 (local.get $body_end) (global.get $served)))
    (local.set $body_end (call $append (local.get $body_end) (i32.const 640)))
    (local.set $body_end (call $append_u32 (local.get $body_end) (local.get $fd)))
    (local.set $body_end (call $append (local.get $body_end) (i32.const 768)))
    ;; head, then the body copied after it
    (local.set $p (call $append (i32.const 8192) (i32.const 256)))
    (local.set $p (call $append_u32 (local.get $p)
                                    (i32.sub (local.get $body_end) (i32.const 12288))))
    (local.set $p (call $append (local.get $p) (i32.const 384)))
    (local.set $p (call $copy (local.get $p) (i32.const 12288)
                              (i32.sub (local.get $body_end) (i32.const 12288))))
    (i32.sub (local.get $p) (i32.const 8192)))

  ;; Serves one connection and always closes it; every error is absorbed here.
  (func $serve (param $fd i32)
    ;; 2 s receive timeout so an idle connection (e.g. a browser's speculative one) cannot
    ;; stall the server; a host without SO_RCVTIMEO support just returns an errno (ignored).
    (drop (call $sock_setsockopt (local.get $fd) (i32.const 0) (i32.const 11)
                                 (i32.const 64) (i32.const 16)))
    (if (call $read_request (local.get $fd))
      (then
        (global.set $served (i32.add (global.get $served) (i32.const 1)))
        (drop (call $send_all (local.get $fd) (i32.const 8192)
                              (call $build_response (local.get $fd))))
        (drop (call $sock_shutdown (local.get $fd) (i32.const 2)))))
    (drop (call $fd_close (local.get $fd))))

  ;; ---- entry point

  (func (export "_start")
    (local $port i32) (local $err i32) (local $fd i32) (local $p i32)
    (local.set $port (call $env_port))
    (local.set $err (call $sock_open (i32.const 1) (i32.const 2) (i32.const 24)))
    (if (local.get $err) (then (call $fail (i32.const 1072) (local.get $err))))
    (local.set $fd (i32.load (i32.const 24)))
    ;; SO_REUSEADDR so a restarted demo can rebind while old connections sit in TIME_WAIT
    (drop (call $sock_setsockopt (local.get $fd) (i32.const 0) (i32.const 0)
                                 (i32.const 52) (i32.const 4)))
    (local.set $err (call $sock_bind (local.get $fd) (i32.const 0) (local.get $port)))
    (if (local.get $err) (then (call $fail (i32.const 1104) (local.get $err))))
    (local.set $err (call $sock_listen (local.get $fd) (i32.const 128)))
    (if (local.get $err) (then (call $fail (i32.const 1136) (local.get $err))))
    (local.set $p (call $append (i32.const 12288) (i32.const 896)))
    (local.set $p (call $append_u32 (local.get $p) (local.get $port)))
    (local.set $p (call $append (local.get $p) (i32.const 1024)))
    (call $write_all (i32.const 1) (i32.const 12288) (i32.sub (local.get $p) (i32.const 12288)))
    (loop $forever
      ;; A failed accept (e.g. ECONNABORTED, EMFILE) is simply retried.
      (if (i32.eqz (call $sock_accept (local.get $fd) (i32.const 0) (i32.const 28)))
        (then (call $serve (i32.load (i32.const 28)))))
      (br $forever)))
)

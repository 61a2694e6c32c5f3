;; A server on a pre-opened listener (Wasmtime's --tcplisten, fdvirt's FDVIRT_TCPLISTEN):
;; standard preview1 only, no socket creation. It accepts on fd 3 (the first listener),
;; answers "tcplisten guest: connection fd N\n", closes, and after two connections exits 0.
;; An accept error exits with 100 + errno.
(module
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send"
    (func $send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  ;; 0: accepted fd; 8: iovec {ptr, len}; 16: bytes sent; 64..: the message
  (data (i32.const 64) "tcplisten guest: connection fd ")
  (func $utoa (param $n i32) (param $p i32) (result i32)
    (local $div i32) (local $len i32) (local $i i32)
    ;; digit count
    (local.set $div (i32.const 1))
    (local.set $len (i32.const 1))
    (block $done
      (loop $count
        (br_if $done (i32.lt_u (i32.div_u (local.get $n) (local.get $div)) (i32.const 10)))
        (local.set $div (i32.mul (local.get $div) (i32.const 10)))
        (local.set $len (i32.add (local.get $len) (i32.const 1)))
        (br $count)))
    (local.set $i (local.get $len))
    (loop $digits
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (i32.add (local.get $p) (local.get $i))
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digits (local.get $i)))
    (i32.add (local.get $p) (local.get $len)))
  (func (export "_start")
    (local $served i32) (local $err i32) (local $end i32)
    (loop $serve
      (local.set $err (call $accept (i32.const 3) (i32.const 0) (i32.const 0)))
      (if (local.get $err) (then (call $exit (i32.add (i32.const 100) (local.get $err)))))
      (local.set $end (call $utoa (i32.load (i32.const 0)) (i32.const 95)))
      (i32.store8 (local.get $end) (i32.const 10))
      (i32.store (i32.const 8) (i32.const 64))
      (i32.store (i32.const 12) (i32.sub (i32.add (local.get $end) (i32.const 1)) (i32.const 64)))
      (drop (call $send (i32.load (i32.const 0)) (i32.const 8) (i32.const 1) (i32.const 0)
                        (i32.const 16)))
      (drop (call $close (i32.load (i32.const 0))))
      (local.set $served (i32.add (local.get $served) (i32.const 1)))
      (br_if $serve (i32.lt_u (local.get $served) (i32.const 2))))
    (call $exit (i32.const 0))))

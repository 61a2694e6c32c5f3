;; A standard-WASI (preview1) server on a pre-opened listener: fd 3 from `--tcplisten`.
;; For every chunk a connection sends, it answers with two separate sock_send calls — a
;; 20-byte "header" then a 5-byte "body" — the write pattern of hyper's server that makes
;; Nagle's algorithm plus the client's delayed ACK stall each keep-alive exchange ~40 ms.
;; Uses only the standard 3-arg sock_accept, sock_recv, sock_send and fd_close.
(module
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (memory (export "memory") 1)
  ;; recv iovec {0x1000, 4096}; header ciovec {0x100, 20}; body ciovec {0x200, 5}
  (data (i32.const 0x10) "\00\10\00\00\00\10\00\00")
  (data (i32.const 0x20) "\00\01\00\00\14\00\00\00")
  (data (i32.const 0x28) "\00\02\00\00\05\00\00\00")
  (data (i32.const 0x100) "HTTP-ish-header-20b\n")
  (data (i32.const 0x200) "body\n")
  (func (export "_start") (local $c i32)
    (loop $acc
      ;; A failed accept (e.g. the peer reset first) must not end the server.
      (if (call $accept (i32.const 3) (i32.const 0) (i32.const 0x30)) (then (br $acc)))
      (local.set $c (i32.load (i32.const 0x30)))
      (block $done
        (loop $req
          (br_if $done (call $recv (local.get $c) (i32.const 0x10) (i32.const 1) (i32.const 0)
                                   (i32.const 0x34) (i32.const 0x38)))
          (br_if $done (i32.eqz (i32.load (i32.const 0x34))))
          (drop (call $send (local.get $c) (i32.const 0x20) (i32.const 1) (i32.const 0) (i32.const 0x3c)))
          (drop (call $send (local.get $c) (i32.const 0x28) (i32.const 1) (i32.const 0) (i32.const 0x3c)))
          (br $req)))
      (drop (call $close (local.get $c)))
      (br $acc))))

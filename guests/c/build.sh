#!/bin/sh
# Builds the C guests into OUT_DIR (default ./out) as wasm32-wasi modules.
#
# Needs Debian's clang + lld + wasi-libc and the wasm32 compiler-rt builtins:
#   apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32
# (clang 14 is Debian 12's default; use the libclang-rt-N-dev-wasm32 matching `clang --version`.)
# CC overrides the compiler (default clang).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/out}
cc=${CC:-clang}
mkdir -p "$out"
# 1 MiB stack: wasi-libc's select() keeps one 48-byte subscription and one 32-byte event per fd
# on the stack, so ~800 fds overflow wasm-ld's default 64 KiB stack (which has no guard page
# and silently corrupts static data: observed as a bogus fd 0 subscription).
flags="--target=wasm32-wasi -O2 -Wall -Wextra -Werror -Wl,--strip-all -Wl,-z,stack-size=1048576"
for src in select_server wasmedge_server; do
    $cc $flags -o "$out/$src.wasm" "$here/$src.c"
    echo "built $out/$src.wasm"
done

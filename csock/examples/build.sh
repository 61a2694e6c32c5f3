#!/bin/sh
# Builds the socket layer (../build.sh) and the example programs into OUT_DIR (default
# csock/out). The examples use nothing but the layer's two flags:
#   cc --target=wasm32-wasi $(csock-config --cflags) prog.c $(csock-config --libs)
# conv_probe (tests/) additionally sees the layer's internal header, to print its conversions.
# Exit status 3: a prerequisite is missing (clang, wasi-libc, wasm32 builtins, llvm-ar), so
# callers can tell "cannot build here" from "the build failed".
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:-$root/out}
cc=${CC:-clang}
sh "$root/build.sh" "$out" # exits 3 itself when a prerequisite is missing
cflags=$("$out/csock-config" --cflags)
libs=$("$out/csock-config" --libs)
for prog in http_server udp6_server client hostile; do
    [ -e "$here/$prog.c" ] || continue
    $cc --target=wasm32-wasi -O2 -Wall -Wextra -Werror $cflags -o "$out/$prog.wasm" "$here/$prog.c" $libs
done
$cc --target=wasm32-wasi -O2 -Wall -Wextra -Werror $cflags -I"$root/src" \
    -o "$out/conv_probe.wasm" "$root/tests/conv_probe.c" $libs
echo "built examples in $out"

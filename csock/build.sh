#!/bin/sh
# Builds the fdvirt socket layer for wasm32-wasi into OUT_DIR (default csock/out):
#   OUT_DIR/libfdvirt_socket.a   the static library
#   OUT_DIR/fdvirt-socket.pc     pkg-config file (PKG_CONFIG_PATH=OUT_DIR pkg-config --cflags --libs fdvirt-socket)
#   OUT_DIR/csock-config         `csock-config --cflags --libs` without pkg-config
# A C program then needs one include path and one link flag:
#   clang --target=wasm32-wasi $(OUT_DIR/csock-config --cflags) prog.c $(OUT_DIR/csock-config --libs)
#
# Needs Debian's clang + lld + wasi-libc + libclang-rt-14-dev-wasm32 (as guests/c) and llvm-ar
# (package llvm). CC and AR override the tools.
# Exit status 3: a prerequisite is missing (so callers can tell "cannot build here" from
# "the build failed").
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/out}
cc=${CC:-clang}
missing() { echo "missing: $*" >&2; exit 3; }
command -v "$cc" >/dev/null 2>&1 || missing "$cc"
[ -e /usr/include/wasm32-wasi/stdio.h ] || [ -e /usr/include/wasm32-wasip1/stdio.h ] || missing wasi-libc
ls /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1 ||
    missing "libclang-rt-dev-wasm32 (libclang_rt.builtins-wasm32.a)"
ar=${AR:-}
if [ -z "$ar" ]; then
    for cand in llvm-ar llvm-ar-19 llvm-ar-18 llvm-ar-17 llvm-ar-16 llvm-ar-15 llvm-ar-14 /usr/lib/llvm-*/bin/llvm-ar; do
        if command -v "$cand" >/dev/null 2>&1; then ar=$cand; break; fi
    done
fi
[ -n "$ar" ] || missing "llvm-ar (apt-get install llvm)"
mkdir -p "$out/obj"
out=$(cd "$out" && pwd)
rm -f "$out/obj/"*.o "$out/libfdvirt_socket.a"
for src in "$here"/src/*.c; do
    name=$(basename "$src" .c)
    $cc --target=wasm32-wasi -O2 -Wall -Wextra -Werror \
        -I"$here/include" -c -o "$out/obj/$name.o" "$src"
done
$ar rcs "$out/libfdvirt_socket.a" "$out"/obj/*.o
cat > "$out/fdvirt-socket.pc" <<PC
includedir=$here/include
libdir=$out

Name: fdvirt-socket
Description: POSIX sockets (socket/bind/connect/getaddrinfo...) for wasi-libc guests on fdvirt and WasmEdge
Version: 0.1.0
Cflags: -I\${includedir}
Libs: \${libdir}/libfdvirt_socket.a
PC
cat > "$out/csock-config" <<CFG
#!/bin/sh
# Prints the flags for building a wasm32-wasi C program against the fdvirt socket layer.
for a in "\$@"; do
    case "\$a" in
    --cflags) echo "-I$here/include" ;;
    --libs) echo "$out/libfdvirt_socket.a" ;;
    *) echo "usage: csock-config [--cflags] [--libs]" >&2; exit 2 ;;
    esac
done
CFG
chmod +x "$out/csock-config"
echo "built $out/libfdvirt_socket.a"

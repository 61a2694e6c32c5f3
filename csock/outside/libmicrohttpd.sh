#!/bin/sh
# Builds GNU libmicrohttpd's own example file server (src/examples/
# fileserver_example_external_select.c: MHD_start_daemon + an external select() loop) for
# wasm32-wasi, UNMODIFIED, from Debian's source package, against the fdvirt socket layer.
#
#   csock/outside/libmicrohttpd.sh WORKDIR   -> WORKDIR/mhd-fileserver.wasm
#
# Sources are fetched at run time with apt-get from the machine's Debian release (a private
# apt state under WORKDIR adds the deb-src entry; nothing system-wide changes) and are never
# committed. What it takes besides the layer's two flags (csock/README.md has the why):
#   * configure --host=wasm32-wasi --with-threads=none (wasi-libc has no pthreads), without
#     TLS/curl/docs/epoll, with llvm-ar/llvm-ranlib;
#   * a config.sub that knows `wasi` (the tarball's is from 2021): autotools-dev's, as
#     Debian's own builds refresh it (dh_update_autotools_config);
#   * wasi-libc's emulation libraries for signals and process clocks (-D_WASI_EMULATED_*);
#   * -Wl,--unresolved-symbols=ignore-all for one libmicrohttpd 0.9.75 bug: daemon.c calls
#     connection_get_wait(), defined only in thread builds, from MHD_get_timeout when a
#     connection has a timeout; this example sets none, so the trapping stub is never run.
# Exit status 3: a prerequisite is missing (toolchain, apt-get/dpkg-source, network).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=${1:?usage: libmicrohttpd.sh WORKDIR}
mkdir -p "$work"
work=$(cd "$work" && pwd)
out="$work/mhd-fileserver.wasm"
# Reuse an earlier build unless the layer changed since.
if [ -e "$out" ] && [ -z "$(find "$root/src" "$root/include" -newer "$out" -type f | head -1)" ]; then
    echo "already built: $out"
    exit 0
fi
rm -rf "$work/src" "$work/csock" "$out"
missing() { echo "missing: $*" >&2; exit 3; }
for tool in apt-get dpkg-source dpkg-deb make; do
    command -v $tool >/dev/null 2>&1 || missing $tool
done

# 1. the layer (exit 3 passes through when the C toolchain is missing)
sh "$root/build.sh" "$work/csock" >/dev/null || exit $?
cflags=$("$work/csock/csock-config" --cflags)
libs=$("$work/csock/csock-config" --libs)

# 2. Debian's source package, through a private apt state
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
apt="$work/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$work/src"
printf "deb http://deb.debian.org/debian %s main\ndeb-src http://deb.debian.org/debian %s main\n" "$codename" "$codename" >"$apt/sources.list"
opts="-o Dir::Etc::sourcelist=$apt/sources.list -o Dir::Etc::sourceparts=- -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache -o Debug::NoLocking=1"
apt-get $opts -qq update >/dev/null 2>&1 || missing "Debian source index ($codename)"
(cd "$work/src" && apt-get $opts -qq source libmicrohttpd >/dev/null 2>&1) || missing "apt-get source libmicrohttpd"
(cd "$work/src" && apt-get $opts -qq download autotools-dev >/dev/null 2>&1 && dpkg-deb -x autotools-dev_*.deb autotools) ||
    missing "autotools-dev (config.sub)"
srcdir=$(ls -d "$work"/src/libmicrohttpd-*/ | head -1)
cp "$work/src/autotools/usr/share/misc/config.sub" "$srcdir/build-aux/config.sub"

# 3. configure and build, unmodified sources
ar=$(command -v llvm-ar || ls /usr/lib/llvm-*/bin/llvm-ar | head -1)
ranlib=$(command -v llvm-ranlib || ls /usr/lib/llvm-*/bin/llvm-ranlib | head -1)
wcc="clang --target=wasm32-wasi $cflags -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS"
wcc="$wcc -Wno-unused-command-line-argument $libs -lwasi-emulated-signal -lwasi-emulated-process-clocks"
cd "$srcdir"
./configure --host=wasm32-wasi CC="$wcc" CFLAGS=-O2 AR="$ar" RANLIB="$ranlib" \
    --with-threads=none --disable-shared --enable-static --disable-https --disable-curl \
    --disable-doc --disable-epoll >"$work/configure.log" 2>&1 ||
    { tail -20 "$work/configure.log" >&2; exit 1; }
make -C src/microhttpd >"$work/make.log" 2>&1 || { tail -20 "$work/make.log" >&2; exit 1; }
make -C src/examples fileserver_example_external_select \
    LDFLAGS="-Wl,--unresolved-symbols=ignore-all" >>"$work/make.log" 2>&1 ||
    { tail -20 "$work/make.log" >&2; exit 1; }
cp src/examples/fileserver_example_external_select "$out"
echo "built $out ($(basename "$srcdir"))"

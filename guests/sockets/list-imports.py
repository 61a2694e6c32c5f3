#!/usr/bin/env python3
"""Print the socket-related imports of wasm modules with their wasm signatures.

Usage: list-imports.py [--all] FILE.wasm...   (needs `pip install wasmtime`)
Without --all only sock_*, poll_oneoff, epoll_oneoff and fd_fdstat_* are listed.
"""
import sys
import wasmtime


def main() -> int:
    args = sys.argv[1:]
    show_all = "--all" in args
    files = [a for a in args if a != "--all"]
    engine = wasmtime.Engine()
    for path in files:
        module = wasmtime.Module.from_file(engine, path)
        print(f"{path}:")
        for imp in module.imports:
            name = imp.name or ""
            keep = show_all or name.startswith(("sock_", "poll_oneoff", "epoll_oneoff", "fd_fdstat"))
            if not keep:
                continue
            ty = imp.type
            if isinstance(ty, wasmtime.FuncType):
                params = ", ".join(str(p) for p in ty.params)
                results = ", ".join(str(r) for r in ty.results)
                print(f"  {imp.module}.{name}: ({params}) -> ({results})  [{len(ty.params)} args]")
            else:
                print(f"  {imp.module}.{name}: {ty}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

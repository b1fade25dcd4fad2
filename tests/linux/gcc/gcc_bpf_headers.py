#!/usr/bin/env python3
"""Makes libbpf's helper declarations usable by GCC 12's BPF backend.

libbpf declares each helper as a function pointer initialised with its id
(`static long (*bpf_map_delete_elem)(void *map, const void *key) = (void *) 3;`), which clang
turns into a helper call and GCC 12 refuses ("indirect call ... not supported by eBPF"). GCC's
own spelling is a declaration with `__attribute__((kernel_helper(ID)))`. This script writes, into
an output include folder, libbpf's bpf_helpers.h and bpf_endian.h unchanged and
bpf_helper_defs.h with every helper declared GCC's way, so the same C sources build with both
compilers. Usage: gcc_bpf_headers.py /usr/include/bpf OUT_DIR/bpf
"""
import re
import shutil
import sys
from pathlib import Path

HELPER = re.compile(r"^static (.+?)\(\*(\w+)\)\((.*)\) = \(void \*\) (\d+);$")


def main() -> int:
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for name in ("bpf_helpers.h", "bpf_endian.h", "bpf_tracing.h", "bpf_core_read.h"):
        if (src / name).exists():
            shutil.copyfile(src / name, out / name)
    lines = []
    converted = 0
    for line in (src / "bpf_helper_defs.h").read_text().splitlines():
        m = HELPER.match(line)
        if m:
            ret, name, args, helper_id = m.groups()
            line = f"static {ret}{name}({args}) __attribute__((kernel_helper({helper_id})));"
            converted += 1
        lines.append(line)
    if converted == 0:
        print("gcc_bpf_headers.py: no helper declaration found", file=sys.stderr)
        return 1
    (out / "bpf_helper_defs.h").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Generates the Linux platform's facts from the installed uapi headers (linux-libc-dev).

Nothing here is typed by hand: helper names come from the ___BPF_FUNC_MAPPER / __BPF_FUNC_MAPPER
list of linux/bpf.h and their C signatures from its doc comments; helper ids, enum values
(bpf_prog_type, bpf_map_type, bpf_attach_type, xdp_action, ...) and context structure offsets
and sizes come from a probe program compiled against the same headers, which prints offsetof()
and sizeof() of every field this script finds in the preprocessed structure definitions.

Usage: gen_linux_uapi.py --cc CC --bpf-h /usr/include/linux/bpf.h --out linux_uapi.inc
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

# Context structures the platform models, with the headers that define them. A field whose type
# is another modelled structure is flattened into it ("regs.rdi").
STRUCTS = ["__sk_buff", "xdp_md", "bpf_sock", "bpf_perf_event_data", "pt_regs", "bpf_raw_tracepoint_args",
           "bpf_sock_addr", "bpf_sock_ops", "sk_msg_md", "sk_reuseport_md", "bpf_sk_lookup", "bpf_sysctl",
           "bpf_sockopt", "bpf_cgroup_dev_ctx", "bpf_flow_keys"]
FLATTEN = {("bpf_perf_event_data", "regs"): "pt_regs"}
HEADERS = ["linux/bpf.h", "linux/bpf_perf_event.h", "asm/ptrace.h", "linux/if_ether.h", "linux/pkt_cls.h"]
ENUMS = ["bpf_prog_type", "bpf_map_type", "bpf_attach_type", "xdp_action"]
# Constants of other headers the platform needs (TC_ACT_* return codes live in pkt_cls.h).
MACROS = ["TC_ACT_UNSPEC", "TC_ACT_OK", "TC_ACT_SHOT", "TC_ACT_REDIRECT", "BPF_F_RDONLY_PROG", "ETH_HLEN"]


def fail(msg):
    sys.stderr.write("gen_linux_uapi: " + msg + "\n")
    sys.exit(1)


def helper_names(text):
    """Helper names in id order, from either form of the FN list."""
    m = re.search(r"#define\s+_{2,3}BPF_FUNC_MAPPER\((?:FN|FN,\s*ctx\.\.\.)\)\s*\\\n((?:.*\\\n)*.*\n)", text)
    if not m:
        fail("no __BPF_FUNC_MAPPER / ___BPF_FUNC_MAPPER in linux/bpf.h")
    return re.findall(r"FN\(\s*(\w+)", m.group(1))


def helper_signatures(text):
    """name -> C signature from the doc comment lines ' * <ret> bpf_<name>(<args>)'."""
    sigs = {}
    for m in re.finditer(r"^ \* ((?:[\w ]+?)\s*\**\s*bpf_(\w+)\((.*)\))\s*$", text, re.M):
        # The description block follows a signature; this excludes prose that looks like one.
        after = text[m.end():m.end() + 40]
        if "Description" not in after:
            continue
        sigs.setdefault(m.group(2), m.group(1).strip())
    return sigs


def strip_comments(s):
    s = re.sub(r"/\*.*?\*/", " ", s, flags=re.S)
    return re.sub(r"//[^\n]*", " ", s)


def strip_attributes(s):
    out = []
    i = 0
    while True:
        j = s.find("__attribute__", i)
        if j < 0:
            out.append(s[i:])
            break
        out.append(s[i:j])
        k = s.find("(", j)
        depth = 0
        while k < len(s):
            if s[k] == "(":
                depth += 1
            elif s[k] == ")":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        i = k + 1
    return "".join(out)


def split_top(body, sep):
    parts, depth, cur = [], 0, []
    for ch in body:
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def struct_body(text, name):
    m = re.search(r"\bstruct\s+" + re.escape(name) + r"\s*\{", text)
    if not m:
        return None
    i, depth = m.end() - 1, 0
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1:j]
    return None


def members(body):
    """(name, type text) of the named members, anonymous unions and structs flattened."""
    out = []
    for decl in split_top(body, ";"):
        decl = " ".join(decl.split())
        if not decl:
            continue
        if "{" in decl:
            inner = decl[decl.index("{") + 1:decl.rindex("}")]
            after = decl[decl.rindex("}") + 1:].strip()
            if after:
                out.append((re.sub(r"\[.*", "", after).strip("* "), "nested"))
            else:
                out.extend(members(inner))
            continue
        if ":" in decl:
            continue  # bit-fields: unnamed padding, or not addressable by offsetof
        for i, d in enumerate(split_top(decl, ",")):
            d = d.strip()
            m = re.match(r"(.*?)([A-Za-z_]\w*)\s*(\[.*\])?$", d)
            if not m:
                continue
            type_text = m.group(1).strip() if i == 0 else out[-1][1]
            if i == 0 and not type_text:
                continue
            out.append((m.group(2), type_text + ("[]" if m.group(3) else "")))
    return out


def enum_names(text, name):
    m = re.search(r"\benum\s+" + re.escape(name) + r"\s*\{(.*?)\}", text, re.S)
    if not m:
        fail("no enum " + name)
    names = []
    for e in split_top(m.group(1), ","):
        e = e.strip()
        if not e:
            continue
        ident = re.match(r"(\w+)", e).group(1)
        if ident.startswith("__MAX") or ident.startswith("__BPF") or ident.startswith("__"):
            continue
        names.append(ident)
    return names


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cc", required=True)
    ap.add_argument("--bpf-h", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    raw = open(args.bpf_h, encoding="utf-8", errors="replace").read()
    names = helper_names(raw)
    sigs = helper_signatures(raw)

    with tempfile.TemporaryDirectory() as tmp:
        wrapper = os.path.join(tmp, "uapi.c")
        with open(wrapper, "w") as f:
            for h in HEADERS:
                f.write("#include <%s>\n" % h)
        pre = subprocess.run([args.cc, "-E", "-P", wrapper], capture_output=True, text=True)
        if pre.returncode != 0:
            fail("preprocessing the uapi headers failed:\n" + pre.stderr)
        text = strip_attributes(strip_comments(pre.stdout))

        probe = ["#include <stddef.h>", "#include <stdio.h>"] + ["#include <%s>" % h for h in HEADERS]
        probe.append("int main(void) {")
        probe.append('  printf("// Generated by gen_linux_uapi.py from %s: do not edit.\\n");' % args.bpf_h)
        probe.append('  printf("#define BPFCERT_UAPI_HELPERS \\\\\\n");')
        for name in names:
            sig = sigs.get(name, "").replace("%", "%%")
            probe.append('  printf("  {%%d, %s, %s}, \\\\\\n", (int)BPF_FUNC_%s);' %
                         (c_string(c_string(name))[1:-1], c_string(c_string(sig))[1:-1], name))
        probe.append('  printf("\\n");')
        for enum in ENUMS:
            probe.append('  printf("#define BPFCERT_UAPI_ENUM_%s \\\\\\n");' % enum.upper())
            for e in enum_names(text, enum):
                probe.append('  printf("  {\\"%s\\", %%lld}, \\\\\\n", (long long)%s);' % (e, e))
            probe.append('  printf("\\n");')
        probe.append('  printf("#define BPFCERT_UAPI_MACROS \\\\\\n");')
        for mac in MACROS:
            probe.append('  printf("  {\\"%s\\", %%lld}, \\\\\\n", (long long)(%s));' % (mac, mac))
        probe.append('  printf("\\n");')
        probe.append('  printf("#define BPFCERT_UAPI_FIELDS \\\\\\n");')
        for s in STRUCTS:
            body = struct_body(text, s)
            if body is None:
                fail("no struct %s in the uapi headers" % s)
            probe.append('  printf("  {\\"%s\\", \\"\\", 0, %%zu}, \\\\\\n", sizeof(struct %s));' % (s, s))
            for (field, _type) in members(body):
                sub = FLATTEN.get((s, field))
                if sub:
                    sub_body = struct_body(text, sub)
                    for (sf, _t) in members(sub_body):
                        probe.append('  printf("  {\\"%s\\", \\"%s.%s\\", %%zu, %%zu}, \\\\\\n", '
                                     'offsetof(struct %s, %s) + offsetof(struct %s, %s), '
                                     'sizeof(((struct %s *)0)->%s));' % (s, field, sf, s, field, sub, sf, sub, sf))
                    continue
                if _type.endswith("[]"):
                    # Arrays: one field per element ("cb[0]" ...), as Linux checks accesses per
                    # element; a flexible array (args[0]) gives its offset only.
                    probe.append('  { size_t n = sizeof(((struct %s *)0)->%s) / sizeof(((struct %s *)0)->%s[0]);'
                                 ' size_t e = sizeof(((struct %s *)0)->%s[0]);' % (s, field, s, field, s, field))
                    probe.append('    if (n == 0) printf("  {\\"%s\\", \\"%s\\", %%zu, 0}, \\\\\\n", offsetof(struct %s, %s));'
                                 % (s, field, s, field))
                    probe.append('    for (size_t i = 0; i < n; i++) printf("  {\\"%s\\", \\"%s[%%zu]\\", %%zu, %%zu}, \\\\\\n",'
                                 ' i, offsetof(struct %s, %s) + i * e, e); }' % (s, field, s, field))
                    continue
                probe.append('  printf("  {\\"%s\\", \\"%s\\", %%zu, %%zu}, \\\\\\n", offsetof(struct %s, %s), '
                             'sizeof(((struct %s *)0)->%s));' % (s, field, s, field, s, field))
        probe.append('  printf("\\n");')
        probe.append("  return 0;")
        probe.append("}")
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write("\n".join(probe) + "\n")
        exe = os.path.join(tmp, "probe")
        cc = subprocess.run([args.cc, "-o", exe, src], capture_output=True, text=True)
        if cc.returncode != 0:
            fail("compiling the offsetof probe failed:\n" + cc.stderr)
        run = subprocess.run([exe], capture_output=True, text=True)
        if run.returncode != 0:
            fail("the probe failed")
        out = run.stdout
    tmp_out = args.out + ".tmp"
    with open(tmp_out, "w") as f:
        f.write(out)
    os.replace(tmp_out, args.out)


if __name__ == "__main__":
    main()

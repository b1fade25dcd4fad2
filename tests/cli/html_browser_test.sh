#!/usr/bin/env bash
# `bpfcert verify --html` in a real browser: Debian's chromium, headless, loads the page of a
# rejected assembler program and (when the corpus is built) of a C object. The DOM after the
# page's script ran must show the finding inline, the C source beside the BPF code, and the
# abstract state of the instruction the URL selects (the click handler's code path); a
# screenshot must show the finding's highlight. Exit 77 (skipped) without chromium.
#   html_browser_test.sh BPFCERT WORK_DIR [C_OBJECT]
set -euo pipefail
bpfcert=$1 work=$2 object=${3:-}
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium not installed: skipped"; exit 77; }
rm -rf "$work"
mkdir -p "$work"
cd "$work"

# Flags for a closed network and no display (see .library's machine notes): no background
# connections, a fresh profile each run.
browse() {  # browse OUTPUT_FLAG URL
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile-$RANDOM" --window-size=1400,900 "$@" 2>>"$work/browser.log"
}

printf 'mov %%r0, 0\n# read past the 4-byte memory\nldxb %%r0, [%%r1+4]\nexit\n' >oob.asm
rc=0
"$bpfcert" verify oob.asm --mem-size 4 --html oob.html -q || rc=$?
[ "$rc" = 1 ] || { echo "verify exited $rc"; exit 1; }
browse --dump-dom "file://$work/oob.html#p0-pc1" >oob.dom
grep -q 'error\[mem.bounds\]' oob.dom || { echo "finding not in the DOM"; exit 1; }
grep -q 'before pc 1' oob.dom || { echo "the state panel did not show pc 1"; head -c 2000 oob.dom; exit 1; }
grep -q 'r1  = mem' oob.dom || { echo "the state panel shows no r1"; exit 1; }
grep -q 'class="row src src-p0' oob.dom || { echo "no source pane"; exit 1; }

browse --screenshot="$work/oob.png" "file://$work/oob.html#p0-pc1" >/dev/null
python3 - "$work/oob.png" <<'PY'
# Count the pixels of the finding highlight (#ffd6d6) and of the selected row (#cfe3ff) in the
# screenshot: the page rendered its finding and its selection, not a blank or an error page.
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height = 8, b"", 0, 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    chunk = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
        assert depth == 8 and color in (2, 6), (depth, color)
        bpp = 3 if color == 2 else 4
    elif kind == b"IDAT":
        idat += chunk
    pos += 12 + length
raw, stride = zlib.decompress(idat), width * bpp
prev, rows, i = bytearray(stride), [], 0
for _ in range(height):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
def count(rgb):
    return sum(1 for r in rows for x in range(0, stride, bpp) if tuple(r[x:x + 3]) == rgb)
error, selected = count((0xff, 0xd6, 0xd6)), count((0xcf, 0xe3, 0xff))
print(f"screenshot {width}x{height}: {error} finding pixels, {selected} selection pixels")
assert error > 500, "the finding's highlight is not on the screen"
assert selected > 500, "the selected instruction is not highlighted"
PY

if [ -n "$object" ] && [ -f "$object" ]; then
  rc=0
  "$bpfcert" verify "$object" --html obj.html -q || rc=$?
  [ "$rc" -le 1 ] || { echo "verify of $object exited $rc"; exit 1; }
  browse --dump-dom "file://$work/obj.html#p0-pc0" >obj.dom
  grep -q 'SEC(' obj.dom || { echo "the C source is not on the page"; exit 1; }
  grep -q '= \*(u' obj.dom || { echo "no BPF code in LLVM syntax on the page"; exit 1; }
  grep -q 'before pc 0' obj.dom || { echo "no state for pc 0"; exit 1; }
fi
echo "html: the page renders its findings, source and state in chromium"

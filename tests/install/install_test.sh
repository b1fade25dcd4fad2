#!/usr/bin/env bash
# Installs the build into a fresh prefix and uses it as a user would: the commands, their man
# pages and completion, the corpus found from the installed binary, and a program built against
# the libraries through the CMake package and through pkg-config.
#   install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"

"$prefix/bin/bpfcert" --version | grep -q '^bpfcert [0-9]'
"$prefix/bin/bpfcert-plugin" --version </dev/null | grep -q '^bpfcert-plugin [0-9]'
for page in bpfcert bpfcert-verify bpfcert-run bpfcert-conform bpfcert-report-merge; do
  test -s "$prefix/share/man/man1/$page.1" || { echo "missing man page $page.1"; exit 1; }
done
if command -v man >/dev/null; then
  MANWIDTH=100 man -l "$prefix/share/man/man1/bpfcert-verify.1" 2>/dev/null | grep -q 'EXIT STATUS'
fi
completion=$prefix/share/bash-completion/completions/bpfcert
test -s "$completion"
words=$(bash -c "source '$completion'; COMP_WORDS=(bpfcert veri); COMP_CWORD=1; _bpfcert; echo \${COMPREPLY[*]}")
[ "$words" = verify ] || { echo "completion of 'veri': '$words'"; exit 1; }
test -f "$prefix/include/bpfcert/verifier/analyzer.h"
test -f "$prefix/share/bpfcert/schemas/verification-1.schema.json"

# The installed binary certifies against the installed corpus, run from anywhere.
(cd "$work" && "$prefix/bin/bpfcert" conform --include-regex '^lddw' -q >"$work/conform.txt")
grep -q 'certified' "$work/conform.txt"

# find_package(bpfcert)
cmake -S "$src/tests/install/consumer" -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_TYPE=Release >"$work/consumer.log"
cmake --build "$work/consumer" >>"$work/consumer.log"
out=$("$work/consumer/consumer")
[ "$out" = "accepted r0=42" ] || { echo "consumer printed: $out"; exit 1; }

# pkg-config
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs bpfcert)
c++ -O1 "$src/tests/install/consumer/main.cpp" $flags -o "$work/pc_consumer"
out=$("$work/pc_consumer")
[ "$out" = "accepted r0=42" ] || { echo "pkg-config consumer printed: $out"; exit 1; }
echo "install: commands, man pages, completion, corpus, CMake package and pkg-config work from $prefix"

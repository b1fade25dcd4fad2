#!/usr/bin/env bash
# Builds the Debian package with CPack and checks what it holds and what it depends on.
#   package_test.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=$1 work=$2
rm -rf "$work"
mkdir -p "$work"
(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/bpfcert_*.deb)
dpkg-deb -c "$deb" >"$work/contents.txt"
for f in ./usr/bin/bpfcert ./usr/bin/bpfcert-plugin ./usr/share/man/man1/bpfcert-verify.1 \
         ./usr/share/bash-completion/completions/bpfcert ./usr/include/bpfcert/semantics/program.h \
         ./usr/share/bpfcert/corpus/conformance; do
  grep -q " $f" "$work/contents.txt" || { echo "$deb lacks $f"; exit 1; }
done
grep -q 'cmake/bpfcert/bpfcertConfig.cmake' "$work/contents.txt"
dpkg-deb -f "$deb" Depends | grep -q 'libz3' || { echo "Depends: $(dpkg-deb -f "$deb" Depends)"; exit 1; }
echo "package: $deb"

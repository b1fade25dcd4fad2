#!/usr/bin/env bash
# The GitHub Action as far as it runs without GitHub: action.yml is well formed and names
# scripts that exist, and its run step writes the reports and the exit code output for both
# commands (the install step is .ci/install-deps plus the build the install test covers).
#   action_test.sh SOURCE_DIR BPFCERT WORK_DIR
set -euo pipefail
src=$1 bpfcert=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
python3 - "$src/action.yml" <<'PY'
import os, sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
assert action["runs"]["using"] == "composite"
for name in ("command", "args", "sarif", "upload-sarif", "source-root"):
    assert name in action["inputs"], name
uses = [s.get("uses", "") for s in action["runs"]["steps"]]
assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses), uses
for step in action["runs"]["steps"]:
    run = step.get("run", "")
    for word in run.replace('"', " ").split():
        if word.startswith("$GITHUB_ACTION_PATH/"):
            path = os.path.join(os.path.dirname(sys.argv[1]), word[len("$GITHUB_ACTION_PATH/"):])
            assert os.access(path, os.X_OK), path
PY
cd "$work"
printf 'ldxb %%r0, [%%r1+4]\nexit\n' >oob.asm
BPFCERT=$bpfcert BPFCERT_COMMAND=verify BPFCERT_ARGS="oob.asm --mem-size 4" BPFCERT_SARIF=r.sarif \
  BPFCERT_JSON=r.json BPFCERT_SOURCE_ROOT=$work GITHUB_OUTPUT=$work/out1 "$src/.ci/action/run" >/dev/null
grep -qx 'exit-code=1' out1
python3 -c "import json; r = json.load(open('r.sarif'))['runs'][0]['results'][0]; \
  l = r['locations'][0]['physicalLocation']['artifactLocation']; assert l == {'uri': 'oob.asm', 'uriBaseId': 'SRCROOT'}, l"
BPFCERT=$bpfcert BPFCERT_COMMAND=conform BPFCERT_ARGS="--include-regex ^lddw" BPFCERT_JSON=c.json \
  BPFCERT_JUNIT=c.xml GITHUB_OUTPUT=$work/out2 "$src/.ci/action/run" >/dev/null
grep -qx 'exit-code=0' out2
test -s c.json && test -s c.xml
BPFCERT=$bpfcert BPFCERT_COMMAND=frobnicate GITHUB_OUTPUT=$work/out3 "$src/.ci/action/run" 2>/dev/null
grep -qx 'exit-code=2' out3
echo "action: action.yml well formed; verify and conform steps write their reports and exit codes"

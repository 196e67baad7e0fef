#!/usr/bin/env bash
# Checks the systemd units without a running systemd:
#   1. `systemd-analyze verify --man=no` on hpo-coordinator.service and on the template
#      hpo-worker@.service as an instance (hpo-worker@1.service), copied into a temporary folder
#      with /usr/local/bin/ pointed at the built binaries (verify insists that ExecStart exists).
#      Passes only with exit status 0 AND no output: a misspelt key only warns.
#   2. Every --flag in each ExecStart is one the binary's --help lists.
#   3. Every variable an ExecStart uses is set in the example environment file or the unit.
#   4. Self-test: a copy with a misspelt key must be caught by check 1.
# Installs Debian's `systemd` package if systemd-analyze is missing (as root).
# Environment: HPO_BIN (see cluster/lib/common.sh). When HPO_BIN is not set and no built
# binaries are found, stub programs stand in for check 1 and check 2 is skipped with a note.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
HERE="$CLUSTER_LIB/../systemd"

if ! command -v systemd-analyze >/dev/null; then
  [ "$(id -u)" -eq 0 ] || die "systemd-analyze is missing: apt-get install systemd"
  say "installing systemd (for systemd-analyze)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null
fi

TMP="$(mktemp -d /tmp/hpo-units.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/units" "$TMP/stub"

bindir=""
if [ -n "${HPO_BIN:-}" ] || (find_binaries) >/dev/null 2>&1; then
  find_binaries  # dies when HPO_BIN is set but wrong
  bindir="$(dirname "$COORDINATOR")"
else
  say "note: binaries not found (set HPO_BIN); stub programs stand in, flags not checked"
  for b in hpo-coordinator hpo-worker; do printf '#!/bin/sh\nexit 0\n' >"$TMP/stub/$b"; chmod +x "$TMP/stub/$b"; done
  bindir="$TMP/stub"
fi

# install UNIT NAME: copy a unit into the temporary folder under NAME, binaries pointed at bindir.
install_unit() { sed "s#/usr/local/bin/#$bindir/#g" "$HERE/$1" >"$TMP/units/$2"; }

# verify UNIT_FILE...: systemd-analyze verify; prints its output; fails on any output or status.
verify() {
  local output status=0
  output="$(cd "$TMP/units" && systemd-analyze verify --man=no "$@" 2>&1)" || status=$?
  if [ "$status" -ne 0 ] || [ -n "$output" ]; then
    printf '%s\n' "$output"
    return 1
  fi
}

failures=0
install_unit hpo-coordinator.service hpo-coordinator.service
install_unit hpo-worker@.service hpo-worker@1.service
if verify "$TMP/units/hpo-coordinator.service" "$TMP/units/hpo-worker@1.service"; then
  say "ok: systemd-analyze verify hpo-coordinator.service hpo-worker@1.service: status 0, no output"
else
  echo "FAIL: systemd-analyze verify reported the above" >&2
  failures=$((failures + 1))
fi

# Checks 2 and 3, on the ExecStart lines and the example environment files.
if ! python3 - "$HERE" "${bindir}" "$([ "$bindir" = "$TMP/stub" ] && echo stub || echo real)" <<'EOF'
import os, re, shlex, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(sys.argv[1], "..", "lib"))
import hpoflags

here, bindir, kind = sys.argv[1:4]
units = {"hpo-coordinator.service": ("hpo-coordinator", "coordinator.env"),
         "hpo-worker@.service": ("hpo-worker", "worker.env")}
failed = False
for unit, (binary, envfile) in units.items():
    text = open(os.path.join(here, unit)).read()
    exec_start = re.search(r"^ExecStart=(.*)$", text, re.MULTILINE).group(1)
    words = shlex.split(exec_start)
    if words[0] != f"/usr/local/bin/{binary}":
        print(f"{unit}: ExecStart runs {words[0]}, expected /usr/local/bin/{binary}"); failed = True
    if kind == "real":
        unknown = hpoflags.unknown_flags(words[1:], hpoflags.flags_of([os.path.join(bindir, binary)]))
        if unknown:
            print(f"{unit}: ExecStart uses flags {binary} does not know: {', '.join(unknown)}"); failed = True
    used = set(re.findall(r"\$\{(\w+)\}|\$(\w+)", exec_start))
    used = {a or b for a, b in used} - {"MAINPID"}
    defined = set(re.findall(r"^\s*([A-Z_][A-Z0-9_]*)=", open(os.path.join(here, envfile)).read(), re.MULTILINE))
    for line in re.findall(r"^Environment=(.*)$", text, re.MULTILINE):
        defined |= {word.split("=", 1)[0] for word in shlex.split(line)}
    missing = sorted(used - defined)
    if missing:
        print(f"{unit}: ExecStart uses {', '.join(missing)}, not set in {envfile}"); failed = True
    envref = re.search(r"^EnvironmentFile=-?(.*)$", text, re.MULTILINE)
    if not envref or os.path.basename(envref.group(1)) != envfile:
        print(f"{unit}: EnvironmentFile should name /etc/hpo/{envfile}"); failed = True
    print(f"  {unit}: {len([w for w in words if w.startswith('--')])} flags"
          f"{' known to ' + binary if kind == 'real' else ' (not checked: no binaries)'}; "
          f"variables {', '.join(sorted(used))} set in {envfile}")
sys.exit(1 if failed else 0)
EOF
then
  echo "FAIL: ExecStart flags or variables (above)" >&2
  failures=$((failures + 1))
else
  say "ok: ExecStart flags and environment variables"
fi

# Self-test: the same check must reject a misspelt key (which systemd only warns about).
sed 's/^NoNewPrivileges=/NoNewPrivilege=/' "$TMP/units/hpo-worker@1.service" >"$TMP/units/hpo-worker@2.service"
if verify "$TMP/units/hpo-worker@2.service" >/dev/null; then
  echo "FAIL: self-test: a misspelt key (NoNewPrivilege=) was not caught" >&2
  failures=$((failures + 1))
else
  say "ok: self-test: a misspelt key is caught"
fi

if [ "$failures" -ne 0 ]; then die "$failures systemd check(s) failed"; fi
echo "PASS: systemd units"

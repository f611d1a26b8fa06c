#!/usr/bin/env bash
# Benchmark the scheduled escalation run on throwaway databases, beside OCA's
# account_credit_control on the same book:
#   bash setup/benchmark.sh [N ...]      (default: 10000 100000)
# Each N gets a fresh database with ar_escalation_ladder, a synthetic book of
# N open invoices over N/10 customers, and the three timed passes of
# setup/benchmark_escalation.py; then a second fresh database with OCA's
# account_credit_control 18.0 (from PyPI, unpacked into var/oca/addons), the
# same book, and its credit control run up to queued emails
# (setup/benchmark_credit_control.py), followed by the side-by-side table of
# our first pass and OCA's run.
# BENCH_BATCH sets the batch size (2000); BENCH_DB_PREFIX names the databases
# (ar_escalation_bench_N and ar_escalation_bench_oca_N); BENCH_OCA=0 skips the
# OCA comparison; BENCH_KEEP_DB=1 keeps the databases afterwards. Then the segmentation
# benchmark (setup/benchmark_segments.sh; BENCH_SEGMENTS=0 skips it).
set -euo pipefail

# shellcheck source=setup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_odoo || { log "setup/benchmark.sh needs Odoo 18 (see above)."; exit 1; }
ensure_postgres
ensure_project_python_deps "$ODOO_PYTHON"
ADDONS_PATH=$(odoo_addons_path)
odoo() { (cd "$ODOO_SRC" && "$ODOO_PYTHON" -m odoo "$@"); }

OCA_ADDONS=$AR_ROOT/var/oca/addons
OCA_SPEC="odoo-addon-account_credit_control>=18.0,<18.1"

# fetch_oca_addon NAME SPEC: the addon NAME unpacked from its PyPI wheel (SPEC)
# into $OCA_ADDONS, once, and the Python packages its manifest declares
# installed into Odoo's Python (the wheel's own dependency is Odoo itself,
# hence --no-deps).
fetch_oca_addon() {
  local name=$1 spec=$2 tmp
  if [ ! -f "$OCA_ADDONS/$name/__manifest__.py" ]; then
    tmp=$(mktemp -d)
    if ! "$ODOO_PYTHON" -m pip download --no-deps -q -d "$tmp" "$spec" >"$tmp/pip.log" 2>&1; then
      log "Could not download $spec from PyPI:"
      tail -3 "$tmp/pip.log" >&2
      rm -rf "$tmp"
      return 1
    fi
    "$ODOO_PYTHON" -m zipfile -e "$tmp"/*.whl "$tmp/wheel"
    mkdir -p "$OCA_ADDONS"
    rm -rf "${OCA_ADDONS:?}/$name"
    mv "$tmp/wheel/odoo/addons/$name" "$OCA_ADDONS/$name"
    rm -rf "$tmp"
  fi
  "$ODOO_PYTHON" - "$OCA_ADDONS/$name/__manifest__.py" <<'EOF'
import ast, importlib.metadata, re, subprocess, sys
manifest = ast.literal_eval(open(sys.argv[1]).read())
def installed(requirement):
    try:
        importlib.metadata.distribution(re.split(r"[<>=!~;\[ ]", requirement)[0])
    except importlib.metadata.PackageNotFoundError:
        return False
    return True
missing = [r for r in manifest.get("external_dependencies", {}).get("python", []) if not installed(r)]
if missing:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *missing])
EOF
}

oca=${BENCH_OCA:-1}
if [ "$oca" = 1 ] && ! fetch_oca_addon account_credit_control "$OCA_SPEC"; then
  log "PyPI is unreachable: the comparison with OCA account_credit_control is skipped."
  oca=0
fi
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
for n in "${sizes[@]}"; do
  db=${BENCH_DB_PREFIX:-ar_escalation_bench}_$n
  dropdb --if-exists --force "$db"
  odoo --addons-path="$ADDONS_PATH" -d "$db" -i ar_escalation_ladder --without-demo=all \
    --stop-after-init --no-http --max-cron-threads=0 --log-level=warn
  BENCH_N=$n BENCH_RESULT_FILE=$results/ours_$n.json \
    odoo shell --addons-path="$ADDONS_PATH" -d "$db" --no-http --log-level=warn \
    <"$AR_ROOT/setup/benchmark_escalation.py"
  [ "${BENCH_KEEP_DB:-0}" = 1 ] || dropdb --force "$db"
  [ "$oca" = 1 ] || continue
  db=${BENCH_DB_PREFIX:-ar_escalation_bench}_oca_$n
  dropdb --if-exists --force "$db"
  odoo --addons-path="$ADDONS_PATH,$OCA_ADDONS" -d "$db" -i account_credit_control --without-demo=all \
    --stop-after-init --no-http --max-cron-threads=0 --log-level=warn
  BENCH_N=$n BENCH_SETUP=$AR_ROOT/setup BENCH_OURS_RESULT=$results/ours_$n.json \
    odoo shell --addons-path="$ADDONS_PATH,$OCA_ADDONS" -d "$db" --no-http --log-level=warn \
    <"$AR_ROOT/setup/benchmark_credit_control.py"
  [ "${BENCH_KEEP_DB:-0}" = 1 ] || dropdb --force "$db"
done

# the segmentation run on its own book (10,000 customers / ~100,000 invoices); BENCH_SEGMENTS=0 skips it
if [ "${BENCH_SEGMENTS:-1}" = 1 ]; then
  bash "$AR_ROOT/setup/benchmark_segments.sh"
fi

#!/usr/bin/env bash
# Benchmark the daily run that evaluates only what changes (issue 16) on a throwaway database:
#   bash setup/benchmark_daily.sh [N]      (default: 100000 open invoices)
# Creates the database (AR_BENCH_DB, default ar_escalation_bench_daily) with
# ar_escalation_ladder, builds the book of setup/benchmark_escalation.py, and
# times the first escalation, the full re-evaluation, a quiet day and a day with
# BENCH_DUE (0.02) of the customers due (setup/benchmark_daily.py), then the
# 1,000,000-invoice extrapolation; drops the database (AR_BENCH_KEEP=1 keeps it).
# Timed: run it alone, e.g. under flock with the other benchmarks.
set -euo pipefail

# shellcheck source=setup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_odoo || { log "setup/benchmark_daily.sh needs Odoo 18 (see above)."; exit 1; }
ensure_postgres
ensure_project_python_deps "$ODOO_PYTHON"
ADDONS_PATH=$(odoo_addons_path)
odoo() { (cd "$ODOO_SRC" && "$ODOO_PYTHON" -m odoo "$@"); }

n=${1:-100000}
db=${AR_BENCH_DB:-ar_escalation_bench_daily}
dropdb --if-exists --force "$db"
odoo --addons-path="$ADDONS_PATH" -d "$db" -i ar_escalation_ladder --without-demo=all \
  --stop-after-init --no-http --max-cron-threads=0 --log-level=warn
BENCH_N=$n BENCH_SETUP=$AR_ROOT/setup odoo shell --addons-path="$ADDONS_PATH" -d "$db" --no-http \
  --log-level=warn <"$AR_ROOT/setup/benchmark_daily.py"
[ "${AR_BENCH_KEEP:-0}" = 1 ] || dropdb --force "$db"

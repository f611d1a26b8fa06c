#!/usr/bin/env bash
# Benchmark the scheduled escalation run on throwaway databases:
#   bash setup/benchmark.sh [N ...]      (default: 10000 100000)
# Each N gets a fresh database with ar_escalation_ladder, a synthetic book of
# N open invoices over N/10 customers, and the three timed passes of
# setup/benchmark_escalation.py. BENCH_BATCH sets the batch size (2000);
# BENCH_DB_PREFIX names the databases (ar_escalation_bench_N).
set -euo pipefail

# shellcheck source=setup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_odoo || { log "setup/benchmark.sh needs Odoo 18 (see above)."; exit 1; }
ensure_postgres
ensure_project_python_deps "$ODOO_PYTHON"
ADDONS_PATH=$(odoo_addons_path)
odoo() { (cd "$ODOO_SRC" && "$ODOO_PYTHON" -m odoo "$@"); }

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
for n in "${sizes[@]}"; do
  db=${BENCH_DB_PREFIX:-ar_escalation_bench}_$n
  dropdb --if-exists --force "$db"
  odoo --addons-path="$ADDONS_PATH" -d "$db" -i ar_escalation_ladder --without-demo=all \
    --stop-after-init --no-http --max-cron-threads=0 --log-level=warn
  BENCH_N=$n odoo shell --addons-path="$ADDONS_PATH" -d "$db" --no-http --log-level=warn \
    <"$AR_ROOT/setup/benchmark_escalation.py"
  dropdb --force "$db"
done

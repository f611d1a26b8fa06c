#!/usr/bin/env bash
# Benchmark the escalation reports on a throwaway database:
#   bash setup/benchmark_reports.sh [N]      (default: 100000 invoices)
# Creates the database (AR_BENCH_DB, default ar_escalation_bench_reports) with
# ar_escalation_reports, builds a book of N invoices and about 5 N escalation
# events, times every report (setup/benchmark_reports.py), then drops the
# database. AR_BENCH_KEEP=1 keeps it (rerun with BENCH_REUSE=1); BENCH_EXPLAIN=1
# prints the query plans; BENCH_DROP_INDEXES=1 times without the addon's indexes.
set -euo pipefail

# shellcheck source=setup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_odoo || { log "setup/benchmark_reports.sh needs Odoo 18 (see above)."; exit 1; }
ensure_postgres
ensure_project_python_deps "$ODOO_PYTHON"
ADDONS_PATH=$(odoo_addons_path)
odoo() { (cd "$ODOO_SRC" && "$ODOO_PYTHON" -m odoo "$@"); }

n=${1:-100000}
db=${AR_BENCH_DB:-ar_escalation_bench_reports}
if [ -z "${BENCH_REUSE:-}" ]; then
  dropdb --if-exists --force "$db"
  odoo --addons-path="$ADDONS_PATH" -d "$db" -i ar_escalation_reports --without-demo=all \
    --stop-after-init --no-http --max-cron-threads=0 --log-level=warn
fi
BENCH_N=$n odoo shell --addons-path="$ADDONS_PATH" -d "$db" --no-http --log-level=warn \
  <"$AR_ROOT/setup/benchmark_reports.py"
[ "${AR_BENCH_KEEP:-0}" = 1 ] || dropdb --force "$db"

#!/usr/bin/env bash
# Benchmark the segmentation run on a throwaway database:
#   bash setup/benchmark_segments.sh
# A fresh database with ar_escalation_ladder, the planted book of
# tests/planted_book.py at 10,000 customers / about 100,000 invoices
# (BENCH_PER_GROUP customers per planted group, 2000), and the timed passes of
# setup/benchmark_segments.py. BENCH_DB names the database
# (ar_escalation_bench_segments); BENCH_KEEP_DB=1 keeps it afterwards.
set -euo pipefail

# shellcheck source=setup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_odoo || { log "setup/benchmark_segments.sh needs Odoo 18 (see above)."; exit 1; }
ensure_postgres
ensure_project_python_deps "$ODOO_PYTHON"
ADDONS_PATH=$(odoo_addons_path)
odoo() { (cd "$ODOO_SRC" && "$ODOO_PYTHON" -m odoo "$@"); }

db=${BENCH_DB:-ar_escalation_bench_segments}
dropdb --if-exists --force "$db"
odoo --addons-path="$ADDONS_PATH" -d "$db" -i ar_escalation_ladder --without-demo=all \
  --stop-after-init --no-http --max-cron-threads=0 --log-level=warn
BENCH_SETUP=$AR_ROOT/setup BENCH_TESTS=$AR_ROOT/tests \
  odoo shell --addons-path="$ADDONS_PATH" -d "$db" --no-http --log-level=warn \
  <"$AR_ROOT/setup/benchmark_segments.py"
[ "${BENCH_KEEP_DB:-0}" = 1 ] || dropdb --force "$db"

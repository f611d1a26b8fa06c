#!/usr/bin/env bash
# Benchmark the webhooks to a CRM on a throwaway database:
#   bash setup/benchmark_webhooks.sh [N]      (default: 10000 events)
# Creates the database (AR_BENCH_DB, default ar_escalation_bench_webhooks) with
# ar_escalation_ladder, records N events with one subscription taking them and
# delivers them to a local receiver (setup/benchmark_webhooks.py), then drops
# the database. AR_BENCH_KEEP=1 keeps it; BENCH_BATCH and BENCH_PARALLEL tune
# the sender. Run timed runs under `flock` when the machine is shared.
set -euo pipefail

# shellcheck source=setup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_odoo || { log "setup/benchmark_webhooks.sh needs Odoo 18 (see above)."; exit 1; }
ensure_postgres
ensure_project_python_deps "$ODOO_PYTHON"
ADDONS_PATH=$(odoo_addons_path)
odoo() { (cd "$ODOO_SRC" && "$ODOO_PYTHON" -m odoo "$@"); }

n=${1:-10000}
db=${AR_BENCH_DB:-ar_escalation_bench_webhooks}
dropdb --if-exists --force "$db"
odoo --addons-path="$ADDONS_PATH" -d "$db" -i ar_escalation_ladder --without-demo=all \
  --stop-after-init --no-http --max-cron-threads=0 --log-level=warn
AR_ROOT=$AR_ROOT BENCH_N=$n odoo shell --addons-path="$ADDONS_PATH" -d "$db" --no-http --log-level=warn \
  <"$AR_ROOT/setup/benchmark_webhooks.py"
[ "${AR_BENCH_KEEP:-0}" = 1 ] || dropdb --force "$db"

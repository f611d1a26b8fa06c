#!/usr/bin/env bash
# The first pass over N open invoices (20,000 by default) through OCA queue_job with channel
# capacity 1 and 2, against the scheduled action's own path: invoices/s, speedup, the queue's
# overhead per batch. Real Odoo 18 servers on loopback; see setup/benchmark_queue.py (BENCH_* knobs).
#   bash setup/benchmark_queue.sh [N]
# Timed: run it alone on the machine (the helpers share one: flock /work/helpers/bench.lock ...).
set -euo pipefail

# shellcheck source=setup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_odoo || { log "setup/benchmark_queue.sh needs Odoo 18 (see above)."; exit 1; }
ensure_postgres
ensure_project_python_deps "$ODOO_PYTHON"
OCA_ADDONS_DIR=${AR_OCA_DIR:-$AR_ROOT/var/oca}/addons
fetch_oca_addons "$OCA_ADDONS_DIR" "$ODOO_PYTHON" queue_job ||
  { log "the benchmark needs OCA queue_job: $OCA_PROBLEM"; exit 1; }
ADDONS_PATH=$(odoo_addons_path "$OCA_ADDONS_DIR")
export ODOO_SRC ODOO_PYTHON ADDONS_PATH
exec "$ODOO_PYTHON" "$AR_ROOT/setup/benchmark_queue.py" "$@"

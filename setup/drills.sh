#!/usr/bin/env bash
# Reliability drills against real Odoo 18 server processes on loopback:
#   bash setup/drills.sh [crash] [two] [mail] [sms] [queue]      (the first four by default)
# Crash (SIGKILL midway through a 20,000-invoice run), two workers at once,
# mail server down, SMS provider down; queue: two servers with queue_job's job runners, one killed. Prints a results table and exits 1 on any failure; see
# setup/drills/run_drills.py for the knobs (DRILL_*; DRILL_DB_PREFIX, DRILL_PORTS, DRILL_SMTP_PORT
# and DRILL_SMS_PORT let a second checkout drill at the same time). Takes about 10-15 min.
set -euo pipefail

# shellcheck source=setup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_odoo || { log "setup/drills.sh needs Odoo 18 (see above)."; exit 1; }
ensure_postgres
ensure_project_python_deps "$ODOO_PYTHON"
ADDONS_PATH=$(odoo_addons_path)
# the queue drill: OCA queue_job 18.0 from PyPI, unpacked as the ecosystem suite does
if [[ " $* " == *" queue "* ]]; then
  OCA_ADDONS_DIR=${AR_OCA_DIR:-$AR_ROOT/var/oca}/addons
  fetch_oca_addons "$OCA_ADDONS_DIR" "$ODOO_PYTHON" queue_job ||
    { log "the queue drill needs OCA queue_job: $OCA_PROBLEM"; exit 1; }
  ADDONS_PATH=$(odoo_addons_path "$OCA_ADDONS_DIR")
fi
export ODOO_SRC ODOO_PYTHON ADDONS_PATH
exec "$ODOO_PYTHON" "$AR_ROOT/setup/drills/run_drills.py" "$@"

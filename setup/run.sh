#!/usr/bin/env bash
# Run the addons on a demo database: find Odoo 18 (or build it: see find_odoo
# in setup/lib.sh), create the database WITH demo data (Odoo's and the
# ladder's demo AR book, ar_escalation_ladder/demo/), run the escalation once,
# then serve Odoo on 127.0.0.1.
#
# Knobs: AR_DEMO_DB (ar_escalation_demo), AR_HTTP_PORT (8069),
# AR_RUN_UPDATE=1 (upgrade the addons in an existing database),
# AR_RUN_NO_SERVE=1 (prepare only, do not start the server),
# AR_DEMO_SEGMENTS=1 (add the planted book of setup/segment_demo.py and segment it),
# ODOO_SRC / ODOO_PYTHON (where Odoo 18 is), ODOO_GIT_URL / ODOO_GIT_REF
# (where to fetch it from when there is none: Odoo's repository, 18.0),
# AR_NO_CONVENTIONAL_ODOO=1 (ignore /opt/odoo18 and the other usual places),
# AR_NO_ODOO_FETCH=1 (never fetch), AR_ODOO_CACHE (var: where the fetched tree goes),
# AR_ODOO_BASE_PYTHON (the Python to build Odoo's virtual environment with).
set -euo pipefail

# shellcheck source=setup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_odoo || { log "setup/run.sh needs Odoo 18 (see above)."; exit 1; }
ensure_postgres
ensure_project_python_deps "$ODOO_PYTHON"
ensure_wkhtmltopdf

DB=${AR_DEMO_DB:-ar_escalation_demo}
PORT=${AR_HTTP_PORT:-8069}
ADDONS_PATH=$(odoo_addons_path)
MODULES=$(IFS=,; echo "${AR_ADDONS[*]}")
odoo() { (cd "$ODOO_SRC" && "$ODOO_PYTHON" -m odoo "$@"); }
log "Odoo $ODOO_SRC ($ODOO_PYTHON), database $DB"

if ! port_free "$PORT"; then
  log "Port $PORT on 127.0.0.1 is in use (another Odoo? setup/run.sh already running?): stop it or set AR_HTTP_PORT."
  exit 1
fi

if ! db_modules_installed "$DB" "${AR_ADDONS[@]}"; then
  log "Installing $MODULES into database $DB with demo data (Odoo's and the ladder's demo AR book)..."
  odoo --addons-path="$ADDONS_PATH" -d "$DB" -i "$MODULES" \
    --stop-after-init --max-cron-threads=0 --no-http --log-level=warn
elif [ "${AR_RUN_UPDATE:-0}" = 1 ]; then
  log "Upgrading $MODULES in database $DB..."
  odoo --addons-path="$ADDONS_PATH" -d "$DB" -u "$MODULES" \
    --stop-after-init --max-cron-threads=0 --no-http --log-level=warn
fi

# `python -m odoo shell` runs stdin once (the tree's odoo-bin would start twice).
# The shell rolls back at the end, so each script commits its own work.
shell() { odoo shell --addons-path="$ADDONS_PATH" -d "$DB" --no-http --log-level=warn; }

# The demo book is built here too for a database created before it (or
# without demo data): once, marked by a system parameter. The links in the
# emails and the formal notice's PDF (wkhtmltopdf loads its styles over HTTP)
# point at the server started below.
shell <<EOF_PY
env["account.chart.template"]._ar_escalation_demo_book(env.company, demo_loading=True)  # noqa: F821
params = env["ir.config_parameter"].sudo()  # noqa: F821
params.set_param("web.base.url", "http://127.0.0.1:$PORT")
params.set_param("report.url", "http://127.0.0.1:$PORT")
env.ref("base.user_admin").write({"login": "admin", "password": "admin"})  # noqa: F821
env.cr.commit()  # noqa: F821 - odoo shell rolls back otherwise
EOF_PY

# Segments (AR_DEMO_SEGMENTS=1): a planted book of 150 customers with two years
# of history, segmented, its tracks drafted (setup/segment_demo.py; posted once).
if [ "${AR_DEMO_SEGMENTS:-0}" = 1 ]; then
  shell <"$AR_ROOT/setup/segment_demo.py"
fi

# The escalation, run once (idempotent): settles the promises, moves the
# invoices up the ladder, sends the reminders and formal notices.
escalate() {
  shell <<'EOF_PY'
from odoo import fields

env["ar.escalation.promise"]._cron_settle(fields.Date.context_today(env.user))  # noqa: F821
runner = env["ar.escalation.runner"]  # noqa: F821
while runner._cron_run():
    pass
staged = env["account.move"].search_count([("ar_stage_id", "!=", False)])  # noqa: F821
events = env["ar.escalation.event"].search_count([])  # noqa: F821
pdfs = env["ir.attachment"].search_count([("mimetype", "=", "application/pdf")])  # noqa: F821
env.cr.commit()  # noqa: F821 - odoo shell rolls back otherwise
print(f"Escalation run done: {staged} invoices on the ladder, {events} escalation events, {pdfs} PDF documents.")
EOF_PY
}

guide() {
  cat <<EOF

AR escalation demo: http://127.0.0.1:$PORT (database $DB)
Login: admin / password: admin (also ar.operator, ar.lead, finance.lead, cfo: password = login)
Look first at:
  1. the ladder board: Invoicing > Escalation > Ladder board (one column per stage)
  2. an invoice on the ladder: open a card (stage, SLA, promise, dispute, escalation events,
     chatter with the reminder sent and its formal notice PDF)
  3. the settings: Invoicing > Configuration > Settings > AR Escalation (owners, channels)
     and Invoicing > Configuration > Escalation ladder (the stages)
EOF
}

if [ "${AR_RUN_NO_SERVE:-0}" = 1 ]; then
  escalate
  guide
  echo "(AR_RUN_NO_SERVE=1: not serving; notices rendered without the server lack their styles)"
  exit 0
fi

# Serve, run the escalation against the running server, then stay in the
# foreground until the server stops (Ctrl-C stops it).
(cd "$ODOO_SRC" && exec "$ODOO_PYTHON" -m odoo --addons-path="$ADDONS_PATH" -d "$DB" \
  --http-interface=127.0.0.1 --http-port="$PORT" --db-filter="^$DB\$") &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
for _ in $(seq 120); do
  port_free "$PORT" || break
  kill -0 "$server" 2>/dev/null || { log "The Odoo server stopped (see above)."; exit 1; }
  sleep 1
done
port_free "$PORT" && { log "The Odoo server does not listen on 127.0.0.1:$PORT after 120 s."; exit 1; }
escalate
guide
echo "Serving; stop the server with Ctrl-C. Running setup/run.sh again reuses the database."
wait "$server"

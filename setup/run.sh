#!/usr/bin/env bash
# Run the addons on a demo database: install them (once), load the demo AR
# book (setup/demo_book.py, idempotent), then serve Odoo on 127.0.0.1.
#
# Knobs: AR_DEMO_DB (ar_escalation_demo), AR_HTTP_PORT (8069),
# AR_RUN_UPDATE=1 (upgrade the addons in an existing database),
# AR_RUN_NO_SERVE=1 (prepare only, do not start the server),
# ODOO_SRC / ODOO_PYTHON (where Odoo 18 is; see find_odoo in setup/lib.sh).
set -euo pipefail

# shellcheck source=setup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_odoo || { log "setup/run.sh needs Odoo 18 (see above)."; exit 1; }
ensure_postgres
ensure_project_python_deps "$ODOO_PYTHON"

DB=${AR_DEMO_DB:-ar_escalation_demo}
PORT=${AR_HTTP_PORT:-8069}
ADDONS_PATH=$(odoo_addons_path)
MODULES=$(IFS=,; echo "${AR_ADDONS[*]}")
odoo() { (cd "$ODOO_SRC" && "$ODOO_PYTHON" -m odoo "$@"); }

# How many of our addons are installed in $DB (0 when it does not exist).
names=$(printf "'%s'," "${AR_ADDONS[@]}")
installed=$(psql -d "$DB" -tAc "SELECT count(*) FROM ir_module_module
  WHERE state = 'installed' AND name IN (${names%,})" 2>/dev/null || echo 0)

if [ "$installed" != "${#AR_ADDONS[@]}" ]; then
  log "Installing $MODULES into database $DB (no Odoo demo data)..."
  odoo --addons-path="$ADDONS_PATH" -d "$DB" -i "$MODULES" --without-demo=all \
    --stop-after-init --max-cron-threads=0 --no-http --log-level=warn
elif [ "${AR_RUN_UPDATE:-0}" = 1 ]; then
  log "Upgrading $MODULES in database $DB..."
  odoo --addons-path="$ADDONS_PATH" -d "$DB" -u "$MODULES" \
    --stop-after-init --max-cron-threads=0 --no-http --log-level=warn
fi

# `python -m odoo shell` runs stdin once (the tree's odoo-bin would start twice).
# The shell rolls back at the end, so each script commits its own work.
{
  if [ -f "$AR_ROOT/setup/demo_book.py" ]; then
    cat "$AR_ROOT/setup/demo_book.py"
  else
    log "setup/demo_book.py not found: no demo data loaded."
  fi
  cat <<'EOF'

admin = env.ref("base.user_admin")  # noqa: F821 - odoo shell's env
admin.write({"login": "admin", "password": "admin"})
env.cr.commit()  # noqa: F821
EOF
} | odoo shell --addons-path="$ADDONS_PATH" -d "$DB" --no-http --log-level=warn

echo "Open http://127.0.0.1:$PORT — login: admin / password: admin"
[ "${AR_RUN_NO_SERVE:-0}" = 1 ] && exit 0
cd "$ODOO_SRC"
exec "$ODOO_PYTHON" -m odoo --addons-path="$ADDONS_PATH" -d "$DB" \
  --http-interface=127.0.0.1 --http-port="$PORT" --db-filter="^$DB\$"

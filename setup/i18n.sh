#!/usr/bin/env bash
# Refresh the translation templates and catalogues of the three addons:
#   bash setup/i18n.sh
# Installs the addons on a throwaway database (I18N_DB, default
# ar_escalation_i18n), exports each addon's terms with Odoo's own exporter
# (`--i18n-export`, the same .pot Odoo's "Export Translation" gives) into
# <addon>/i18n/<addon>.pot, and merges every shipped <lang>.po with it
# (msgmerge: new terms arrive untranslated, dropped terms become obsolete,
# translations kept). Translating the new terms stays a person's job.
set -euo pipefail

# shellcheck source=setup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_odoo || { log "setup/i18n.sh needs Odoo 18 (see above)."; exit 1; }
ensure_postgres
command -v msgmerge >/dev/null || { log "setup/i18n.sh needs gettext's msgmerge (apt install gettext)."; exit 1; }
ADDONS_PATH=$(odoo_addons_path)
odoo() { (cd "$ODOO_SRC" && "$ODOO_PYTHON" -m odoo "$@"); }

db=${I18N_DB:-ar_escalation_i18n}
dropdb --if-exists --force "$db"
odoo --addons-path="$ADDONS_PATH" -d "$db" -i ar_escalation_ladder,ar_escalation_sms,ar_escalation_reports \
  --without-demo=all --stop-after-init --max-cron-threads=0 --http-interface=127.0.0.1 --log-level=warn
for addon in ar_escalation_ladder ar_escalation_sms ar_escalation_reports; do
  mkdir -p "$AR_ROOT/$addon/i18n"
  pot=$AR_ROOT/$addon/i18n/$addon.pot
  odoo --addons-path="$ADDONS_PATH" -d "$db" --modules="$addon" --i18n-export="$pot" \
    --stop-after-init --log-level=warn
  for po in "$AR_ROOT/$addon"/i18n/*.po; do
    [ -e "$po" ] || continue
    msgmerge --quiet --update --backup=none --no-fuzzy-matching "$po" "$pot"
    log "$(basename "$po") of $addon: $(msgfmt --statistics -o /dev/null "$po" 2>&1)"
  done
done
[ "${I18N_KEEP_DB:-0}" = 1 ] || dropdb --force "$db"

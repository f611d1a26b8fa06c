#!/usr/bin/env bash
# Check that the shipped translation files are current and well formed:
#   bash setup/i18n_check.sh [DB]
#
# 1. Regenerates each addon's .pot with Odoo's own exporter (`--i18n-export`,
#    as setup/i18n.sh does) and compares it with the shipped
#    <addon>/i18n/<addon>.pot, ignoring the header's dates and the `#:`
#    reference lines (file names move, the terms are what matters). A term
#    added to or removed from the code, the views or the data fails the check
#    with the msgids concerned: run `bash setup/i18n.sh` and commit its output.
# 2. Checks every shipped <addon>/i18n/*.po with `msgfmt -c --check-format`
#    (syntax, header, placeholders of python-format entries, newlines) and that
#    it holds every msgid of its .pot (i.e. it was merged by setup/i18n.sh).
#
# DB (or I18N_CHECK_DB): an existing database where the three addons are
# installed from the current code (e.g. the test database right after the
# suite's `-i` run); it is only read. Without one, a throwaway database
# (I18N_CHECK_TMP_DB, default ar_escalation_i18n_check) is built and dropped,
# which adds an install (about 2-3 minutes; I18N_KEEP_DB=1 keeps it).
# With a database the check takes about 40-60 s (three exports).
#
# Exit codes: 0 all current; 1 a .pot is out of date or a .po is broken or not
# merged (the message says which and what to run); 2 the check could not run
# (no Odoo, no msgfmt, the database lacks the addons, the export failed).
set -uo pipefail

# shellcheck source=setup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_odoo || { log "setup/i18n_check.sh needs Odoo 18 (see above)."; exit 2; }
ensure_postgres || exit 2
command -v msgfmt >/dev/null || { log "setup/i18n_check.sh needs gettext's msgfmt (apt install gettext)."; exit 2; }
ADDONS_PATH=$(odoo_addons_path)
odoo() { (cd "$ODOO_SRC" && "$ODOO_PYTHON" -m odoo "$@"); }

db=${1:-${I18N_CHECK_DB:-}}
throwaway=0
if [ -z "$db" ]; then
  db=${I18N_CHECK_TMP_DB:-ar_escalation_i18n_check}
  throwaway=1
  log "Building the throwaway database $db (the three addons, no demo data)..."
  dropdb --if-exists --force "$db" || exit 2
  odoo --addons-path="$ADDONS_PATH" -d "$db" -i "$(IFS=,; echo "${AR_ADDONS[*]}")" \
    --without-demo=all --stop-after-init --max-cron-threads=0 --http-interface=127.0.0.1 \
    --no-http --log-level=warn || { log "I18N CHECK: could not install the addons on $db."; exit 2; }
fi
if ! db_modules_installed "$db" "${AR_ADDONS[@]}"; then
  log "I18N CHECK: database $db does not have ${AR_ADDONS[*]} installed; give a database where they are, or none (a throwaway one is built)."
  exit 2
fi

tmp=$(mktemp -d)
cleanup() {
  rm -rf "$tmp"
  if [ "$throwaway" = 1 ] && [ "${I18N_KEEP_DB:-0}" != 1 ]; then dropdb --if-exists --force "$db"; fi
}
trap cleanup EXIT

cd "$AR_ROOT" || exit 2
rc=0
for addon in "${AR_ADDONS[@]}"; do
  shipped=$addon/i18n/$addon.pot
  fresh=$tmp/$addon.pot
  if ! odoo --addons-path="$ADDONS_PATH" -d "$db" --modules="$addon" --i18n-export="$fresh" \
    --stop-after-init --no-http --log-level=warn || [ ! -s "$fresh" ]; then
    log "I18N CHECK: exporting the terms of $addon from $db failed (see above)."
    exit 2
  fi
  "$ODOO_PYTHON" setup/i18n_compare.py "$addon" "$shipped" "$fresh" "$addon"/i18n/*.po || rc=1
  for po in "$addon"/i18n/*.po; do
    [ -e "$po" ] || continue
    if ! out=$(msgfmt -c --check-format --statistics -o /dev/null "$po" 2>&1); then
      log "I18N CHECK: $po is not a valid catalogue (msgfmt -c):"
      log "$out"
      rc=1
    else
      log "$po: $out"
    fi
  done
done
if [ "$rc" = 0 ]; then
  log "I18N CHECK: the .pot files are current and every .po is valid and merged."
else
  log "I18N CHECK FAILED: see above; for new or removed terms run 'bash setup/i18n.sh' and commit the .pot and .po files."
fi
exit "$rc"

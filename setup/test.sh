#!/usr/bin/env bash
# The project's test command: lint, database-free pytest, then the Odoo test
# suites, each on a fresh database. One exit code; the last line reads
# "N passed, N failed[, N skipped]" (pytest and Odoo added up).
#
# The Odoo suites (each on a fresh database): "addons" (the three addons'
# tests), "core" (Odoo's own account and test_mail activity tests with the
# addons installed), "ecosystem" (the addons beside OCA modules from PyPI,
# tests/odoo_addons/ar_escalation_ecosystem).
#
# Knobs: AR_SKIP_LINT=1, AR_SKIP_ODOO=1, AR_ODOO_SUITES (addons,core,ecosystem),
# AR_TEST_TAGS (addons suite; default: our 3 addons), AR_TEST_DB
# (ar_escalation_test), AR_CORE_TEST_DB (ar_escalation_core_test),
# AR_ECO_TEST_DB (ar_escalation_eco_test), AR_TEST_PORT (8069; when it is not
# set and 8069 is taken, the next free port is used), AR_ODOO_TIMEOUT
# (seconds per Odoo run, 2700), AR_REQUIRE_ODOO=1 (no Odoo found is a failure),
# AR_REQUIRE_ECOSYSTEM=1 (OCA addons out of reach is a failure), AR_OCA_DIR
# (var/oca: the OCA wheels and their unpacked addons, on the addons path of
# the ecosystem suite only),
# ODOO_SRC / ODOO_PYTHON (where Odoo 18 is; see find_odoo in setup/lib.sh),
# ODOO_GIT_URL / ODOO_GIT_REF (where Odoo is fetched from when there is none),
# AR_NO_CONVENTIONAL_ODOO=1 (ignore /opt/odoo18 and the other usual places),
# AR_NO_ODOO_FETCH=1 (never fetch), AR_ODOO_CACHE (var: where the fetched tree goes),
# AR_ODOO_BASE_PYTHON (the Python to build Odoo's virtual environment with).
set -uo pipefail

# shellcheck source=setup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$AR_ROOT" || exit 1

FAILED_STEPS=()
PASSED=0 FAILED=0 SKIPPED=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export HYPOTHESIS_STORAGE_DIRECTORY=${HYPOTHESIS_STORAGE_DIRECTORY:-$AR_ROOT/var/hypothesis}

step() { printf '\n===== %s =====\n' "$*"; }
add_counts() { # add_counts FILE: add the "passed failed skipped" it holds
  local p f s
  read -r p f s <"$1" || return 0
  PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + s))
}

# A venv with the lint and test tools, cached per requirements content.
tool_venv() {
  local key dir
  key=$({ cat requirements.txt test-requirements.txt; python3 -V; } | sha256sum | cut -c1-12)
  dir=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/ar_escalation/venv-$key
  if [ ! -f "$dir/.complete" ]; then
    log "Creating the tool venv $dir ..."
    rm -rf "$dir"
    python3 -m venv "$dir" || { apt_install python3-venv && python3 -m venv "$dir"; } || return 1
    "$dir/bin/python" -m pip install -q --upgrade pip &&
      "$dir/bin/python" -m pip install -q -r test-requirements.txt || return 1
    touch "$dir/.complete"
  fi
  VENV=$dir
}

step "Tool venv"
if tool_venv; then
  echo "Using $VENV"
else
  echo "Could not create the tool venv (python3 -m venv + pip install -r test-requirements.txt)"
  FAILED_STEPS+=(tool-venv)
  VENV=
fi

# ---- a. lint -----------------------------------------------------------------
if [ "${AR_SKIP_LINT:-0}" = 1 ]; then
  step "Lint skipped (AR_SKIP_LINT=1)"
elif [ -n "$VENV" ]; then
  step "Lint: ruff"
  "$VENV/bin/ruff" check --output-format=concise . || FAILED_STEPS+=(ruff)
  step "Lint: pylint-odoo (OCA mandatory checks)"
  # the addons, and the test-only addons of the ecosystem suite
  test_addons=()
  for manifest in tests/odoo_addons/*/__manifest__.py; do
    [ -f "$manifest" ] && test_addons+=("${manifest%/__manifest__.py}")
  done
  if "$VENV/bin/pylint" --rcfile=.pylintrc-mandatory "${AR_ADDONS[@]}" "${test_addons[@]}"; then
    echo "pylint-odoo: OK"
  else
    FAILED_STEPS+=(pylint)
  fi
  step "Lint: structure (pylint's too-many-locals / too-many-branches, file and method sizes)"
  # pylint's default limits (15 locals, 12 branches), the addons' tests included
  if "$VENV/bin/pylint" --load-plugins=pylint_odoo --disable=all --score=n \
      --enable=too-many-locals,too-many-branches "${AR_ADDONS[@]}" "${test_addons[@]}"; then
    echo "pylint too-many-locals / too-many-branches: OK"
  else
    FAILED_STEPS+=(pylint-structure)
  fi
  "$VENV/bin/python" setup/structure_check.py "$AR_ROOT" || FAILED_STEPS+=(structure)
fi

# ---- b. database-free tests --------------------------------------------------
step "pytest (tests/, no database)"
if [ -n "$VENV" ]; then
  # pytest-odoo's plugin imports odoo on load; these tests run without it.
  "$VENV/bin/python" -m pytest -p no:odoo --junitxml="$TMP/pytest.xml" tests
  rc=$?
  if [ "$rc" -eq 5 ]; then
    echo "pytest: no tests collected (not a failure)"
  elif [ "$rc" -ne 0 ]; then
    FAILED_STEPS+=(pytest)
  fi
  if [ -f "$TMP/pytest.xml" ]; then
    "$VENV/bin/python" - "$TMP/pytest.xml" >"$TMP/pytest.counts" <<'EOF'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
n = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
bad = n["failures"] + n["errors"]
print(n["tests"] - bad - n["skipped"], bad, n["skipped"])
EOF
    add_counts "$TMP/pytest.counts"
  fi
fi

# ---- c. Odoo test suites -----------------------------------------------------
# Each suite runs on a fresh database of its own, with one log per database
# (var/log/odoo-test-<db>.log) judged by setup/odoo_log_summary.py. A suite that
# breaks before its tests are counted (port in use, database, install) counts
# as 1 failed and says why in one line.
SUITES=",${AR_ODOO_SUITES:-addons,core,ecosystem},"
PORT=${AR_TEST_PORT:-8069}
# free_port FROM: the first free port on 127.0.0.1 from FROM on (FROM+100 at most).
free_port() {
  local p
  for ((p = $1; p < $1 + 100; p++)); do
    port_free "$p" && { echo "$p"; return 0; }
  done
  return 1
}
# The default port taken (setup/run.sh's demo server, for instance): another
# one is picked. A port given in AR_TEST_PORT is used as it is.
pick_port() {
  local free
  [ -n "${AR_TEST_PORT:-}" ] && return 0
  port_free "$PORT" && return 0
  if free=$(free_port $((PORT + 1))); then
    echo "Port $PORT on 127.0.0.1 is in use (the demo server of setup/run.sh?): the Odoo suites use port $free (set AR_TEST_PORT to choose)"
    PORT=$free
  fi
}
SKIPPED_SUITES=()
# Odoo's own tests that must pass with the three addons installed: invoices,
# payments, reconciliation and sending (account), and activities (test_mail).
CORE_ACCOUNT_TAGS=/account/tests/test_account_move_out_invoice.py,/account/tests/test_account_payment_register.py,/account/tests/test_account_move_reconcile.py,/account/tests/test_account_move_send.py
CORE_MAIL_TAGS=/test_mail/tests/test_mail_activity.py
ECO_ADDON=ar_escalation_ecosystem
KIND_ADDON=ar_escalation_rule_category
# the ladder's queue_job tests (ar_escalation_ladder/tests/test_queue_job.py), which the
# ecosystem addon's tests import: queue_job is installed in that suite's database only
QUEUE_TAG=ar_queue_job

suite_wanted() { [[ $SUITES == *",$1,"* ]]; }

# suite_broken NAME REASON: the suite could not run its tests.
suite_broken() {
  echo "ODOO SUITE FAILED ($1): $2"
  FAILED_STEPS+=("odoo-$1")
  FAILED=$((FAILED + 1))
}

# suite_prepare NAME DB LOG: the port is free, DB is gone (Odoo creates it
# afresh, UTF8 with its extensions), LOG is empty.
suite_prepare() {
  mkdir -p "${3%/*}" && : >"$3" || { suite_broken "$1" "cannot write the log $3"; return 1; }
  if ! port_free "$PORT"; then
    suite_broken "$1" "port $PORT is in use: stop the demo server or set AR_TEST_PORT"
    return 1
  fi
  if ! dropdb --if-exists --force "$2"; then
    suite_broken "$1" "cannot drop the database $2 (PostgreSQL refused; see above)"
    return 1
  fi
}

# odoo_run LOG ADDONS_PATH DB ARG...: one Odoo run that stops after loading,
# its output appended to LOG; returns Odoo's exit code.
odoo_run() {
  local log=$1 path=$2 db=$3
  shift 3
  # --without-demo: the tests build their own data.
  (cd "$ODOO_SRC" && timeout --kill-after=60 "${AR_ODOO_TIMEOUT:-2700}" \
    "$ODOO_PYTHON" -m odoo --addons-path="$path" -d "$db" --without-demo=all \
    --stop-after-init --max-cron-threads=0 \
    --http-interface=127.0.0.1 --http-port="$PORT" --log-level=info "$@") 2>&1 | tee -a "$log"
  return "${PIPESTATUS[0]}"
}

# suite_summary NAME LOG RC SECONDS: judge LOG, add its counts; a red suite
# counts at least 1 failed (e.g. an install error before any test ran).
suite_summary() {
  local name=$1 log=$2 rc=$3 secs=$4 ok=1 p=0 f=0 s=0
  step "Odoo log summary ($name, ${secs}s)"
  "$ODOO_PYTHON" "$AR_ROOT/setup/odoo_log_summary.py" "$log" --exit-code "$rc" \
    --counts-file "$TMP/$name.counts" || ok=0
  [ -f "$TMP/$name.counts" ] && read -r p f s <"$TMP/$name.counts"
  if [ "$ok" = 0 ]; then
    FAILED_STEPS+=("odoo-$name")
    [ "${f:-0}" -eq 0 ] && f=1
  fi
  PASSED=$((PASSED + ${p:-0})) FAILED=$((FAILED + ${f:-0})) SKIPPED=$((SKIPPED + ${s:-0}))
}

# The three addons' own tests.
suite_addons() {
  local db=${AR_TEST_DB:-ar_escalation_test} tags log t0 rc
  tags=${AR_TEST_TAGS:-$(printf '/%s,' "${AR_ADDONS[@]}")}
  log=$AR_ROOT/var/log/odoo-test-$db.log
  step "Odoo test suite: the addons"
  echo "Odoo $ODOO_SRC ($ODOO_PYTHON), database $db (new), tags ${tags%,}, log $log"
  suite_prepare addons "$db" "$log" || return
  t0=$SECONDS
  odoo_run "$log" "$(odoo_addons_path)" "$db" -i "$(IFS=,; echo "${AR_ADDONS[*]}")" \
    --test-enable --test-tags="${tags%,}"
  rc=$?
  suite_summary addons "$log" "$rc" $((SECONDS - t0))
  # the translations: each addon's .pot as Odoo exports it from this code, and
  # every .po valid and merged (setup/i18n_check.sh; about a minute)
  step "Translations: the .pot files current, every .po valid (setup/i18n_check.sh)"
  if db_modules_installed "$db" "${AR_ADDONS[@]}"; then
    bash "$AR_ROOT/setup/i18n_check.sh" "$db" || FAILED_STEPS+=(i18n)
  else
    echo "The addons did not install on $db: the translations were not checked"
    FAILED_STEPS+=(i18n)
  fi
}

# Odoo's own tests with the three addons installed. Two runs on one database:
# the addons, then account's tests (post_install: the whole registry); then
# test_mail on top, installed after the addons are loaded, so that its
# at_install tests meet the addons' models and data (installed in one run,
# test_mail would be loaded and tested before them).
suite_core() {
  local db=${AR_CORE_TEST_DB:-ar_escalation_core_test} log t0 rc rc2
  log=$AR_ROOT/var/log/odoo-test-$db.log
  step "Odoo test suite: core's tests with the addons installed"
  echo "Database $db (new), tags $CORE_ACCOUNT_TAGS then $CORE_MAIL_TAGS, log $log"
  suite_prepare core "$db" "$log" || return
  t0=$SECONDS
  odoo_run "$log" "$(odoo_addons_path)" "$db" -i "$(IFS=,; echo "${AR_ADDONS[*]}")" \
    --test-enable --test-tags="$CORE_ACCOUNT_TAGS"
  rc=$?
  if db_modules_installed "$db" "${AR_ADDONS[@]}"; then
    odoo_run "$log" "$(odoo_addons_path)" "$db" -i test_mail --test-enable --test-tags="$CORE_MAIL_TAGS"
    rc2=$?
    [ "$rc" -eq 0 ] && rc=$rc2
  else
    echo "The addons did not install on $db: test_mail's tests not run"
    [ "$rc" -eq 0 ] && rc=1
  fi
  suite_summary core "$log" "$rc" $((SECONDS - t0))
}

# The addons beside OCA's mail_tracking, mail_activity_team,
# mail_activity_reminder, auditlog and queue_job (18.0, from PyPI): the test
# addon tests/odoo_addons/ar_escalation_ecosystem checks the escalation behaves
# with them as core's own paths do, and the ladder's queue_job tests run there.
suite_ecosystem() {
  local db=${AR_ECO_TEST_DB:-ar_escalation_eco_test} oca=${AR_OCA_DIR:-$AR_ROOT/var/oca}/addons log t0 rc path
  log=$AR_ROOT/var/log/odoo-test-$db.log
  step "Odoo test suite: the ecosystem (OCA ${AR_OCA_ADDONS[*]})"
  if ! fetch_oca_addons "$oca" "$ODOO_PYTHON" "${AR_OCA_ADDONS[@]}"; then
    echo "ECOSYSTEM SUITE SKIPPED: $OCA_PROBLEM"
    SKIPPED_SUITES+=("ecosystem: $OCA_PROBLEM")
    [ "${AR_REQUIRE_ECOSYSTEM:-0}" = 1 ] && suite_broken ecosystem "the OCA addons are required (AR_REQUIRE_ECOSYSTEM=1)"
    return
  fi
  echo "Database $db (new), OCA addons in $oca, tags /$ECO_ADDON,/$KIND_ADDON,$QUEUE_TAG, log $log"
  suite_prepare ecosystem "$db" "$log" || return
  t0=$SECONDS
  path=$(odoo_addons_path "$oca" "$AR_ROOT/tests/odoo_addons")
  # First the addons and the OCA modules, without tests: with --test-enable
  # Odoo imports the tests of every module it installs, and some OCA test
  # packages need a newer Odoo 18 than the one under test (auditlog's
  # SETATTR_SOURCES); then the test addon alone, with its tests.
  odoo_run "$log" "$path" "$db" -i "$(IFS=,; echo "${AR_ADDONS[*]},${AR_OCA_ADDONS[*]}")"
  rc=$?
  if [ "$rc" -eq 0 ] && db_modules_installed "$db" "${AR_ADDONS[@]}" "${AR_OCA_ADDONS[@]}"; then
    # beside them, the test addon that adds a rule kind through the ladder's
    # extension points (README, Adding a rule kind)
    odoo_run "$log" "$path" "$db" -i "$ECO_ADDON,$KIND_ADDON" --test-enable \
      --test-tags="/$ECO_ADDON,/$KIND_ADDON,$QUEUE_TAG"
    rc=$?
  else
    echo "The addons and the OCA modules did not install on $db: the ecosystem tests did not run"
    [ "$rc" -eq 0 ] && rc=1
  fi
  suite_summary ecosystem "$log" "$rc" $((SECONDS - t0))
}

step "Odoo test suites"
if [ "${AR_SKIP_ODOO:-0}" = 1 ]; then
  echo "ODOO SUITE SKIPPED: AR_SKIP_ODOO=1"
elif ! find_odoo && [ -n "${ODOO_SETUP_FAILED:-}" ]; then
  suite_broken setup "$ODOO_SETUP_FAILED"
elif [ -n "${ODOO_TRIED+x}" ]; then
  echo "ODOO SUITE SKIPPED: no Odoo 18 found (set ODOO_SRC=/path/to/odoo18 and" \
    "ODOO_PYTHON=/path/to/its/python; tried: ${ODOO_TRIED:-})"
  [ "${AR_REQUIRE_ODOO:-0}" = 1 ] && FAILED_STEPS+=(odoo-missing)
elif ! { ensure_postgres && ensure_project_python_deps "$ODOO_PYTHON" &&
  ensure_browser "$ODOO_PYTHON" && ensure_wkhtmltopdf; }; then
  echo "ODOO SUITE FAILED: could not prepare PostgreSQL, Python deps or the browser"
  FAILED_STEPS+=(odoo-setup)
  FAILED=$((FAILED + 1))
else
  suites=${SUITES:1:-1}
  pick_port
  echo "Suites: ${suites//,/ } (AR_ODOO_SUITES), HTTP port $PORT (AR_TEST_PORT)"
  suite_wanted addons && suite_addons
  suite_wanted core && suite_core
  suite_wanted ecosystem && suite_ecosystem
fi

# ---- e. verdict ----------------------------------------------------------------
step "Result"
for skipped in "${SKIPPED_SUITES[@]}"; do
  echo "SKIPPED SUITE: $skipped"
done
if [ "${#FAILED_STEPS[@]}" -gt 0 ]; then
  echo "RESULT: FAILED (${FAILED_STEPS[*]})"
  status=1
else
  echo "RESULT: OK"
  status=0
fi
line="$PASSED passed, $FAILED failed"
[ "$SKIPPED" -gt 0 ] && line+=", $SKIPPED skipped"
echo "$line"
exit "$status"

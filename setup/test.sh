#!/usr/bin/env bash
# The project's test command: lint, database-free pytest, then the Odoo test
# suite on a fresh database. One exit code; the last line reads
# "N passed, N failed[, N skipped]" (pytest and Odoo added up).
#
# Knobs: AR_SKIP_LINT=1, AR_SKIP_ODOO=1, AR_TEST_TAGS (default: our 3 addons),
# AR_TEST_DB (ar_escalation_test), AR_TEST_PORT (8069), AR_ODOO_TIMEOUT
# (seconds, 2700), AR_REQUIRE_ODOO=1 (no Odoo found is a failure),
# ODOO_SRC / ODOO_PYTHON (where Odoo 18 is; see find_odoo in setup/lib.sh).
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
  if "$VENV/bin/pylint" --rcfile=.pylintrc-mandatory "${AR_ADDONS[@]}"; then
    echo "pylint-odoo: OK"
  else
    FAILED_STEPS+=(pylint)
  fi
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

# ---- c. Odoo test suite ------------------------------------------------------
step "Odoo test suite"
if [ "${AR_SKIP_ODOO:-0}" = 1 ]; then
  echo "ODOO SUITE SKIPPED: AR_SKIP_ODOO=1"
elif ! find_odoo; then
  echo "ODOO SUITE SKIPPED: no Odoo 18 found (set ODOO_SRC=/path/to/odoo18 and" \
    "ODOO_PYTHON=/path/to/its/python; tried: ${ODOO_TRIED:-})"
  [ "${AR_REQUIRE_ODOO:-0}" = 1 ] && FAILED_STEPS+=(odoo-missing)
elif ! { ensure_postgres && ensure_project_python_deps "$ODOO_PYTHON" &&
  ensure_browser "$ODOO_PYTHON" && ensure_wkhtmltopdf; }; then
  echo "ODOO SUITE FAILED: could not prepare PostgreSQL, Python deps or the browser"
  FAILED_STEPS+=(odoo-setup)
else
  DB=${AR_TEST_DB:-ar_escalation_test}
  TAGS=${AR_TEST_TAGS:-$(printf '/%s,' "${AR_ADDONS[@]}")}
  # one log per database: two runs side by side (other DB and port) never mix their logs
  LOG=$AR_ROOT/var/log/odoo-test-$DB.log
  mkdir -p "${LOG%/*}"
  echo "Odoo $ODOO_SRC ($ODOO_PYTHON), database $DB (new), tags ${TAGS%,}, log $LOG"
  dropdb --if-exists --force "$DB" || FAILED_STEPS+=(odoo-dropdb)
  # Odoo creates the database itself (UTF8, C collation, extensions).
  # --without-demo: the tests build their own data.
  (cd "$ODOO_SRC" && timeout --kill-after=60 "${AR_ODOO_TIMEOUT:-2700}" \
    "$ODOO_PYTHON" -m odoo --addons-path="$(odoo_addons_path)" -d "$DB" \
    -i "$(IFS=,; echo "${AR_ADDONS[*]}")" --without-demo=all \
    --test-enable --test-tags="${TAGS%,}" --stop-after-init --max-cron-threads=0 \
    --http-interface=127.0.0.1 --http-port="${AR_TEST_PORT:-8069}" --log-level=info) \
    2>&1 | tee "$LOG"
  rc=${PIPESTATUS[0]}
  step "Odoo log summary"
  "$ODOO_PYTHON" "$AR_ROOT/setup/odoo_log_summary.py" "$LOG" --exit-code "$rc" \
    --counts-file "$TMP/odoo.counts" || FAILED_STEPS+=(odoo)
  add_counts "$TMP/odoo.counts"
fi

# ---- e. verdict ----------------------------------------------------------------
step "Result"
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

# shellcheck shell=bash
# Helpers sourced by setup/test.sh and setup/run.sh. Each one is idempotent
# and quiet when there is nothing to do.

AR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck disable=SC2034  # used by the scripts that source this file
AR_ADDONS=(ar_escalation_ladder ar_escalation_sms ar_escalation_reports)
# OCA 18.0 addons the ecosystem suite installs beside them (from PyPI)
# shellcheck disable=SC2034
AR_OCA_ADDONS=(mail_tracking mail_activity_team mail_activity_reminder auditlog queue_job)

log() { printf '%s\n' "$*" >&2; }

# Run a command as root (directly, or through sudo when we are not root).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  log "Installing Debian package(s): $*"
  as_root apt-get update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# _odoo_python_ok SRC PY: PY imports SRC's odoo and SRC is Odoo 18.
_odoo_python_ok() {
  [ -x "$2" ] || command -v "$2" >/dev/null 2>&1 || return 1
  (cd "$1" && "$2" -c 'import sys, odoo.release as r; sys.exit(r.version_info[0] != 18)') \
    >/dev/null 2>&1
}

# _py_version PY: "3.12" when PY runs (a pyenv shim of an inactive version fails).
_py_version() {
  "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

# odoo_base_python: print a Python to build Odoo 18's virtual environment
# with. Python 3.12 first: every pin of Odoo's requirements.txt for it has a
# wheel (the pins for older Pythons need a compiler and C headers); then 3.11
# and 3.10 (their requirements are rewritten to the 3.12 pins, see
# _odoo_requirements), then 3.13. Looked for on PATH, in pyenv and in
# /usr(/local)/bin; AR_ODOO_BASE_PYTHON overrides.
odoo_base_python() {
  local v py cands=()
  if [ -n "${AR_ODOO_BASE_PYTHON:-}" ]; then
    printf '%s\n' "$AR_ODOO_BASE_PYTHON"
    return 0
  fi
  for v in 3.12 3.11 3.10 3.13; do
    for py in "${PYENV_ROOT:-${HOME:-/root}/.pyenv}"/versions/"$v"*/bin/python"$v"; do
      [ -x "$py" ] && cands+=("$py")
    done
    cands+=("python$v" "/usr/bin/python$v" "/usr/local/bin/python$v")
    [ "$(_py_version python3)" = "$v" ] && cands+=(python3)
  done
  for py in "${cands[@]}"; do
    case $(_py_version "$py") in
    3.1[0-3])
      "$py" -c 'import venv, ensurepip' >/dev/null 2>&1 || continue
      command -v "$py"
      return 0
      ;;
    esac
  done
  return 1
}

# _odoo_requirements PY SRC: print SRC's requirements.txt as PY can install
# it: the markers evaluated as on Python 3.12 when PY is older (the older
# pins need a compiler), psycopg2 as psycopg2-binary, without python-ldap
# (needs C headers and serves only auth_ldap).
_odoo_requirements() {
  "$1" - "$2/requirements.txt" <<'EOF_PY'
import sys

from pip._vendor.packaging.requirements import Requirement

env = {}
if sys.version_info[:2] < (3, 12):
    env = {"python_version": "3.12", "python_full_version": "3.12.0"}
with open(sys.argv[1], encoding="utf-8") as lines:
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        req = Requirement(line)
        if req.marker and not req.marker.evaluate(env):
            continue
        name = req.name.lower().replace("_", "-")
        if name == "python-ldap":
            continue
        if name == "psycopg2":
            req.name = "psycopg2-binary"
        req.marker = None
        print(req)
EOF_PY
}

# _pip_install PY LABEL ARG...: pip install; on failure one line naming the
# package pip stopped at and the fix.
_pip_install() {
  local py=$1 label=$2 out pkg
  shift 2
  if out=$("$py" -m pip install -q --disable-pip-version-check --retries 2 --timeout 60 "$@" 2>&1); then
    return 0
  fi
  printf '%s\n' "$out" | tail -15 >&2
  pkg=$(grep -oE "(Failed to build|Failed building wheel for|Building wheel for|No matching distribution found for|satisfies the requirement|Getting requirements to build wheel did not run successfully|for) [A-Za-z0-9_.-]+(==[^ )]*)?" <<<"$out" |
    grep -vE ' (did|run)$' | tail -1 | awk '{print $NF}')
  if grep -qE 'NewConnectionError|Failed to establish|Name or service|name resolution|timed out|ProxyError|SSLError' <<<"$out"; then
    log "PIP FAILED ($label): PyPI is unreachable${pkg:+ while getting $pkg}: give pip access to PyPI (or a mirror via PIP_INDEX_URL) and run again."
  elif grep -q 'No matching distribution' <<<"$out"; then
    log "PIP FAILED ($label): the package index has no ${pkg:-requirement} for Python $(_py_version "$py") ($py): install Python 3.12 (python3.12 on PATH or in pyenv; AR_ODOO_BASE_PYTHON=/path/to/python3.12), check PIP_INDEX_URL, or set ODOO_PYTHON to a Python with Odoo's requirements."
  else
    log "PIP FAILED ($label): could not install ${pkg:-a requirement} into $py: it has no wheel for Python $(_py_version "$py") and its build failed; install Python 3.12 (python3.12 on PATH or in pyenv; AR_ODOO_BASE_PYTHON=/path/to/python3.12) or the build tools (apt-get install build-essential python3-dev libpq-dev), or set ODOO_PYTHON to a Python with Odoo's requirements."
  fi
  return 1
}

# odoo_build_venv SRC: create a virtual environment for the Odoo tree SRC with
# Odoo's requirements, the addons' requirements.txt and websocket-client (the
# browser tours), and set ODOO_PYTHON. In SRC/.venv when SRC is writable and
# has none of its own, else in var/odoo-venv-<hash of SRC>. A complete one
# (marker .ar-complete) is reused as it is.
odoo_build_venv() {
  local src=$1 dir base reqs
  dir=$src/.venv
  if [ ! -w "$src" ] || { [ -e "$dir" ] && [ ! -f "$dir/.ar-complete" ] && [ ! -f "$dir/.ar-partial" ]; }; then
    dir=$AR_ROOT/var/odoo-venv-$(printf '%s' "$src" | sha256sum | cut -c1-12)
  fi
  if [ -f "$dir/.ar-complete" ] && _odoo_python_ok "$src" "$dir/bin/python"; then
    ODOO_PYTHON=$dir/bin/python
    return 0
  fi
  base=$(odoo_base_python) || {
    log "No Python 3.10-3.13 with venv found to build Odoo 18's environment: install python3.12 (and python3.12-venv), or set ODOO_PYTHON."
    return 1
  }
  log "Creating Odoo's Python environment $dir with $base (Python $(_py_version "$base"))..."
  rm -rf "$dir"
  mkdir -p "$dir" && touch "$dir/.ar-partial" || return 1
  "$base" -m venv "$dir" || { log "VENV FAILED: $base -m venv $dir (install python3-venv)"; return 1; }
  _pip_install "$dir/bin/python" "pip" --upgrade pip wheel setuptools || return 1
  reqs=$(_odoo_requirements "$dir/bin/python" "$src") || { log "Cannot read $src/requirements.txt"; return 1; }
  printf '%s\n' "$reqs" >"$dir/odoo-requirements.txt"
  log "Installing Odoo's requirements ($dir/odoo-requirements.txt: $(wc -l <"$dir/odoo-requirements.txt") packages)..."
  _pip_install "$dir/bin/python" "Odoo's requirements" -r "$dir/odoo-requirements.txt" || return 1
  _pip_install "$dir/bin/python" "the addons' requirements.txt" -r "$AR_ROOT/requirements.txt" websocket-client ||
    return 1
  if ! _odoo_python_ok "$src" "$dir/bin/python"; then
    log "VENV FAILED: $dir/bin/python still does not import $src's odoo as version 18:"
    (cd "$src" && "$dir/bin/python" -c 'import odoo.release') 2>&1 | tail -3 >&2
    return 1
  fi
  rm -f "$dir/.ar-partial"
  touch "$dir/.ar-complete"
  ODOO_PYTHON=$dir/bin/python
  log "Odoo's Python environment is ready: $ODOO_PYTHON"
}

# odoo_cache_dir: where the Odoo tree fetched from ODOO_GIT_URL lives.
odoo_cache_dir() {
  printf '%s/odoo-%s\n' "${AR_ODOO_CACHE:-$AR_ROOT/var}" "${ODOO_GIT_REF:-18.0}"
}

# odoo_clone: fetch Odoo from ODOO_GIT_URL (Odoo's official repository) at
# ODOO_GIT_REF (18.0: a branch or tag, shallow; a commit id works too) into
# odoo_cache_dir and print its path.
odoo_clone() {
  local url=${ODOO_GIT_URL:-https://github.com/odoo/odoo.git} ref=${ODOO_GIT_REF:-18.0} dir tmp
  dir=$(odoo_cache_dir)
  if [ -f "$dir/odoo/release.py" ]; then
    printf '%s\n' "$dir"
    return 0
  fi
  command -v git >/dev/null 2>&1 || apt_install git || { log "git is needed to fetch Odoo"; return 1; }
  _git_error() { { grep -m1 -E '^(fatal|error):' "$1" || tail -1 "$1"; } 2>/dev/null; }
  tmp=$dir.partial
  rm -rf "$tmp"
  mkdir -p "${dir%/*}" || return 1
  log "Fetching Odoo $ref from $url into $dir (shallow; ODOO_GIT_URL / ODOO_GIT_REF override)..."
  if ! git clone -q --depth 1 --branch "$ref" "$url" "$tmp" 2>"$tmp.err"; then
    rm -rf "$tmp"
    if [[ $ref =~ ^[0-9a-fA-F]{7,40}$ ]]; then
      # a commit: fetched alone where the server allows it, else a full clone
      { git init -q "$tmp" && git -C "$tmp" fetch -q --depth 1 "$url" "$ref" 2>>"$tmp.err" &&
        git -C "$tmp" checkout -q FETCH_HEAD; } ||
        { rm -rf "$tmp" && git clone -q --no-checkout "$url" "$tmp" 2>>"$tmp.err" &&
          git -C "$tmp" checkout -q "$ref" 2>>"$tmp.err"; } || {
        log "GIT FAILED: cannot get commit $ref of $url: $(_git_error "$tmp.err")"
        rm -rf "$tmp" "$tmp.err"
        return 1
      }
    else
      log "GIT FAILED: git clone --depth 1 --branch $ref $url: $(_git_error "$tmp.err") (set ODOO_GIT_URL / ODOO_GIT_REF, or ODOO_SRC to an Odoo 18 tree)"
      rm -f "$tmp.err"
      return 1
    fi
  fi
  rm -f "$tmp.err"
  if [ ! -f "$tmp/odoo/release.py" ]; then
    log "GIT FAILED: $url at $ref holds no odoo/release.py"
    rm -rf "$tmp"
    return 1
  fi
  mv "$tmp" "$dir" || return 1
  printf '%s\n' "$dir"
}

# _odoo_is_18 SRC: SRC's odoo/release.py says 18.
_odoo_is_18() {
  grep -qE "^version_info *= *\(18," "$1/odoo/release.py" 2>/dev/null
}

# find_odoo: set ODOO_SRC (a tree holding odoo/release.py) and ODOO_PYTHON.
# An ODOO_SRC given in the environment is the only place looked at (so
# ODOO_SRC=/nonexistent means "no Odoo"); otherwise conventional places are
# tried in order (AR_NO_CONVENTIONAL_ODOO=1 skips them), then the tree
# fetched earlier into var/. A tree whose Python is missing gets one
# (odoo_build_venv); with no tree at all, Odoo 18.0 is fetched from
# ODOO_GIT_URL (odoo_clone; AR_NO_ODOO_FETCH=1 forbids it). Prints what is
# missing and returns 1 when nothing fits.
find_odoo() {
  local candidates=() tried=() src py pys parent bare=""
  unset ODOO_TRIED ODOO_SETUP_FAILED
  if [ -n "${ODOO_SRC:-}" ]; then
    candidates=("$ODOO_SRC")
  else
    if [ "${AR_NO_CONVENTIONAL_ODOO:-0}" != 1 ]; then
      candidates=(/opt/odoo18 /opt/odoo /opt/odoo/odoo18 /srv/odoo18 /srv/odoo
        "${HOME:-/root}/odoo18" "${HOME:-/root}/odoo" /usr/lib/python3/dist-packages)
      # an odoo importable by python3 (pip or Debian install): use its parent
      parent=$(python3 -c 'import os, odoo; print(os.path.dirname(os.path.dirname(odoo.__file__)))' \
        2>/dev/null) && candidates+=("$parent")
    fi
    candidates+=("$(odoo_cache_dir)")
  fi
  for src in "${candidates[@]}"; do
    if [ ! -f "$src/odoo/release.py" ]; then
      tried+=("$src (no odoo/release.py)")
      continue
    fi
    if [ -n "${ODOO_PYTHON:-}" ]; then
      pys=("$ODOO_PYTHON")
    else
      pys=("$src/.venv/bin/python" "$src/venv/bin/python"
        "$AR_ROOT/var/odoo-venv-$(printf '%s' "$src" | sha256sum | cut -c1-12)/bin/python" python3)
    fi
    for py in "${pys[@]}"; do
      if _odoo_python_ok "$src" "$py"; then
        ODOO_SRC=$(cd "$src" && pwd)
        ODOO_PYTHON=$(command -v "$py")
        export ODOO_SRC ODOO_PYTHON
        return 0
      fi
    done
    tried+=("$src (no Python among: ${pys[*]} imports its odoo as version 18)")
    [ -z "$bare" ] && [ -z "${ODOO_PYTHON:-}" ] && _odoo_is_18 "$src" && bare=$src
  done
  # a tree without its Python, or no tree: build what is missing
  if [ -z "$bare" ] && [ -z "${ODOO_SRC:-}" ] && [ "${AR_NO_ODOO_FETCH:-0}" != 1 ]; then
    bare=$(odoo_clone) && _odoo_is_18 "$bare" || {
      [ -n "$bare" ] && tried+=("$bare (fetched, but not Odoo 18)")
      bare=""
    }
    [ -z "$bare" ] && tried+=("git ${ODOO_GIT_URL:-https://github.com/odoo/odoo.git} ${ODOO_GIT_REF:-18.0} (could not be fetched, see above)")
  fi
  if [ -n "$bare" ] && odoo_build_venv "$bare"; then
    ODOO_SRC=$(cd "$bare" && pwd)
    export ODOO_SRC ODOO_PYTHON
    return 0
  fi
  if [ -n "$bare" ]; then
    tried+=("$bare (its Python environment could not be built, see above)")
    # shellcheck disable=SC2034  # shown by setup/test.sh: a failure, not a skip
    ODOO_SETUP_FAILED="Odoo tree $bare found but its Python environment could not be built (see PIP FAILED / VENV FAILED above)"
  fi
  log "No Odoo 18 found. Tried:"
  printf '  - %s\n' "${tried[@]}" >&2
  log "Set ODOO_SRC=/path/to/odoo18-source (the folder holding odoo/release.py) and, unless"
  log "it has .venv/bin/python or venv/bin/python, ODOO_PYTHON=/path/to/python with Odoo's"
  log "requirements installed; or ODOO_GIT_URL / ODOO_GIT_REF to fetch it from git."
  # shellcheck disable=SC2034  # shown by setup/test.sh
  ODOO_TRIED="${tried[*]}"
  return 1
}

# odoo_addons_path [DIR...]: Odoo's addon folders that exist, this repository,
# then the extra addon folders given (OCA addons, test-only addons).
odoo_addons_path() {
  local path="" dir
  for dir in "$ODOO_SRC/addons" "$ODOO_SRC/odoo/addons"; do
    [ -d "$dir" ] && path+="$dir,"
  done
  path+=$AR_ROOT
  for dir in "$@"; do
    path+=",$dir"
  done
  printf '%s\n' "$path"
}

# port_free PORT: nothing listens on 127.0.0.1:PORT (Odoo's HTTP server of a
# test run binds it and dies on "Address already in use").
port_free() {
  python3 - "$1" <<'EOF_PY'
import socket
import sys

with socket.socket() as sock:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
EOF_PY
}

# db_modules_installed DB NAME...: every module NAME is installed in DB.
db_modules_installed() {
  local db=$1 names
  shift
  names=$(printf "'%s'," "$@")
  [ "$(psql -d "$db" -tAc "SELECT count(*) FROM ir_module_module
    WHERE state = 'installed' AND name IN (${names%,})" 2>/dev/null)" = "$#" ]
}

# fetch_oca_addons DIR PY NAME...: OCA's 18.0 addons NAME from PyPI, unpacked
# into DIR/<name> (a wheel odoo_addon_<name> holds the addon under
# odoo/addons/<name>; it needs no Odoo from pip, so --no-deps). Addons they
# require (odoo-addon-* requirements) are fetched the same way; their other
# Python requirements are installed into PY (Odoo's Python). The wheels stay in
# DIR/../wheels: with PyPI out of reach, a cached wheel is used. Returns 1 with
# the reason in OCA_PROBLEM when an addon cannot be had.
fetch_oca_addons() {
  local dir=$1 py=$2 wheels out name reqs=() line
  shift 2
  wheels=$(dirname "$dir")/wheels
  mkdir -p "$dir" "$wheels" || { OCA_PROBLEM="cannot create $dir"; return 1; }
  local todo=("$@") done=" "
  while [ "${#todo[@]}" -gt 0 ]; do
    name=${todo[0]}
    todo=("${todo[@]:1}")
    [[ $done == *" $name "* ]] && continue
    done+="$name "
    # --find-links: a wheel downloaded earlier satisfies the request offline
    if ! out=$("$py" -m pip download --no-deps --disable-pip-version-check --retries 1 --timeout 30 \
      --find-links "$wheels" -d "$wheels" "odoo-addon-$name>=18.0,<18.1" 2>&1); then
      if grep -qE 'NewConnectionError|connection broken|Failed to establish|timed out|Name or service|name resolution|Could not fetch URL|SSLError|ProxyError' <<<"$out"; then
        OCA_PROBLEM="PyPI is unreachable (pip download odoo-addon-$name: $(grep -oE 'Failed to establish a new connection: [^")]*|Name or service not known|Temporary failure in name resolution|Read timed out|timed out|SSLError[^")]*|ProxyError[^")]*' <<<"$out" | head -1))"
      else
        OCA_PROBLEM="could not get odoo-addon-$name 18.0 from PyPI ($(grep . <<<"$out" | tail -1 | cut -c1-160))"
      fi
      return 1
    fi
    # unpack the newest wheel; print what it requires
    if ! out=$("$py" - "$wheels" "$dir" "$name" <<'EOF_PY'
import re
import shutil
import sys
import zipfile
from pathlib import Path

wheels, dest, name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]


def version(path):
    return [int(n) for n in re.findall(r"\d+", path.name.split("-")[1])]


found = sorted(wheels.glob(f"odoo_addon_{name}-18.0.*.whl"), key=version)
if not found:
    sys.exit(f"no wheel odoo_addon_{name}-18.0.* in {wheels}")
wheel = found[-1]
target = dest / name
stamp = target / ".wheel"
with zipfile.ZipFile(wheel) as archive:
    if not (stamp.is_file() and stamp.read_text() == wheel.name):
        shutil.rmtree(target, ignore_errors=True)
        prefix = f"odoo/addons/{name}/"
        for member in archive.namelist():
            if member.startswith(prefix) and not member.endswith("/"):
                out = target / member[len(prefix):]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(archive.read(member))
        if not (target / "__manifest__.py").is_file():
            sys.exit(f"{wheel.name} holds no odoo/addons/{name}")
        stamp.write_text(wheel.name)
    meta = next(m for m in archive.namelist() if m.endswith(".dist-info/METADATA"))
    for line in archive.read(meta).decode().splitlines():
        if line.startswith("Requires-Dist:"):
            req = line.split(":", 1)[1].strip()
            dist = re.split(r"[\s<>=!~;\[(]", req, maxsplit=1)[0].lower().replace("_", "-")
            if dist.startswith("odoo-addon-"):
                print("addon", dist[len("odoo-addon-"):].replace("-", "_"))
            elif dist != "odoo":
                print("python", req)
print("unpacked", wheel.name)
EOF_PY
    ); then
      OCA_PROBLEM="could not unpack odoo-addon-$name: $(printf '%s\n' "$out" | tail -1)"
      return 1
    fi
    while read -r kind line; do
      case $kind in
      addon) todo+=("$line") ;;
      python) reqs+=("$line") ;;
      unpacked) log "OCA addon $name: $line" ;;
      esac
    done <<<"$out"
  done
  if [ "${#reqs[@]}" -gt 0 ] && ! "$py" -m pip install -q --disable-pip-version-check "${reqs[@]}"; then
    OCA_PROBLEM="could not install the OCA addons' Python requirements: ${reqs[*]}"
    return 1
  fi
}

# ensure_postgres: a running PostgreSQL server and a superuser role named
# after the current OS user (Odoo connects through the unix socket as that user).
ensure_postgres() {
  local me dir ver
  me=$(id -un)
  if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    apt_install postgresql || { log "Could not install postgresql"; return 1; }
  fi
  if ! pg_isready -q; then
    log "Starting PostgreSQL..."
    for dir in /usr/lib/postgresql/*; do
      ver=${dir##*/}
      if [ -d "/etc/postgresql/$ver/main" ]; then
        as_root pg_ctlcluster "$ver" main start 2>/dev/null || true
      fi
    done
    pg_isready -q || as_root service postgresql start >/dev/null 2>&1 || true
    for _ in $(seq 30); do pg_isready -q && break; sleep 1; done
    pg_isready -q || { log "PostgreSQL does not accept connections"; return 1; }
  fi
  if [ "$(psql -d postgres -tAc 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user' \
    2>/dev/null)" != t ]; then
    log "Creating PostgreSQL superuser role '$me'"
    if [ "$(id -u)" -eq 0 ]; then
      su postgres -c "createuser -s '$me'" || return 1
    else
      sudo -u postgres createuser -s "$me" || return 1
    fi
  fi
}

# ensure_project_python_deps PY: the addons' runtime deps in Odoo's Python.
ensure_project_python_deps() {
  local py=$1
  "$py" -c 'import phonenumbers, requests, jinja2, pydantic, yaml, sklearn
assert int(pydantic.VERSION.split(".")[0]) >= 2' >/dev/null 2>&1 && return 0
  log "Installing requirements.txt into $py"
  "$py" -m pip install -q -r "$AR_ROOT/requirements.txt"
}

# ensure_browser PY: Chromium for HttpCase tours and websocket-client in PY.
# The binary names are those odoo/tests/common.py looks for.
ensure_browser() {
  local py=$1
  if ! command -v google-chrome chromium chromium-browser google-chrome-stable >/dev/null 2>&1; then
    apt_install chromium || { log "Could not install chromium"; return 1; }
  fi
  if ! "$py" -c 'import websocket' >/dev/null 2>&1; then
    log "Installing websocket-client into $py"
    "$py" -m pip install -q websocket-client || return 1
  fi
}

# ensure_wkhtmltopdf: Debian's wkhtmltopdf, which Odoo's QWeb reports render
# PDFs with (the formal notice tests render the real PDF where it is present).
ensure_wkhtmltopdf() {
  command -v wkhtmltopdf >/dev/null 2>&1 && return 0
  apt_install wkhtmltopdf || { log "Could not install wkhtmltopdf (PDF tests will be skipped)"; return 0; }
}

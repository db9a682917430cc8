# Helpers for .ci/run (sourced, not run): banners, idempotent installs, a local
# PostgreSQL. Everything prints to stderr except values a caller captures.
# shellcheck shell=bash

# Command substitutions must fail like everything else.
shopt -s inherit_errexit

CI_STEP="(setup)"
CI_STEP_STARTED=$SECONDS
CI_TIMES=()
APT_UPDATED=0

step() {
  [[ "$CI_STEP" == "(setup)" ]] || CI_TIMES+=("$(printf '%5ss  %s' $((SECONDS - CI_STEP_STARTED)) "$CI_STEP")")
  CI_STEP="$1"
  CI_STEP_STARTED=$SECONDS
  printf '\n\033[1m==============================================================\n' >&2
  printf '==== %s\n' "$CI_STEP" >&2
  printf '==============================================================\033[0m\n' >&2
}

note() { printf -- '---- %s\n' "$*" >&2; }

fail() {
  printf -- '!!!! %s\n' "$*" >&2
  exit 1
}

# Called last by .ci/run: the time each step took.
finish() {
  step "(done)"
  printf '%s\n' "${CI_TIMES[@]}" >&2
  printf '\nCI passed in %ss.\n' "$SECONDS" >&2
}

on_exit() {
  local code=$?
  if [[ $code -ne 0 && "$CI_STEP" != "(done)" ]]; then
    printf '\n\033[1;31m!!!! CI FAILED (exit %s) in step: %s\033[0m\n' "$code" "$CI_STEP" >&2
  fi
}
trap on_exit EXIT

apt_install() {
  if [[ $APT_UPDATED -eq 0 ]]; then
    note "apt-get update"
    apt-get update -q </dev/null
    APT_UPDATED=1
  fi
  note "apt-get install $*"
  apt-get install -y -q --no-install-recommends "$@" </dev/null
}

# Chromium for the browser suite; PostgreSQL (server and client) for step 5; dovecot
# and aiosmtpd, the mail peers of the server's tests.
ensure_apt_tools() {
  local need=()
  if [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]]; then
    note "chromium present: ${CHROMIUM_PATH:-/usr/bin/chromium}"
  else
    # Without recommends, so name the fonts the screenshots are rendered in.
    need+=(chromium fonts-liberation)
  fi
  if command -v pg_ctlcluster >/dev/null && command -v psql >/dev/null; then
    note "postgresql present"
  else
    need+=(postgresql)
  fi
  if ! python3 -c 'import aiosmtpd' 2>/dev/null && ! command -v pip3 >/dev/null; then
    need+=(python3-pip)
  fi
  # dovecot: the IMAP server the poller's tests start privately (own config, port and
  # directory; crates/server/tests/it/imap.rs). The package's system service is never
  # needed: where it starts, it listens on 143/993 and is left alone; in containers
  # policy-rc.d usually stops it from starting at all.
  if [[ -x /usr/sbin/dovecot ]]; then
    note "dovecot present"
  else
    need+=(dovecot-imapd)
  fi
  if [[ ${#need[@]} -gt 0 ]]; then
    apt_install "${need[@]}"
  fi
  ensure_aiosmtpd
}

# aiosmtpd: the SMTP relay the server's outbound-mail tests send to
# (crates/server/tests/support/smtp_sink.py).
ensure_aiosmtpd() {
  if python3 -c 'import aiosmtpd' 2>/dev/null; then
    note "aiosmtpd present"
  else
    python3 -m pip install --break-system-packages aiosmtpd
  fi
}

# The machine's Node.js (>= 20: playwright-core and node:test's --test-concurrency need it).
ensure_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm
  fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [[ "$major" -ge 20 ]] || fail "Node.js >= 20 is needed for e2e/, found $(node --version)"
  note "node $(node --version), npm $(npm --version 2>/dev/null)"
}

ensure_rust_components() {
  command -v cargo >/dev/null || fail "cargo is not installed"
  local missing=()
  cargo fmt --version >/dev/null 2>&1 || missing+=(rustfmt)
  cargo clippy --version >/dev/null 2>&1 || missing+=(clippy)
  if [[ ${#missing[@]} -gt 0 ]]; then
    note "rustup component add ${missing[*]}"
    rustup component add "${missing[@]}" </dev/null
  fi
  note "$(cargo --version); $(cargo fmt --version); $(cargo clippy --version)"
}

# Starts the first local PostgreSQL cluster if it is down (creating one if there is
# none), sets the postgres user's password and prints the URL to reach it.
start_local_postgres() {
  local line ver name port status
  line="$(pg_lsclusters --no-header 2>/dev/null | head -n 1 || true)"
  if [[ -z "$line" ]]; then
    ver="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tail -n 1)"
    [[ -n "$ver" ]] || fail "no PostgreSQL server under /usr/lib/postgresql"
    note "pg_createcluster $ver main"
    pg_createcluster "$ver" main >&2
    line="$(pg_lsclusters --no-header | head -n 1)"
  fi
  read -r ver name port status _ <<<"$line"
  if [[ "$status" != online* ]]; then
    note "pg_ctlcluster $ver $name start (was: $status)"
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2
  else
    note "PostgreSQL $ver/$name already online on port $port"
  fi
  local i
  for i in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    [[ $i -lt 60 ]] || fail "PostgreSQL $ver/$name did not accept connections on port $port"
    sleep 0.5
  done
  (cd / && runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 \
    -c "ALTER USER postgres PASSWORD 'postgres'") </dev/null >&2
  PGPASSWORD=postgres psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc 'select 1' \
    </dev/null >/dev/null || fail "cannot log in to PostgreSQL as postgres over TCP"
  printf 'postgres://postgres:postgres@127.0.0.1:%s/postgres\n' "$port"
}

# A URL with its password replaced by ***, for the log.
redact_url() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"; }

# Where cargo puts its builds (honours CARGO_TARGET_DIR and .cargo/config).
cargo_target_dir() {
  cargo metadata --format-version 1 --no-deps </dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))'
}

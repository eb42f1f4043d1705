#!/usr/bin/env bash
# Installs and starts the system components corp-carbon's tests use. Idempotent: what is
# already there is left alone, so a second run takes about a second.
#
#   PostgreSQL  the production database; tests run every database test on it and on SQLite
#   PgBouncer   the connection pooler of the production guide; a test serves through it in
#               transaction mode (tests start their own; the package's service stays off)
#   Node.js     runs the OpenID Connect provider (tests/idp) the SSO login tests sign in at
#   LibreOffice opens the audit log's XLSX export in a test, as a spreadsheet user would, and
#               prints the ESG workbook to PDF; poppler-utils (pdftoppm) renders its pages
#   Chromium    the browser tests (tests/browser) drive Debian's chromium with Playwright (never
#               `playwright install`); fonts-noto-cjk draws the Chinese pages; axe-core (npm,
#               tests/browser/package-lock.json) checks each page's accessibility
#   wrk         benchmarks/bench_web.py loads the pages and the API with it (Debian's package)
#
# Run as root (or with sudo) on Debian/Ubuntu. Tests whose component is missing are skipped
# with a reason naming this script; CI (CORP_CARBON_REQUIRE_SYSTEM=1) fails them instead.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
APT_UPDATED=0

apt_install() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

have_package() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# --- LibreOffice Calc (audit log export, ESG workbook) and poppler-utils (pdftoppm) ---
if ! command -v soffice >/dev/null 2>&1; then
  echo "installing LibreOffice Calc"
  apt_install libreoffice-calc
fi
if ! command -v pdftoppm >/dev/null 2>&1; then
  echo "installing poppler-utils (pdftoppm, pdftotext)"
  apt_install poppler-utils
fi

# --- Chromium and a CJK font (browser tests) ----------------------------------------------
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  echo "installing Chromium"
  apt_install chromium
fi
if ! have_package fonts-noto-cjk; then
  echo "installing fonts-noto-cjk (Chinese text in the browser tests' screenshots)"
  apt_install fonts-noto-cjk
fi

# --- wrk (the HTTP load generator of benchmarks/bench_web.py) ------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk"
  apt_install wrk
fi

# --- PostgreSQL -------------------------------------------------------------------------
if ! have_package postgresql && ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing PostgreSQL"
  apt_install postgresql
fi

# --- PgBouncer (tests/system/test_pgbouncer.py starts its own on a free port) ------------
if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  echo "installing PgBouncer"
  apt_install pgbouncer
fi

pg_ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if ! pg_ready; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version=$(ls /etc/postgresql | sort -V | tail -1)
    echo "starting PostgreSQL $version"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 30); do pg_ready && break; sleep 0.5; done
fi

if pg_ready; then
  if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc "SELECT 1" >/dev/null 2>&1; then
    if [ "${CI:-}" = "true" ] && [ -d /etc/postgresql ]; then
      # A CI machine's throwaway cluster: let local TCP connections in without a password.
      version=$(ls /etc/postgresql | sort -V | tail -1)
      hba=/etc/postgresql/$version/main/pg_hba.conf
      $SUDO sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
      $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    else
      echo "PostgreSQL runs but user postgres cannot connect over 127.0.0.1 without a password;"
      echo "point CORP_CARBON_TEST_PG at a server the tests may use, e.g."
      echo "  CORP_CARBON_TEST_PG=postgresql+psycopg://user:password@127.0.0.1:5432"
    fi
  fi
  echo "PostgreSQL: ready on 127.0.0.1:5432"
else
  echo "PostgreSQL: NOT running; database tests will be skipped (or fail in CI)" >&2
fi

# --- Node.js + the test OpenID Connect provider (tests/idp, oidc-provider) ---------------
# The SSO login tests start panva's oidc-provider with node. It needs Node.js >= 20.12
# (Debian 12's own nodejs is 18: use NodeSource's or a newer Debian's package then).
# `npm ci` runs only when tests/idp/package-lock.json changed since the last install.
IDP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/idp"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "installing Node.js and npm"
  apt_install nodejs npm
fi
node_ok() { node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=12)?0:1)'; }
if ! node_ok; then
  echo "Node.js $(node --version) is older than 20.12: the SSO login tests will be skipped" \
       "(or fail in CI); install a newer nodejs (e.g. from deb.nodesource.com)" >&2
else
  lock_sum=$(sha256sum "$IDP_DIR/package-lock.json" | cut -d' ' -f1)
  stamp="$IDP_DIR/node_modules/.corp-carbon-lock.sha256"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ] \
      || [ ! -f "$IDP_DIR/node_modules/oidc-provider/package.json" ]; then
    echo "installing the test OpenID Connect provider (npm ci --prefix tests/idp)"
    npm ci --prefix "$IDP_DIR" --no-audit --no-fund --loglevel=error
    echo "$lock_sum" > "$stamp"
  fi
  echo "oidc-provider: ready in tests/idp (node $(node --version))"
fi

# --- axe-core for the browser tests (tests/browser) ------------------------------------------
# Same rule as the provider: `npm ci` only when tests/browser/package-lock.json changed.
BROWSER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/browser"
if command -v npm >/dev/null 2>&1; then
  lock_sum=$(sha256sum "$BROWSER_DIR/package-lock.json" | cut -d' ' -f1)
  stamp="$BROWSER_DIR/node_modules/.corp-carbon-lock.sha256"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ] \
      || [ ! -f "$BROWSER_DIR/node_modules/axe-core/axe.min.js" ]; then
    echo "installing axe-core (npm ci --prefix tests/browser)"
    npm ci --prefix "$BROWSER_DIR" --no-audit --no-fund --loglevel=error
    echo "$lock_sum" > "$stamp"
  fi
  echo "axe-core: ready in tests/browser"
fi

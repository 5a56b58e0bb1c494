# Shared helpers for environment/*.sh (sourced, not run).

# Debian packages the kit needs: Jupyter + nbconvert/nbclient for headless notebooks,
# Chromium + fonts for figure export, PyTorch + OpenBLAS for the reference benchmarks and
# the native kernels.
RECREPRO_APT_PACKAGES=(
  jupyter-notebook python3-nbconvert python3-nbclient python3-ipykernel jupyter-client jupyter-core
  chromium fonts-liberation
  python3-torch libopenblas-dev
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STAMP="$ROOT/dist/.build-stamp"

log() { printf '\033[1m[recrepro]\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33m[recrepro] warning:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[recrepro] error:\033[0m %s\n' "$*" >&2; exit 1; }

# Prints the Debian packages from RECREPRO_APT_PACKAGES that are not installed.
missing_apt_packages() {
  local p
  for p in "${RECREPRO_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

require_node() {
  command -v node >/dev/null || die "Node.js 20 or newer is required (https://nodejs.org or the node:20-bookworm image)"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js $(node --version) is too old: 20 or newer is required"
}

# True (0) when dist/ is missing or older than any source, config or lock file.
build_is_stale() {
  [ -f "$STAMP" ] || return 0
  [ -n "$(find "$ROOT/src" "$ROOT/scripts" "$ROOT/test" "$ROOT/bench" \
      \( -name '*.ts' -o -name '*.json' \) -newer "$STAMP" -print -quit 2>/dev/null)" ] && return 0
  local f
  for f in tsconfig.json package.json package-lock.json; do
    [ "$ROOT/$f" -nt "$STAMP" ] && return 0
  done
  return 1
}

# tsc build; fails on any type error. Records a stamp for build_is_stale.
build_kit() {
  log "building (tsc -p tsconfig.json)"
  (cd "$ROOT" && npm run --silent build)
  touch "$STAMP"
  node "$ROOT/dist/scripts/link-kit.js" >/dev/null
}

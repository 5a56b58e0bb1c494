#!/usr/bin/env bash
# One-time (idempotent) set-up: Debian packages, npm dependencies, the build, the optional
# native kernels and the tslab Jupyter kernel. Safe to rerun; each step skips work already done.
#
#   bash environment/setup.sh
#
# Environment: RECREPRO_FORCE_NPM_CI=1 reinstalls node_modules even when it is up to date.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
T0=$SECONDS

# 1. Debian packages ----------------------------------------------------------------------
mapfile -t MISSING < <(missing_apt_packages)
if [ "${#MISSING[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "not root and no sudo: install these Debian packages first: ${MISSING[*]}"
    SUDO="sudo"
  fi
  log "apt: installing ${MISSING[*]}"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${MISSING[@]}"
else
  log "apt: all ${#RECREPRO_APT_PACKAGES[@]} packages present"
fi
/usr/bin/python3 -c "import nbconvert, nbclient, nbformat, ipykernel" \
  || die "Debian's python3 cannot import nbconvert/nbclient after the apt step"

# 2. npm dependencies -----------------------------------------------------------------------
require_node
if [ "${RECREPRO_FORCE_NPM_CI:-0}" != "1" ] && [ -f node_modules/.package-lock.json ] \
   && [ node_modules/.package-lock.json -nt package-lock.json ] && [ node_modules/.package-lock.json -nt package.json ]; then
  log "npm: node_modules is up to date with package-lock.json (RECREPRO_FORCE_NPM_CI=1 to reinstall)"
else
  log "npm ci"
  npm ci --no-audit --no-fund
fi

# 3. Build ------------------------------------------------------------------------------------
build_kit

# 4. Optional native kernels ----------------------------------------------------------------------
NATIVE="not present"
if [ -f native/build.sh ]; then
  log "native kernels: bash native/build.sh"
  if bash native/build.sh; then NATIVE="built"; else NATIVE="FAILED (the kit falls back to tfjs kernels)"; warn "native/build.sh failed; continuing without native kernels"; fi
fi

# 5. tslab Jupyter kernel ----------------------------------------------------------------------------
log "registering the tslab kernel with /usr/bin/python3"
npx --no-install tslab install --python=/usr/bin/python3 >/dev/null
KERNEL_DIR="$(PYDEVD_DISABLE_FILE_VALIDATION=1 /usr/bin/python3 -m jupyter kernelspec list --json \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const k=JSON.parse(s).kernelspecs.tslab;console.log(k?k.resource_dir:"")})')"
[ -n "$KERNEL_DIR" ] || die "tslab kernel not registered"

# Summary -------------------------------------------------------------------------------------------
cat <<SUMMARY

RecRepro set-up done in $((SECONDS - T0)) s
  node        $(node --version) (npm $(npm --version))
  python      $(/usr/bin/python3 --version 2>&1 | cut -d' ' -f2), nbconvert $(/usr/bin/python3 -c 'import nbconvert; print(nbconvert.__version__)'), nbclient $(/usr/bin/python3 -c 'import nbclient; print(nbclient.__version__)')
  tslab       $(node -p 'require("tslab/package.json").version') kernel at $KERNEL_DIR
  chromium    $(/usr/bin/chromium --version 2>/dev/null | head -1 || echo missing)
  torch       $(/usr/bin/python3 -c 'import torch; print(torch.__version__)' 2>/dev/null || echo missing)
  native      $NATIVE
  build       dist/ (notebooks import it as "recrepro" via node_modules/recrepro)

Next: npm run main   (runs every notebook; RECREPRO_PROFILE=smoke|paper)
SUMMARY

#!/usr/bin/env bash
# Interactive Jupyter (classic Notebook 6, Debian's /usr/bin/python3) on the tslab kernel, set up
# the way the main job runs notebooks:
#
#   npm run notebook                                   # http://localhost:8888/tree/notebooks
#   npm run notebook -- --no-browser --ip=0.0.0.0 --port=8899   # a class / remote server
#
# - PATH starts with node_modules/.bin: the tslab kernelspec launches a bare `tslab`.
# - RECREPRO_DATA_MIRROR defaults to ../shared/data when that folder exists (else unset), and
#   RECREPRO_OFFLINE, RECREPRO_PROFILE and every other RECREPRO_* variable pass through.
# - Interactive runs write figures and run records to figures/<paper>/ like the main job, and
#   overwrite the main job's files of the same profile (the README says so).
# - The server root is the repository (the figures' on-demand plotly.js is served from
#   node_modules/ through /files/); the browser opens notebooks/.
# - --allow-root is added only when running as root (Jupyter refuses root without it).
# - Extra arguments go to `jupyter notebook` (--no-browser, --ip, --port, --NotebookApp.token=...).
#   Jupyter prints the URL with its token; RECREPRO_NOTEBOOK_TOKEN sets a fixed token.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
require_node
[ -d node_modules ] || die "node_modules missing: run bash environment/setup.sh first"
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import notebook" 2>/dev/null \
  || die "Debian's classic Jupyter Notebook is missing: run bash environment/setup.sh (package jupyter-notebook)"
if build_is_stale; then build_kit; else node dist/scripts/link-kit.js >/dev/null; fi

export PATH="$ROOT/node_modules/.bin:$PATH"
if [ -z "${RECREPRO_DATA_MIRROR+x}" ] && [ -d "$ROOT/../shared/data" ]; then
  export RECREPRO_DATA_MIRROR="$(cd "$ROOT/../shared/data" && pwd)"
fi
export PYDEVD_DISABLE_FILE_VALIDATION=1
# The kernel's young generation: 64 MB instead of 16 (scripts/run-notebooks.ts kernelNodeOptions).
case " ${NODE_OPTIONS:-} " in *--max-semi-space-size*) ;; *) export NODE_OPTIONS="${NODE_OPTIONS:-} --max-semi-space-size=64" ;; esac

ARGS=(--notebook-dir="$ROOT" --NotebookApp.default_url=/tree/notebooks)
[ "$(id -u)" -eq 0 ] && ARGS+=(--allow-root)
[ -n "${RECREPRO_NOTEBOOK_TOKEN:-}" ] && ARGS+=(--NotebookApp.token="$RECREPRO_NOTEBOOK_TOKEN")

log "jupyter notebook: profile ${RECREPRO_PROFILE:-smoke}, data mirror ${RECREPRO_DATA_MIRROR:-none}, offline ${RECREPRO_OFFLINE:-0}"
log "figures and run records go to figures/<paper>/ (the main job's files of this profile are overwritten)"
exec /usr/bin/python3 -m notebook "${ARGS[@]}" "$@"

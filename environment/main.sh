#!/usr/bin/env bash
# The main job: executes every notebook headlessly under RECREPRO_PROFILE (default smoke),
# writing executed copies and HTML to build/notebooks/ and run records and figures to
# figures/. Does not rerun set-up; rebuilds dist/ only when sources changed.
#
#   npm run main                      # all notebooks, smoke profile
#   RECREPRO_PROFILE=paper npm run main -- 03    # one notebook, paper profile
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
require_node
[ -d node_modules ] || die "node_modules missing: run bash environment/setup.sh first"
if build_is_stale; then build_kit; else node dist/scripts/link-kit.js >/dev/null; fi
export RECREPRO_PROFILE="${RECREPRO_PROFILE:-smoke}"
log "main job: profile $RECREPRO_PROFILE"
exec node dist/scripts/run-notebooks.js "$@"

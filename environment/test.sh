#!/usr/bin/env bash
# Type check and build, then every compiled test (dist/test/**/*.test.js whose .ts source
# still exists) with Node's test runner, two files at a time (the machines have 2 cores).
# Includes headless execution of every notebook (test/notebooks/execute.test.ts).
#
#   npm test                          # everything
#   npm test -- test/plots            # only tests under these source paths
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
require_node
[ -d node_modules ] || die "node_modules missing: run bash environment/setup.sh first"
build_kit

TESTS=()
while IFS= read -r js; do
  src="${js#dist/}"; src="${src%.js}.ts"
  [ -f "$src" ] || continue                # stale output of a deleted test
  if [ "$#" -gt 0 ]; then
    keep=0
    for prefix in "$@"; do [[ "$src" == "${prefix%/}"* ]] && keep=1; done
    [ "$keep" = 1 ] || continue
  fi
  TESTS+=("$js")
done < <(find dist/test -name '*.test.js' | sort)
[ "${#TESTS[@]}" -gt 0 ] || die "no compiled tests found under dist/test${*:+ matching $*}"

log "node --test: ${#TESTS[@]} files"
exec node --test --test-concurrency="${RECREPRO_TEST_CONCURRENCY:-2}" --test-reporter=spec "${TESTS[@]}"

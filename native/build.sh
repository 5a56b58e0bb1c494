#!/usr/bin/env bash
# Builds the optional RecRepro native kernels (N-API addon over OpenBLAS):
#   native/src/recrepro_native.cc -> native/build/recrepro_native.node
# Needs: g++ (C++17), Node's N-API headers (node_api.h; /usr/include/node on Debian, or
# $NODE_INCLUDE_DIR), and OpenBLAS with its CBLAS header (Debian: libopenblas-dev).
# Exits non-zero with a clear message when something is missing; the kit then runs on the
# plain tfjs backends (src/engine/native.ts reports ok:false).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/src/recrepro_native.cc"
out_dir="$here/build"
out="$out_dir/recrepro_native.node"
CXX="${CXX:-g++}"
# Portable x86-64 baseline (SSE4.2/POPCNT); OpenBLAS itself dispatches to AVX2/AVX-512 at run
# time, so the GEMMs are not limited by this flag. Override with RECREPRO_NATIVE_ARCH.
ARCH_FLAGS="${RECREPRO_NATIVE_ARCH:--march=x86-64-v2 -mtune=generic}"
if [ "$(uname -m)" != "x86_64" ] && [ -z "${RECREPRO_NATIVE_ARCH:-}" ]; then ARCH_FLAGS=""; fi

fail() { echo "native/build.sh: $*" >&2; exit 1; }

command -v "$CXX" >/dev/null 2>&1 || fail "C++ compiler '$CXX' not found (apt-get install g++)"

node_inc=""
for d in "${NODE_INCLUDE_DIR:-}" /usr/include/node /usr/local/include/node \
         "$(dirname "$(dirname "$(command -v node 2>/dev/null || echo /nonexistent/bin/node)")")/include/node"; do
  if [ -n "$d" ] && [ -f "$d/node_api.h" ]; then node_inc="$d"; break; fi
done
[ -n "$node_inc" ] || fail "node_api.h not found (Debian: apt-get install libnode-dev, or set NODE_INCLUDE_DIR)"

blas_inc=""
for d in "${OPENBLAS_INCLUDE_DIR:-}" /usr/include/x86_64-linux-gnu/openblas-pthread \
         /usr/include/$(uname -m)-linux-gnu/openblas-pthread /usr/include/openblas /usr/include/x86_64-linux-gnu /usr/include; do
  if [ -n "$d" ] && [ -f "$d/cblas.h" ]; then blas_inc="$d"; break; fi
done
[ -n "$blas_inc" ] || fail "cblas.h not found (Debian: apt-get install libopenblas-dev)"

# Check that -lopenblas links before compiling the addon (clear message instead of a link error).
tmpd="$(mktemp -d)"; trap 'rm -rf "$tmpd"' EXIT
cat > "$tmpd/t.c" <<'C'
void openblas_set_num_threads(int);
int main(void) { openblas_set_num_threads(1); return 0; }
C
"$CXX" -x c "$tmpd/t.c" -o "$tmpd/t" ${OPENBLAS_LIB_DIR:+-L"$OPENBLAS_LIB_DIR"} -lopenblas >/dev/null 2>&1 \
  || fail "cannot link -lopenblas (Debian: apt-get install libopenblas-dev; or set OPENBLAS_LIB_DIR)"

mkdir -p "$out_dir"
set -x
"$CXX" -std=c++17 -O3 $ARCH_FLAGS -fPIC -shared -pthread -fvisibility=hidden -fno-math-errno \
  -DNAPI_VERSION=8 -DNODE_GYP_MODULE_NAME=recrepro_native \
  -I"$node_inc" -I"$blas_inc" "$src" -o "$out.tmp" \
  ${OPENBLAS_LIB_DIR:+-L"$OPENBLAS_LIB_DIR"} -lopenblas -Wl,--as-needed
set +x
mv -f "$out.tmp" "$out"
node -e "const m=require(process.argv[1]); const i=m.info(); console.log('native/build.sh: built', process.argv[1], '| OpenBLAS', i.blasCore, '| threads', i.threads)" "$out" \
  || fail "built $out but Node cannot load it"

#!/usr/bin/env bash
# Installs hpo as a user would and uses it: `npm pack`, then in a fresh folder
# `npm install --omit=dev --ignore-scripts <tarball>` (no dev dependencies, no optional
# peers, no install scripts), and there:
#   - node_modules size (limit 75 MB: WordNet ships inside hpo so METEOR works out of the box)
#   - a plain .mjs file that imports "hpo" runs a 10-trial study with `node`
#   - `npx hpo run study.ts` runs a TypeScript study file
#   - a strict NodeNext `tsc --noEmit` (noUncheckedIndexedAccess, skipLibCheck false) over
#     code using the public API reports 0 errors
#   - `require("hpo")` works (Node ≥ 20.19 loads ES modules from require)
#   - `import "hpo/captioner"` without its optional peers prints the install line
# Fails on the first step that fails. Used by .ci/run; runs offline once npm's cache has the
# dependencies.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
here="$repo/scripts/package-check"
work="$(mktemp -d "${TMPDIR:-/tmp}/hpo-package-check-XXXXXX")"
trap 'rm -rf "$work"' EXIT
limit_mb=75
t0=$(date +%s.%N)
step() { printf '\npackage-check: %s\n' "$*"; }
elapsed() { printf '%.1f s' "$(echo "$(date +%s.%N) - $1" | bc)"; }

step "npm pack"
(cd "$repo" && npm pack --silent --pack-destination "$work" >"$work/pack.txt")
tarball="$work/$(tail -n1 "$work/pack.txt")"
tar tzf "$tarball" >"$work/contents.txt"
printf 'tarball: %s (%s KB, %s files)\n' "$(basename "$tarball")" "$(( $(stat -c %s "$tarball") / 1024 ))" "$(wc -l <"$work/contents.txt")"
if grep -E '^package/(tests|bench|src|scripts)/' "$work/contents.txt" >/dev/null; then echo "the tarball carries tests, bench or sources"; exit 1; fi
grep -x 'package/LICENSE' "$work/contents.txt" >/dev/null || { echo "the tarball has no LICENSE"; exit 1; }

step "install into a fresh project (--omit=dev --ignore-scripts)"
project="$work/project"
mkdir -p "$project"
cd "$project"
printf '{ "name": "user-project", "private": true, "type": "module" }\n' >package.json
t=$(date +%s.%N)
npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error "$tarball" >/dev/null
size_kb=$(du -sk node_modules | cut -f1)
printf 'installed in %s; node_modules: %s MB, %s packages\n' "$(elapsed "$t")" "$((size_kb / 1024))" "$(npm ls --all --parseable --omit=dev 2>/dev/null | tail -n +2 | wc -l)"
du -sk node_modules/* node_modules/@*/* 2>/dev/null | sort -rn | head -6 | awk '{ printf "  %6.1f MB  %s\n", $1/1024, $2 }'
if [ "$size_kb" -gt $((limit_mb * 1024)) ]; then echo "node_modules is over ${limit_mb} MB"; exit 1; fi
for peer in @tensorflow/tfjs @tensorflow/tfjs-backend-wasm sharp echarts; do
  if [ -e "node_modules/$peer" ]; then echo "$peer was installed, but it is optional"; exit 1; fi
done

step "plain Node imports hpo and runs a 10-trial study"
cp "$here/study.mjs" .
t=$(date +%s.%N)
node study.mjs
echo "($(elapsed "$t"))"

step "npx hpo run study.ts"
cp "$here/study.ts" .
t=$(date +%s.%N)
npx --no-install hpo run study.ts --storage "$project/.hpo" | tail -n 4
npx --no-install hpo trials package-check-ts --storage "$project/.hpo" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const n=JSON.parse(s).length;if(n!==6)throw new Error("expected 6 trials, found "+n);console.log("hpo trials: "+n+" trials")})'
echo "($(elapsed "$t"))"

step "hpo serve: the dashboard and its chart file from the installed package"
# The installed bin itself (not npx), so that the signal below reaches the server.
./node_modules/.bin/hpo serve --storage "$project/.hpo" --port 0 2>"$work/serve.log" &
serve_pid=$!
url=""
for _ in $(seq 1 60); do
  url=$(grep -o 'dashboard http://[^ ]*' "$work/serve.log" | head -n1 | cut -d' ' -f2 || true)
  [ -n "$url" ] && break
  sleep 0.5
done
[ -n "$url" ] || { echo "hpo serve did not start:"; cat "$work/serve.log"; kill "$serve_pid"; exit 1; }
page=$(curl -fsS "$url")
chart_bytes=$(curl -fsS "${url}vendor/echarts.js" | wc -c)
studies=$(curl -fsS "${url}api/studies")
kill -INT "$serve_pid"
wait "$serve_pid" || true
echo "$page" | grep -q '<script' || { echo "dashboard page missing"; exit 1; }
[ "$chart_bytes" -gt 100000 ] || { echo "chart file missing ($chart_bytes bytes)"; exit 1; }
echo "$studies" | grep -q package-check-ts || { echo "api/studies: $studies"; exit 1; }
echo "dashboard served at $url: page, echarts.js ($((chart_bytes / 1024)) KB), api/studies"

step "strict NodeNext tsc over the public API"
cp "$here/api-usage.ts" .
cat >tsconfig.json <<JSON
{
  "compilerOptions": {
    "strict": true, "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022",
    "noUncheckedIndexedAccess": true, "skipLibCheck": false, "noEmit": true,
    "types": ["node"], "typeRoots": ["$repo/node_modules/@types"]
  },
  "files": ["study.ts", "api-usage.ts"]
}
JSON
t=$(date +%s.%N)
node "$repo/node_modules/typescript/bin/tsc" -p . && echo "tsc: 0 errors ($(elapsed "$t"))"

step "require(\"hpo\")"
node -e 'const hpo = require("hpo"); if (typeof hpo.createStudy !== "function") throw new Error("no createStudy"); console.log("require(\"hpo\"): " + Object.keys(hpo).length + " exports")'

step "hpo/captioner without its optional peers"
set +e
out=$(node -e 'await import("hpo/captioner")' --input-type=module 2>&1)
code=$?
set -e
echo "$out" | grep -m1 'npm install' || { echo "expected an install line, got (exit $code):"; echo "$out"; exit 1; }
[ "$code" -ne 0 ] || { echo "import succeeded without the peers"; exit 1; }
hpo_out=$(npx --no-install hpo captioner pretrain 2>&1 || true)
echo "$hpo_out" | grep -q 'npm install @tensorflow/tfjs' || { echo "hpo captioner without peers: $hpo_out"; exit 1; }

printf '\npackage-check: passed in %s\n' "$(elapsed "$t0")"

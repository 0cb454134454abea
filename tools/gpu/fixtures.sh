#!/usr/bin/env bash
# Runs the Hugging Face oracle scripts (tools/fixtures/<name>.py) on the GPU host and packs what
# they write into one tarball the lead unpacks over the repository:
#   bash tools/gpu/fixtures.sh <testdata-dir> <out-dir> <name> [<name> …]
#   tar xzf <out-dir>/fixtures.tar.gz -C <repo>
set -uo pipefail
testdata=$1
out=$2
shift 2
mirror=$(mktemp -d)
export PYTHONUNBUFFERED=1
status=0
summary=()
for name in "$@"; do
  start=$(date +%s)
  if python3 "tools/fixtures/${name}.py" --testdata "$testdata" --out "$mirror" >"$out/fixtures-${name}.log" 2>&1; then
    summary+=("${name}: ok in $(( $(date +%s) - start )) s — $(tail -n 1 "$out/fixtures-${name}.log")")
  else
    status=1
    summary+=("${name}: FAILED after $(( $(date +%s) - start )) s (see fixtures-${name}.log)")
    tail -n 30 "$out/fixtures-${name}.log"
  fi
done
tar czf "$out/fixtures.tar.gz" -C "$mirror" .
du -sh "$mirror" | sed 's/^/fixtures size: /'
printf '%s\n' "${summary[@]}"
exit $status

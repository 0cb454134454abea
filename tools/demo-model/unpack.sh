#!/usr/bin/env bash
# Unpack the bundle that run_all.sh leaves in its <out-dir> over a repository checkout.
#
#   bash tools/demo-model/unpack.sh <folder with demo-model.tar.gz.part-NN and SHA256SUMS> <repo-root>
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: bash tools/demo-model/unpack.sh <bundle-dir> <repo-root>" >&2
  exit 2
fi
BUNDLE="$1"
ROOT="$2"
(cd "$BUNDLE" && sha256sum -c SHA256SUMS)
# The export replaces the whole model folder: drop files a previous model may have left.
rm -rf "$ROOT/packages/llm/models/tiny-shakespeare"
cat "$BUNDLE"/demo-model.tar.gz.part-* | tar -xzvf - -C "$ROOT"

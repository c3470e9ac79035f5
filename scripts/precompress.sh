#!/usr/bin/env bash
# trunk's post-build hook (Trunk.toml): in release builds, writes each text and wasm file of the
# app brotli- and gzip-compressed at the highest levels beside it (easel-….wasm.br, .gz). The
# companion server sends those as they are, so no request waits on compression and every byte
# is squeezed as far as brotli goes; static hosts that look for such files do the same.
set -euo pipefail
[ "${TRUNK_PROFILE:-}" = release ] || exit 0
cd "$TRUNK_STAGING_DIR"
for file in *.wasm *.js *.css *.html *.svg; do
  [ -f "$file" ] || continue
  brotli --quality=11 --force --keep "$file"
  gzip -9 --force --keep "$file"
done

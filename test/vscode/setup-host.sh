#!/usr/bin/env bash
# Installs the VS Code host the extension tests run in (code-server 4.100.3) into test/vscode/host/.
# Idempotent. Needs Debian's chromium, libkrb5-dev, pkg-config and ripgrep (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/host"
if [ -f node_modules/code-server/out/node/entry.js ]; then exit 0; fi

missing=()
for cmd in chromium rg pkg-config; do command -v "$cmd" >/dev/null || missing+=("$cmd"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "error: the VS Code host tests need ${missing[*]}. Fix: sudo apt-get install -y chromium libkrb5-dev pkg-config ripgrep" >&2
  exit 1
fi

# code-server's @vscode/ripgrep 1.15.11 downloads rg from GitHub at install time, which this machine cannot
# reach. It looks in its download cache first, so put Debian's rg there under the name it expects.
rg_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
if [ ! -f "$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" ]; then
  rg_stage=$(mktemp -d)
  mkdir -p "$rg_cache"
  cp "$(command -v rg)" "$rg_stage/rg"
  tar -czf "$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$rg_stage" rg
  rm -rf "$rg_stage"
fi

# unsafe-perm: as root, code-server's install scripts refuse to run without it.
npm_config_unsafe_perm=true npm_config_yes=true npm ci --no-audit --no-fund

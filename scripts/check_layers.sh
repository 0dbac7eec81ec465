#!/usr/bin/env bash
# The layer rules of ARCHITECTURE.md, checked: run from the repository root (CI does).
#  1. no library crate depends on a GUI crate (egui, eframe, winit, rfd, egui_plot, egui_extras);
#  2. the engine depends on no other crate of ours, and no library on the binary;
#  3. the app and the CLI never use each other;
#  4. no cycles between modules (scripts/module_cycles.py);
#  5. no source file over 500 lines.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
gui='^(egui|eframe|winit|rfd|egui_plot|egui_extras|egui-winit|egui_glow) v'
for manifest in crates/*/Cargo.toml; do
  crate=$(sed -n 's/^name = "\(.*\)"/\1/p' "$manifest" | head -1)
  tree=$(cargo tree -q -p "$crate" -e normal --prefix none)
  if grep -Eq "$gui" <<<"$tree"; then
    echo "FAIL: $crate depends on a GUI crate:"; grep -E "$gui" <<<"$tree" | sort -u; fail=1
  fi
  if grep -q '^streamlens v' <<<"$tree"; then
    echo "FAIL: $crate depends on the streamlens binary package"; fail=1
  fi
done
ours=$(cargo tree -q -p streamlens-engine -e normal --prefix none | grep '^streamlens-' | grep -v '^streamlens-engine ' || true)
if [ -n "$ours" ]; then
  echo "FAIL: the engine depends on crates of ours:"; echo "$ours"; fail=1
fi
if grep -rnE '\b(crate|super)::(super::)*cli\b' src/app; then
  echo "FAIL: the app uses the CLI"; fail=1
fi
if grep -rnE '\b(crate|super)::(super::)*app\b' src/cli; then
  echo "FAIL: the CLI uses the app"; fail=1
fi
if grep -rnE '^\s*use (egui|eframe|egui_plot|rfd)\b|\begui::' crates --include=*.rs; then
  echo "FAIL: a library names egui"; fail=1
fi
python3 scripts/module_cycles.py || fail=1
long=$(find src crates tests benches -name '*.rs' -print0 | xargs -0 wc -l | awk '$2 != "total" && $1 > 500')
if [ -n "$long" ]; then
  echo "FAIL: files over 500 lines:"; echo "$long"; fail=1
fi
if [ "$fail" -ne 0 ]; then
  exit 1
fi
echo "layers ok: no GUI crate under the libraries, engine self-contained, app and CLI apart, no module cycles, no file over 500 lines"

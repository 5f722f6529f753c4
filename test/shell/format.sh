#!/usr/bin/env bash
# Every C source and header follows the root .clang-format, so diffs carry changes, not reflowing.
# Usage: format.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
source=$2
if ! command -v clang-format >/dev/null; then
  echo "clang-format is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
cd "$source"
mapfile -t files < <(git ls-files -- '*.c' '*.h' 2>/dev/null || find sim include test provider fuzz bench -name '*.[ch]' 2>/dev/null)
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "some files differ from .clang-format: run clang-format -i on them" >&2
  exit 1
fi
echo "format: ${#files[@]} files ok"

#!/usr/bin/env bash
# Every module under Sources/ is named in docs/architecture.md (as `Name`), so the map of the code
# cannot silently fall behind it.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=0
for dir in Sources/*/; do
    module=$(basename "$dir")
    if ! grep -q "\`$module\`\|$module " docs/architecture.md; then
        echo "docs/architecture.md does not name the module $module (Sources/$module)" >&2
        missing=1
    fi
done
exit $missing

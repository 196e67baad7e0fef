#!/usr/bin/env bash
# The documents cannot silently fall behind the code:
# - every module under Sources/ is named in docs/architecture.md (as `Name`);
# - every path of this repository that README.md or docs/*.md mentions (scripts/…, benchmarks/…,
#   docs/…, Sources/…, Tests/…, examples/…, cluster/…, data/…) and every relative Markdown link
#   exists;
# - every Swift-looking type name in backticks (`WakingInbox`, `JSONCursor`, `JournalReader.read`:
#   the part before the first dot or parenthesis) is a word of Sources/, Tests/ or Package.swift, or
#   a file's name there, unless it is one of the names from other software below.
set -euo pipefail
cd "$(dirname "$0")/.."
docs=(README.md docs/*.md)
failed=0
fail() {
    echo "$1" >&2
    failed=1
}

for dir in Sources/*/; do
    module=$(basename "$dir")
    if ! grep -q "\`$module\`\|$module " docs/architecture.md; then
        fail "docs/architecture.md does not name the module $module (Sources/$module)"
    fi
done

# Paths that a document names but that are made at run time or stand for the reader's own files.
not_in_repository='^(cluster/k8s/keys|examples/x\.yaml|data/x|data/project)$'
while IFS=: read -r file line path; do
    case "$path" in *'{'* | *'*'* | *'<'* | *'…'*) continue ;; esac
    path=${path%.}
    [[ "$path" =~ $not_in_repository ]] && continue
    [ -e "$path" ] || [ -e "$(dirname "$file")/$path" ] ||
        fail "$file:$line names $path, which is not in the repository"
done < <(grep -noE '(^|[^A-Za-z0-9_.-])(scripts|benchmarks|docs|Sources|Tests|examples|cluster|data)/[A-Za-z0-9_./{}*<>…+-]*[A-Za-z0-9_}*>…]' \
    "${docs[@]}" | sed -E 's/^([^:]*:[0-9]+:)[^A-Za-z]*/\1/')

while IFS=: read -r file line link; do
    target=${link#](}
    target=${target%%#*}
    case "$target" in http://* | https://* | mailto:* | '') continue ;; esac
    [ -e "$(dirname "$file")/$target" ] || fail "$file:$line links to $target, which does not exist"
done < <(grep -noE '\]\([^) ]+' "${docs[@]}")

# Names from other software (Slurm, systemd, Optuna) that look like Swift types.
outside_names='^(GraceTime|KillWait|StateDirectory|MemoryDenyWriteExecute|SuccessiveHalvingPruner)$'
known=$(mktemp)
trap 'rm -f "$known"' EXIT
{
    grep -rhoE '[A-Za-z_][A-Za-z0-9_]*' Sources Tests Package.swift
    find Sources Tests -type f -name '*.swift' -printf '%f\n' | sed 's/\.swift$//'
} | sort -u >"$known"
# shellcheck disable=SC2016 # backticks, not an expansion
type_name='`([A-Z][a-z0-9]+[A-Z]|[A-Z]{2,}[a-z])[A-Za-z0-9]*([.(][^`]*)?`'
while IFS=: read -r file line name; do
    name=${name#\`}
    name=${name%%[.(\`]*}
    [[ "$name" =~ $outside_names ]] && continue
    grep -qxF "$name" "$known" ||
        fail "$file:$line names \`$name\`, which is nowhere in Sources/, Tests/ or Package.swift"
done < <(grep -noE "$type_name" "${docs[@]}")

exit $failed

#!/usr/bin/env bash
# The documents cannot silently fall behind the code:
# - every module under Sources/ is named in docs/architecture.md (as `Name`);
# - every path of this repository that README.md or docs/*.md mentions (scripts/…, benchmarks/…,
#   docs/…, Sources/…, Tests/…, examples/…, cluster/…, data/…) and every relative Markdown link
#   exists;
# - every Swift-looking type name in backticks (`WakingInbox`, `JSONCursor`, `JournalReader.read`:
#   the part before the first dot or parenthesis) is a word of Sources/, Tests/ or Package.swift, or
#   a file's name there, unless it is one of the names from other software below;
# - every --option the documents name is an option of one of the executables (an @Option or @Flag
#   property, kebab-cased) or appears in the code, tests, scripts, benchmarks or cluster files,
#   unless it is one of the other programs' options below;
# - every HPO_… environment variable the documents name is read or set somewhere in the code,
#   tests, scripts, benchmarks, cluster files or examples.
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
    folder=.
    [[ "$file" == */* ]] && folder=${file%/*}
    [ -e "$path" ] || [ -e "$folder/$path" ] ||
        fail "$file:$line names $path, which is not in the repository"
done < <(grep -noE '(^|[^A-Za-z0-9_.-])(scripts|benchmarks|docs|Sources|Tests|examples|cluster|data)/[A-Za-z0-9_./{}*<>…+-]*[A-Za-z0-9_}*>…]' \
    "${docs[@]}" | sed -E 's/^([^:]*:[0-9]+:)[^A-Za-z]*/\1/')

while IFS=: read -r file line link; do
    target=${link#](}
    target=${target%%#*}
    case "$target" in http://* | https://* | mailto:* | '') continue ;; esac
    folder=.
    [[ "$file" == */* ]] && folder=${file%/*}
    [ -e "$folder/$target" ] || fail "$file:$line links to $target, which does not exist"
done < <(grep -noE '\]\([^) ]+' "${docs[@]}")

# Names from other software (Slurm, systemd, Optuna) that look like Swift types.
outside_names='^(GraceTime|KillWait|StateDirectory|MemoryDenyWriteExecute|SuccessiveHalvingPruner)$'
known=$(mktemp)
trap 'rm -f "$known"' EXIT
{
    git grep --untracked -hoE '[A-Za-z_][A-Za-z0-9_]*' Sources Tests Package.swift
    find Sources Tests -type f -name '*.swift' -printf '%f\n' | sed 's/\.swift$//'
} | sort -u >"$known"
# shellcheck disable=SC2016 # backticks, not an expansion
type_name='`([A-Z][a-z0-9]+[A-Z]|[A-Z]{2,}[a-z])[A-Za-z0-9]*([.(][^`]*)?`'
while IFS=: read -r file line name; do
    name=${name#\`}
    name=${name%%[.(\`]*}
    [[ "$name" =~ $outside_names ]] || echo "$name $file:$line"
done < <(grep -noE "$type_name" "${docs[@]}") | awk '
    FNR == NR { known[$0] = 1; next }
    !($1 in known) { printf "%s names `%s`, which is nowhere in Sources/, Tests/ or Package.swift\n", $2, $1; bad = 1 }
    END { exit bad }' "$known" - >&2 || failed=1

# Options of other programs (Slurm, kubectl, perf, swift build, a user's training script).
outside_options='--gpus-per-task --replicas --call-graph --target --offset'
awk -v outside="$outside_options" '
    FNR == NR { known[$0] = 1; next }
    BEGIN { n = split(outside, list, " "); for (i = 1; i <= n; i++) known[list[i]] = 1 }
    {
        line = $0
        sub(/^[^:]*:[0-9]+:/, "", line)
        while (match(line, /(^|[^A-Za-z0-9-])--[a-z][a-z0-9-]*[a-z0-9]/)) {
            option = substr(line, RSTART, RLENGTH)
            sub(/^[^-]*/, "", option)
            if (!(option in known)) {
                split($0, where, ":")
                printf "%s:%s names %s, which no executable, script or test has\n", where[1], where[2], option
                bad = 1
            }
            line = substr(line, RSTART + RLENGTH)
        }
    }
    END { exit bad }
' <({
    git grep --untracked -hoE -e '--[a-z][a-z0-9-]*[a-z0-9]' Sources Tests scripts benchmarks cluster examples .ci
    find Sources -name '*.swift' -exec awk '
        /@(Option|Flag)/ { pending = 1; custom = "" }
        pending && match($0, /customLong\("[^"]+"/) { custom = substr($0, RSTART + 12, RLENGTH - 13) }
        pending && match($0, /var [a-z][A-Za-z0-9]*/) {
            name = substr($0, RSTART + 4, RLENGTH - 4)
            print custom != "" ? "--" custom : "--" name
            pending = 0
        }' {} + | sed -E 's/([A-Z])/-\L\1/g'
} | sort -u) <(grep -nE -- '--[a-z]' "${docs[@]}") >&2 || failed=1

while read -r variable; do
    fail "the docs name $variable, which nothing in the code, tests, scripts or cluster files uses"
done < <(comm -23 <(grep -ohE '\bHPO_[A-Z0-9_]*[A-Z0-9]' "${docs[@]}" | sort -u) \
    <(git grep --untracked -hoE '\bHPO_[A-Z0-9_]*[A-Z0-9]' Sources Tests scripts benchmarks cluster examples .ci | sort -u))

exit $failed

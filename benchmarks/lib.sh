# Shell functions shared by the benchmark scripts. Source it right after the script's
# `cd "$(dirname "$0")/.."`: every path here is relative to the repository's root. The functions
# are safe under `set -euo pipefail`; on bad input they print what was expected and exit the
# script (status 2), so call them directly, not inside $(…) or <(…).
# shellcheck shell=bash

# print_usage SCRIPT: SCRIPT's --help, which is its header comment: lines 2 up to the
# `set -euo pipefail` line, without their leading "# ".
print_usage() {
    sed -n '2,/^set -euo/p' "$1" | sed '$d; s/^# \{0,1\}//'
}

# split_list ARRAY LIST: ARRAY=(the comma-separated items of LIST); an empty LIST gives none
# (PEERS= runs no peers).
split_list() {
    local -n split_list_into=$1
    # shellcheck disable=SC2034 # a name reference: this sets the caller's ARRAY
    IFS=, read -ra split_list_into <<< "$2"
}

# expand_seeds ARRAY SPEC: ARRAY=(the seeds SPEC names, a comma-separated list of numbers and
# ranges: "0-2,7" gives 0 1 2 7).
expand_seeds() {
    local -n expand_seeds_into=$1
    local part parts
    expand_seeds_into=()
    IFS=, read -ra parts <<< "$2"
    for part in "${parts[@]}"; do
        if [[ $part =~ ^([0-9]+)-([0-9]+)$ ]]; then
            mapfile -t -O "${#expand_seeds_into[@]}" expand_seeds_into \
                < <(seq "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")
        elif [[ $part =~ ^[0-9]+$ ]]; then
            expand_seeds_into+=("$part")
        else
            echo "bad seed list '$2' (numbers and ranges: 0-2,7)" >&2
            exit 2
        fi
    done
    if ((${#expand_seeds_into[@]} == 0)); then
        echo "no seeds in '$2' (numbers and ranges: 0-2,7)" >&2
        exit 2
    fi
}

# hpo_binaries [PRODUCT...]: sets HPO_BIN_DIR to the folder holding hpo-coordinator, hpo-worker and
# the PRODUCTs (e.g. hpo) the script also runs (a release build when HPO_BIN_DIR is not given) and
# waits, at most 10 minutes, for all of them to be there, since another build may be replacing them
# while a long run goes.
# shellcheck disable=SC2120 # the PRODUCTs are optional
hpo_binaries() {
    local products=(hpo-coordinator hpo-worker "$@") product tries missing
    if [[ -z ${HPO_BIN_DIR:-} ]]; then
        for product in "${products[@]}"; do
            swift build -c release --product "$product" >&2
        done
        HPO_BIN_DIR=.build/release
    fi
    for tries in $(seq 120); do
        missing=()
        for product in "${products[@]}"; do
            [[ -x $HPO_BIN_DIR/$product ]] || missing+=("$product")
        done
        ((${#missing[@]} == 0)) && return 0
        ((tries == 1)) && echo "waiting for ${missing[*]} in $HPO_BIN_DIR…" >&2
        sleep 5
    done
    echo "no ${missing[*]} in $HPO_BIN_DIR" >&2
    exit 1
}

# The benchmark-only Python environment of the peers (Optuna, scikit-optimize), kept between runs.
PEER_VENV=.build-peers-venv
PEER_REQUIREMENTS=benchmarks/bo-peers-requirements.txt

# peer_venv [PACKAGE...]: creates $PEER_VENV once and installs into it the PACKAGEs (every package
# when none is named) at the versions pinned in $PEER_REQUIREMENTS, their dependencies held to the
# pins too, so that the peers' figures do not drift with whatever pip resolves that day.
# shellcheck disable=SC2120 # the PACKAGEs are optional
peer_venv() {
    local package install=(-r "$PEER_REQUIREMENTS")
    if (($#)); then
        for package; do
            grep -q "^$package==" "$PEER_REQUIREMENTS" || {
                echo "$PEER_REQUIREMENTS pins no version of $package" >&2
                exit 2
            }
        done
        install=(-c "$PEER_REQUIREMENTS" "$@")
    fi
    if [[ ! -x $PEER_VENV/bin/python ]]; then
        echo "creating $PEER_VENV (benchmark-only Python environment for the peers)…" >&2
        python3 -m venv "$PEER_VENV"
    fi
    echo "installing ${*:-every package} pinned in $PEER_REQUIREMENTS into $PEER_VENV with pip…" >&2
    "$PEER_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${install[@]}" >&2
}

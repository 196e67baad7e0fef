# Sourced by the benchmark scripts that run hpo-coordinator and hpo-worker: sets HPO_BIN_DIR to
# the folder holding both (a release build when HPO_BIN_DIR is not given) and waits, at most 10
# minutes, for both to be there, since another build may be replacing them while a long run goes.
hpo_binaries() {
    if [[ -z ${HPO_BIN_DIR:-} ]]; then
        swift build -c release --product hpo-coordinator >&2
        swift build -c release --product hpo-worker >&2
        HPO_BIN_DIR=.build/release
    fi
    local tries
    for tries in $(seq 120); do
        [[ -x $HPO_BIN_DIR/hpo-coordinator && -x $HPO_BIN_DIR/hpo-worker ]] && return 0
        ((tries == 1)) && echo "waiting for $HPO_BIN_DIR/hpo-coordinator and hpo-worker…" >&2
        sleep 5
    done
    echo "no hpo-coordinator / hpo-worker in $HPO_BIN_DIR" >&2
    exit 1
}

#!/bin/sh
# A stand-in for ssh, for testing hpo-fanout.sh on one machine (HPO_SSH=cluster/ssh/local-ssh.sh).
#
#   local-ssh.sh HOST COMMAND...
#
# Runs COMMAND with sh on this machine, like `ssh HOST COMMAND` would on HOST: in the folder
# $HPO_LOCAL_HOSTS/HOST (made if missing), with HOME pointed at it, so that every "host" has a
# home of its own (pid files, logs, keys). Exits 255 on a setup error, as ssh does.
[ -n "${HPO_LOCAL_HOSTS:-}" ] || { echo "local-ssh.sh: set HPO_LOCAL_HOSTS to a folder" >&2; exit 255; }
[ $# -ge 2 ] || { echo "usage: local-ssh.sh HOST COMMAND..." >&2; exit 255; }
host=$1
shift
case "$host" in */*|.*|'') echo "local-ssh.sh: bad host name '$host'" >&2; exit 255 ;; esac
dir="$HPO_LOCAL_HOSTS/${host##*@}"
mkdir -p "$dir" && cd "$dir" || exit 255
HOME="$PWD" exec sh -c "$*"

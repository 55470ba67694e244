#!/usr/bin/env bash
# usage: scripts/bounded.sh SECONDS COMMAND [ARG...]
#
# Runs COMMAND in a session of its own and returns its exit status. If it has not finished after SECONDS, stops it
# and everything it started (the aggregators and agents a test spawns each run in a process group of their own, so
# signalling COMMAND's group would leave them running), says so, and exits 124. Ctrl-C stops the whole session too.
#
# `make test` runs the Swift tests through it: Swift Testing marks a test that outlives its time limit as failed but
# cannot stop one stuck on a continuation, and CI would wait for its own 90-minute limit.
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 SECONDS COMMAND [ARG...]" >&2
    exit 2
fi
limit=$1
shift

# In a shell without job control a background child is not a process group leader, so setsid makes it the leader
# of a new session without forking: its pid is the session id.
setsid "$@" &
leader=$!
# The processes of the session, read from /proc (procps' pkill is not on every minimal Debian).
members() {
    local stat text fields
    for stat in /proc/[0-9]*/stat; do
        text=$(cat "$stat" 2>/dev/null) || continue
        read -r -a fields <<< "${text##*) }"  # state ppid pgrp session …, after the command name
        [ "${fields[3]}" = "$leader" ] && { pid=${stat#/proc/}; echo "${pid%/stat}"; }
    done
}
stop_session() {
    local left
    left=$(members)
    [ -n "$left" ] && kill -TERM $left 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        left=$(members)
        [ -z "$left" ] && return 0
        sleep 1
    done
    kill -KILL $left 2>/dev/null
}
trap 'stop_session; exit 130' INT TERM

deadline=$((SECONDS + limit))
while kill -0 "$leader" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "$1 did not finish within $limit s and was stopped with everything it started;" \
            "the last test reported as started is the one that hung" >&2
        stop_session
        wait "$leader" 2>/dev/null
        exit 124
    fi
    sleep 1
done
wait "$leader"

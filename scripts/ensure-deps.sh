#!/usr/bin/env bash
# Installs what Kaoping needs from the system when it is missing: libzmq (libzmq3-dev), jemalloc (libjemalloc-dev,
# the aggregator's allocator) and pkg-config.
# Safe to run again: it does nothing when everything is there.
set -euo pipefail

# The protocol test (tests/protocol/) is a third-party client in Python: pyzmq, protobuf and cryptography from PyPI.
ensure_python_packages() {
    if ! python3 -c "import zmq, google.protobuf, cryptography" >/dev/null 2>&1; then
        echo "ensure-deps: installing pyzmq, protobuf and cryptography for the protocol test (pip)" >&2
        python3 -m pip install -q pyzmq "protobuf>=4.21" cryptography >&2 || {
            echo "ensure-deps: pip could not install pyzmq/protobuf/cryptography; install them for python3, then run make again" >&2
            exit 1
        }
    fi
}

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists libzmq 2>/dev/null || missing+=(libzmq3-dev)
pkg-config --exists jemalloc 2>/dev/null || missing+=(libjemalloc-dev)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -eq 0 ]; then
    ensure_python_packages
    exit 0
fi

echo "ensure-deps: installing ${missing[*]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-deps: ${missing[*]} missing and apt-get is not available; install libzmq 4.3 and jemalloc 5 (each with its pkg-config file) and python3 with your package manager, then run make again" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        echo "ensure-deps: not root and no sudo; run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
pkg-config --exists libzmq || { echo "ensure-deps: libzmq still not found by pkg-config after installing libzmq3-dev" >&2; exit 1; }
pkg-config --exists jemalloc || { echo "ensure-deps: jemalloc still not found by pkg-config after installing libjemalloc-dev" >&2; exit 1; }
echo "ensure-deps: libzmq $(pkg-config --modversion libzmq) and jemalloc $(pkg-config --modversion jemalloc) ready" >&2
ensure_python_packages

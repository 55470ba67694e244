#!/usr/bin/env bash
# Installs what Kaoping needs when it is missing, and says in one line what and why. Safe to run again.
#
#   scripts/ensure-deps.sh               the system: pkg-config, libzmq (ZeroMQ), libsodium (Ed25519
#                                        verification), jemalloc (the aggregator's allocator), libxlsxwriter (the
#                                        web console's .xlsx downloads) and python3 (the demo's scripts use its
#                                        standard library only)
#   scripts/ensure-deps.sh --test-tools  also the Python test tools, pinned in Tests/requirements.txt, in a virtual
#                                        environment of the project's own (.venv/, or $VENV); the system's Python is
#                                        never written to; and for the browser tests Debian's chromium with a CJK
#                                        font (Playwright drives that chromium: it cannot download its own here)
#
# System packages come from apt-get, as root or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

test_tools=false
case "${1:-}" in
    "") ;;
    --test-tools) test_tools=true ;;
    *) echo "usage: scripts/ensure-deps.sh [--test-tools]" >&2; exit 2 ;;
esac
venv=${VENV:-.venv}
requirements=Tests/requirements.txt

say() { echo "ensure-deps: $*" >&2; }
fail() { say "$*"; exit 1; }
venv_works() { "$venv/bin/python" -m pip --version >/dev/null 2>&1; }

missing=() why=()
need() { missing+=("$1"); why+=("$1 ($2)"); }
command -v pkg-config >/dev/null 2>&1 || need pkg-config "to find the libraries"
pkg-config --exists libzmq 2>/dev/null || need libzmq3-dev "ZeroMQ"
pkg-config --exists libsodium 2>/dev/null || need libsodium-dev "Ed25519 verification"
pkg-config --exists jemalloc 2>/dev/null || need libjemalloc-dev "the aggregator's allocator"
pkg-config --exists xlsxwriter 2>/dev/null || need libxlsxwriter-dev "the web console's .xlsx downloads"
command -v python3 >/dev/null 2>&1 || need python3 "the demo's scripts"
# Debian's python3 makes virtual environments only with python3-venv (which brings ensurepip).
if $test_tools && ! venv_works \
        && ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
    need python3-venv "the test tools' virtual environment"
fi
if $test_tools; then
    command -v chromium >/dev/null 2>&1 || need chromium "the web console's browser tests"
    fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk" || need fonts-wqy-microhei "Chinese in the browser screenshots"
fi

if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || fail "${missing[*]} missing and there is no apt-get: install libzmq 4.3," \
        "libsodium 1.0.18, jemalloc 5 and libxlsxwriter 1.1 (each with its pkg-config file), python3 with its venv" \
        "module, and for the tests chromium with a CJK font; then run make again"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || fail "${missing[*]} missing; not root and no sudo: as root, run:" \
            "apt-get update && apt-get install -y ${missing[*]}"
        sudo="sudo"
    fi
    list=$(printf '%s, ' "${why[@]}")
    say "installing with apt-get: ${list%, }"
    export DEBIAN_FRONTEND=noninteractive
    { $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; } \
        || fail "apt-get could not install ${missing[*]} (see above); run:" \
            "${sudo:+sudo }apt-get update && ${sudo:+sudo }apt-get install -y ${missing[*]}"
    pkg-config --exists libzmq || fail "libzmq still not found by pkg-config after installing libzmq3-dev"
    pkg-config --exists libsodium || fail "libsodium still not found by pkg-config after installing libsodium-dev"
    pkg-config --exists jemalloc || fail "jemalloc still not found by pkg-config after installing libjemalloc-dev"
    pkg-config --exists xlsxwriter || fail "libxlsxwriter still not found by pkg-config after installing" \
        "libxlsxwriter-dev"
    say "libzmq $(pkg-config --modversion libzmq), libsodium $(pkg-config --modversion libsodium)," \
        "jemalloc $(pkg-config --modversion jemalloc) and libxlsxwriter ready"
fi

$test_tools || exit 0

# The virtual environment is current when it holds exactly the requirements it was made from.
stamp="$venv/requirements.installed"
if venv_works && cmp -s "$requirements" "$stamp"; then
    exit 0
fi
tools=$(grep -v '^#' "$requirements" | paste -sd ' ')
say "installing the Python test tools into $venv/ ($tools) for the protocol test"
if ! venv_works; then
    rm -rf "$venv"
    python3 -m venv "$venv" || fail "python3 -m venv $venv failed (see above); on Debian: apt-get install python3-venv," \
        "then run make again"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements" \
    || fail "pip could not install $requirements into $venv/ (see above): PyPI must be reachable; then run make again." \
        "The demo needs none of it"
cp "$requirements" "$stamp"

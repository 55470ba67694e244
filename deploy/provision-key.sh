#!/usr/bin/env bash
# Creates a submitter's key and prints the line to add to the aggregator's keyring.
# Usage: deploy/provision-key.sh SUBMITTER [OUT_DIR]
#   SUBMITTER: party_office, survey_vendor, …, leader:D07, operator
# The key file (OUT_DIR/SUBMITTER.key, mode 0600) goes to the department's machine only; the printed line goes to
# the operator, who adds it to /etc/kaoping/keyring.txt and runs `kaoping keys reload --key operator.key`.
set -euo pipefail
submitter=${1:?usage: provision-key.sh SUBMITTER [OUT_DIR]}
out=${2:-.}
kaoping=${KAOPING:-kaoping}
command -v "$kaoping" >/dev/null || kaoping="$(dirname "$0")/../.build/debug/kaoping"
mkdir -p "$out"
file="$out/${submitter/:/_}.key"
line=$("$kaoping" keygen --submitter "$submitter" --out "$file")
echo "key file: $file (give it to $submitter only)" >&2
echo "add this line to the aggregator's keyring, then run: kaoping keys reload --key operator.key" >&2
echo "$line"

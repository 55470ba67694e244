#!/usr/bin/env bash
# The local demo. Until the aggregator and agents exist, it scores the shipped sample campaign with the same rule
# engine the aggregator uses and prints the ranking table.
# Usage: deploy/demo/run-demo.sh BIN_DIR   (BIN_DIR holds the built kaoping binary)
set -euo pipefail
bin=${1:-.build/debug}
here=$(cd "$(dirname "$0")" && pwd)
echo "== Kaoping demo: the 2023 Zhongshan campaign (22 districts, $(($(wc -l < "$here/roster.csv") - 1)) workers, 8 departments)"
echo "== input: $here/sample-campaign.jsonl ($(wc -l < "$here/sample-campaign.jsonl") lines, incl. a retry, a conflict, an unauthorized attempt, a malformed line and a reopen)"
echo
"$bin/kaoping" score --input "$here/sample-campaign.jsonl" --roster "$here/roster.csv" --format table

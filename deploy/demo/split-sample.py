#!/usr/bin/env python3
"""Splits the sample campaign into the files each agent's clerk drops into its inbox during the demo.

Usage: split-sample.py sample-campaign.jsonl OUT_DIR
"""
import json
import os
import sys

source, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
files = {}


def put(name, line):
    files.setdefault(name, []).append(line)


lines = [line for line in open(source, encoding="utf-8").read().splitlines() if line.strip()]
records = [json.loads(line) for line in lines]
# The real-life lines at the end of the sample (see make-sample.py): conflict, unauthorized, malformed, reopen,
# correction.
conflict = next(i for i, r in enumerate(records) if r.get("submitter") == "party_office" and r.get("score") == "14.80")
correction = max(i for i, r in enumerate(records) if r.get("submitter") == "party_office" and r.get("score") == "14.80")
for index, (line, record) in enumerate(zip(lines, records)):
    submitter = record.get("submitter", "")
    if record.get("action") == "reopen":
        continue  # the operator's, done with `kaoping reopen`
    if index == conflict:
        put("party_office-2-conflict.jsonl", line)
    elif index == correction:
        put("party_office-3-corrected.jsonl", line)
    elif submitter == "party_office":
        put("party_office-1.jsonl", line)
    elif submitter == "city_ops":
        month = int(record["period"][5:])
        put("city_ops-%d.jsonl" % (1 + (month - 1) // 4), line)
    elif submitter == "safety_office" and not isinstance(record.get("score"), str):
        put("safety_office-typo.jsonl", line)
    else:
        put(submitter.replace(":", "_") + ".jsonl", line)
for name, content in files.items():
    with open(os.path.join(out, name), "w", encoding="utf-8") as handle:
        handle.write("\n".join(content) + "\n")

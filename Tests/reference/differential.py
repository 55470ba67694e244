#!/usr/bin/env python3
"""Differential check: `kaoping score` against reference_scorer.py on randomized campaigns.

Each campaign mixes complete and incomplete data, ties (totals and hotline rates), duplicates, conflicts, reopens,
unauthorized and malformed lines, and a roster. The two outputs must agree on totals (by value), ranks, grades,
missing cells, rejected lines (line, id, status), duplicates and `final`.

Usage: differential.py --kaoping PATH [--campaigns N] [--seed S] [--keep DIR]
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_scorer as ref  # noqa: E402


def decimal_text(rng, maximum, coarse, high=False):
    """A valid decimal string in [0, maximum]; `coarse` makes ties likely, `high` keeps it near the maximum."""
    if coarse:
        hundredths = rng.randrange(0, maximum + 1) * 100
    elif high:
        hundredths = rng.randrange(maximum * 90, maximum * 100 + 1)
    else:
        hundredths = rng.randrange(0, maximum * 100 + 1)
    integer, fraction = divmod(hundredths, 100)
    style = rng.randrange(4)
    if fraction == 0 and style == 0:
        return str(integer)
    if fraction % 10 == 0 and style == 1:
        return "%d.%d" % (integer, fraction // 10)
    return "%d.%02d" % (integer, fraction)


def make_campaign(rng):
    coarse = rng.random() < 0.5
    high = not coarse and rng.random() < 0.5  # district totals above 100: the worker clamp matters
    roster = []
    for district in ref.DISTRICTS:
        for index in range(rng.randrange(0, 4)):
            roster.append({"id": "W%s%02d" % (district[1:], index + 1), "name": "工作者%d" % index,
                           "district": district})
    rng.shuffle(roster)
    fill = rng.choice([1.0, 1.0, 0.95, 0.7, 0.3])
    counter = [0]

    def sid():
        counter[0] += 1
        return "s%05d" % counter[0]

    def base(indicator, district, submitter=None):
        return {"submission_id": sid(), "submitter": submitter or ref.owner(indicator, district),
                "campaign": ref.CAMPAIGN, "indicator": indicator, "district": district, "worker": "", "period": "",
                "score": "", "respondents": 0, "key_respondents": 0, "participants": 0, "note": ""}

    good = []
    for district in ref.DISTRICTS:
        for indicator, (maximum, _, _) in ref.DISTRICT_INDICATORS.items():
            if rng.random() > fill:
                continue
            line = base(indicator, district)
            line["score"] = decimal_text(rng, maximum if not coarse else min(maximum, 3), coarse, high)
            if indicator == "deduction" and high:
                line["score"] = decimal_text(rng, 1, False)
            if indicator in ("visits", "practical_matters"):
                line["respondents"] = rng.randrange(20, 51)
                line["key_respondents"] = rng.randrange((line["respondents"] + 2) // 3, line["respondents"] + 1)
            if indicator == "member_evaluation":
                line["participants"] = rng.randrange(40, 80)
            if indicator in ("bonus", "deduction"):
                line["note"] = "原因" if line["score"] not in ("0", "0.0", "0.00") or rng.random() < 0.5 else ""
            good.append(line)
        for month in ref.MONTHS:
            if rng.random() > fill:
                continue
            line = base("hotline", district)
            line["period"] = month
            line["hotline"] = {metric: decimal_text(rng, 100, True) if coarse else
                               "%d.%d" % (rng.randrange(70, 100), rng.randrange(10)) for metric in ref.METRICS}
            if rng.random() < 0.2:
                line.pop("score")
            good.append(line)
    for worker in roster:
        for indicator in ref.WORKER_INDICATORS:
            if rng.random() > fill:
                continue
            line = base(indicator, worker["district"])
            line["worker"] = worker["id"]
            line["score"] = decimal_text(rng, 100, coarse)
            if indicator == "worker_democratic_review":
                line["participants"] = rng.randrange(40, 60)
            good.append(line)
    if rng.random() < 0.4:  # districts with only a deduction: negative totals, clamped to 0 for their workers
        for district in rng.sample(ref.DISTRICTS, 2):
            good = [line for line in good if line["district"] != district or line["indicator"] in (
                "deduction", "worker_leader_review", "worker_democratic_review")]
            deduction = base("deduction", district)
            deduction.update(score="3.5", note="处分")
            good = [line for line in good if not (line["district"] == district and line["indicator"] == "deduction")]
            good.append(deduction)
    rng.shuffle(good)

    lines = []
    for line in good:
        lines.append(json.dumps(line, ensure_ascii=rng.random() < 0.5))
        roll = rng.random()
        if roll < 0.05:  # a retry with a new id and the same value written differently
            retry = dict(line, submission_id=sid())
            if retry.get("score") and "." not in retry["score"]:
                retry["score"] = retry["score"] + ".00"
            lines.append(json.dumps(retry))
        elif roll < 0.08:  # a conflicting resend
            changed = dict(line, submission_id=sid(), note="改过 changed")
            lines.append(json.dumps(changed))
        elif roll < 0.10:  # an operator reopen, sometimes followed by a correction
            reopen = {"action": "reopen", "submitter": "operator", "campaign": ref.CAMPAIGN,
                      "indicator": line["indicator"], "district": line["district"], "worker": line["worker"],
                      "period": line["period"], "reason": rng.choice(["更正", " ", "typo"])}
            lines.append(json.dumps(reopen))
            if fill == 1.0 or rng.random() < 0.7:
                lines.append(json.dumps(dict(line, submission_id=sid())))
        elif roll < 0.12:  # someone else's indicator
            lines.append(json.dumps(dict(line, submission_id=sid(), submitter=rng.choice(
                ["party_office", "city_ops", "leader:D01", "leader:D22", "operator", ""]))))
        elif roll < 0.16:  # broken in one way or another
            lines.append(mutate(rng, dict(line, submission_id=sid())))
        elif roll < 0.18:  # the same line resent, in a form that is not JSON: malformed, not a duplicate
            lines.append(rng.choice(NOT_JSON)(lines[-1]))
        if rng.random() < 0.03:
            lines.append(rng.choice(["", "   ", "\t"]))
    return lines, roster


# Forms some JSON readers take and RFC 8259 does not: each makes the line malformed (invalid), a resend of an
# accepted line included. Each is applied to the text of a well-formed line.
NOT_JSON = [
    lambda text: text[:-1] + ", }",                                 # a trailing comma
    lambda text: text[:-1] + ', "extra": 01}',                      # a leading zero, in a field no rule reads
    lambda text: text[:-1] + ', "extra": NaN}',
    lambda text: text[:-1] + ', "extra": -Infinity}',
    lambda text: text + " // checked",                              # a comment
    lambda text: text.replace('"submission_id"', "'submission_id'", 1),
    lambda text: text.replace('"submission_id"', "submission_id", 1),
    lambda text: text[:-1] + ', "extra": "a\tb"}',                # a raw tab inside a string
    lambda text: text[:-1] + ', "extra": [1, 2,]}',
    lambda text: text[:-1] + ', "extra": .5}',
]


def mutate(rng, line):
    kind = rng.randrange(15)
    if kind == 0:
        return json.dumps(line)[:-3]
    if kind == 14:
        return rng.choice(NOT_JSON)(json.dumps(line, ensure_ascii=False))
    if kind == 1 and line.get("score"):
        line["score"] = float(line["score"])  # JSON number
    elif kind == 2:
        line["score"] = rng.choice(["13.555", "-1", "+1", "1e1", ".5", "5.", " 5", "", "abc", "１"])
    elif kind == 3:
        line["district"] = rng.choice(["D23", "d01", "D1", ""])
    elif kind == 4:
        line["campaign"] = "zhongshan-2024"
    elif kind == 5:
        line["indicator"] = rng.choice(["visit", "Hotline", "", "bonus_points"])
    elif kind == 6:
        line["respondents"] = rng.choice([19, 51, 0, 30])
        line["key_respondents"] = rng.choice([0, 6, 9, 10, 31])
    elif kind == 7:
        line["participants"] = rng.choice([39, 0, 40])
    elif kind == 8:
        line["score"] = rng.choice(["5.01", "15.01", "20.5", "100.01", "5", "0"])
        line["note"] = rng.choice(["", "  ", "reason"])
    elif kind == 9:
        line["period"] = rng.choice(["2023-13", "2023-1", "2024-01", "2023-06"])
    elif kind == 10:
        line["worker"] = rng.choice(["W9999", "W0101", ""])
    elif kind == 11:
        line["submission_id"] = rng.choice(["", None])
    elif kind == 12:
        line["respondents"] = rng.choice(["30", 30.5, True])
    else:
        line["hotline"] = rng.choice([{"first_contact_rate": "90"}, {"on_time_rate": 96}, "x",
                                      {m: "100.5" for m in ref.METRICS}])
    return json.dumps(line)


def run_kaoping(binary, lines, roster, folder, bom):
    data = "\n".join(lines) + "\n"
    path = os.path.join(folder, "input.jsonl")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(("\ufeff" if bom else "") + data)
    roster_path = os.path.join(folder, "roster.csv")
    with open(roster_path, "w", encoding="utf-8") as handle:
        handle.write(("\ufeff" if bom else "") + "id,name,district\n")
        for row in roster:
            handle.write("%s,%s,%s\n" % (row["id"], row["name"], row["district"]))
    result = subprocess.run([binary, "score", "--input", path, "--roster", roster_path], capture_output=True,
                            timeout=120)
    if result.returncode != 0:
        raise AssertionError("kaoping score exited %d: %s" % (result.returncode, result.stderr.decode()))
    return json.loads(result.stdout)


def compare(got, want):
    problems = []
    for name in ["campaign", "final", "duplicates"]:
        if got[name] != want[name]:
            problems.append("%s: kaoping %r, reference %r" % (name, got[name], want[name]))
    got_rejected = [(r["line"], r["submission_id"], r["status"]) for r in got["rejected"]]
    want_rejected = [(r["line"], r["submission_id"], r["status"]) for r in want["rejected"]]
    if got_rejected != want_rejected:
        missing = [r for r in want_rejected if r not in got_rejected][:5]
        extra = [r for r in got_rejected if r not in want_rejected][:5]
        problems.append("rejected differ: reference only %s; kaoping only %s" % (missing, extra))
    for kind, key in [("districts", "district"), ("workers", "worker")]:
        g = [(r[key], Fraction(r["total"]), r["rank"], r["grade"]) for r in got[kind]]
        w = [(r[key], Fraction(r["total"]), r["rank"], r["grade"]) for r in want[kind]]
        if g != w:
            diff = [(a, b) for a, b in zip(g, w) if a != b][:3]
            problems.append("%s differ (count %d vs %d): %s" % (kind, len(g), len(w), diff))
    got_missing = {r["district"]: r["missing"] for r in got["districts"]}
    want_missing = {r["district"]: r["missing"] for r in want["districts"]}
    if got_missing != want_missing:
        problems.append("missing cells differ")
    got_values = {r["district"]: {k: Fraction(v) for k, v in r["indicators"].items()} for r in got["districts"]}
    want_values = {r["district"]: {k: Fraction(v) for k, v in r["indicators"].items()} for r in want["districts"]}
    if got_values != want_values:
        problems.append("indicator values differ")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kaoping", required=True, help="path of the kaoping binary")
    parser.add_argument("--campaigns", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20231)
    parser.add_argument("--keep", help="write failing inputs to this folder")
    args = parser.parse_args()
    if not os.access(args.kaoping, os.X_OK):
        print("differential: %s is not an executable; build first (swift build)" % args.kaoping, file=sys.stderr)
        return 2
    passed = failed = 0
    finals = 0
    with tempfile.TemporaryDirectory(prefix="kaoping-diff-") as folder:
        for index in range(args.campaigns):
            rng = random.Random(args.seed * 1000 + index)
            lines, roster = make_campaign(rng)
            bom = rng.random() < 0.3
            got = run_kaoping(args.kaoping, lines, roster, folder, bom)
            want = ref.score(lines, roster)
            problems = compare(got, want)
            finals += 1 if want["final"] else 0
            if problems:
                failed += 1
                print("campaign %d (seed %d): %s" % (index, args.seed * 1000 + index, "; ".join(problems)))
                if args.keep:
                    os.makedirs(args.keep, exist_ok=True)
                    for name in ["input.jsonl", "roster.csv"]:
                        with open(os.path.join(folder, name), "rb") as source:
                            with open(os.path.join(args.keep, "%d-%s" % (index, name)), "wb") as target:
                                target.write(source.read())
            else:
                passed += 1
    print("differential: %d campaigns checked (%d complete) against the reference scorer" % (args.campaigns, finals))
    print("differential: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

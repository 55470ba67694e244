"""An independent implementation of RULES.md for the built-in zhongshan-2023 catalog.

Written from RULES.md alone, in plain Python with exact fractions, to check `kaoping score` against.
It shares no code with the Swift implementation and uses none of its data structures.
"""

import json
import re
from fractions import Fraction

CAMPAIGN = "zhongshan-2023"
DISTRICTS = ["D%02d" % n for n in range(1, 23)]
MONTHS = ["2023-%02d" % m for m in range(1, 13)]
METRICS = ["first_contact_rate", "on_time_rate", "resolution_rate", "satisfaction_rate"]
TARGETS = {"first_contact_rate": 85, "on_time_rate": 95, "resolution_rate": 95, "satisfaction_rate": 78}

# id -> (max, submitter, sign)
DISTRICT_INDICATORS = {
    "visits": (15, "survey_vendor", 1),
    "practical_matters": (15, "survey_vendor", 1),
    "member_evaluation": (20, "assessment_team", 1),
    "party_building": (15, "party_office", 1),
    "serving_masses": (15, "self_governance_office", 1),
    "stability": (10, "safety_office", 1),
    "bonus": (5, "assessment_office", 1),
    "deduction": (5, "discipline_commission", -1),
}
CELL_ORDER = ["visits", "practical_matters", "hotline", "member_evaluation", "party_building", "serving_masses",
              "stability", "bonus", "deduction"]
WORKER_INDICATORS = {"worker_leader_review": Fraction(2, 10), "worker_democratic_review": Fraction(3, 10)}
ALL_INDICATORS = set(DISTRICT_INDICATORS) | {"hotline"} | set(WORKER_INDICATORS)
OPERATORS = {"operator"}

DECIMAL = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")


class Refused(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


def parse_decimal(text):
    if not isinstance(text, str) or not DECIMAL.match(text):
        return None
    return Fraction(text)


def text_field(obj, name):
    value = obj.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Refused("invalid", name + " must be a string")
    return value


def int_field(obj, name):
    """A count: a whole JSON number. Written with a fraction or an exponent (30.0, 3e1), it is whole and below 1e15
    in size; written as an integer, it fits in 64 bits."""
    value = obj.get(name)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Refused("invalid", name + " must be an integer")
    if isinstance(value, float):
        if value != int(value) or abs(value) >= 1e15:
            raise Refused("invalid", name + " must be an integer")
        value = int(value)
    if not -2**63 <= value < 2**63:
        raise Refused("invalid", name + " must be an integer")
    return value


def _no_constant(name):
    raise ValueError(name + " is not JSON")


def parse_json(raw):
    """RFC 8259 exactly: Python's json takes NaN and Infinity besides, which JSON does not."""
    return json.loads(raw, parse_constant=_no_constant)


def decode(raw):
    """Check 1: the line as a dict of normalized fields, or Refused."""
    try:
        obj = parse_json(raw)
    except Exception:
        raise Refused("invalid", "not json")
    if not isinstance(obj, dict):
        raise Refused("invalid", "not an object")
    fields = {}
    for name in ["action", "submission_id", "submitter", "campaign", "indicator", "district", "worker", "period",
                 "score", "note", "reason"]:
        fields[name] = text_field(obj, name)
    for name in ["respondents", "key_respondents", "participants"]:
        fields[name] = int_field(obj, name)
    hotline = obj.get("hotline")
    if hotline is None:
        hotline = {}
    if not isinstance(hotline, dict):
        raise Refused("invalid", "hotline must be an object")
    rates = {}
    for key, value in hotline.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise Refused("invalid", "rates are strings")
        rates[key] = value
    fields["hotline"] = rates
    if fields["action"] not in ("", "submit", "reopen"):
        raise Refused("invalid", "unknown action")
    if fields["action"] != "reopen" and fields["submission_id"] == "":
        raise Refused("invalid", "empty id")
    return fields


def key_of(f):
    return (f["campaign"], f["indicator"], f["district"], f["worker"], f["period"])


def check_key(f, roster):
    if f["campaign"] != CAMPAIGN:
        raise Refused("invalid", "campaign")
    indicator = f["indicator"]
    if indicator not in ALL_INDICATORS:
        raise Refused("invalid", "indicator")
    if f["district"] not in DISTRICTS:
        raise Refused("invalid", "district")
    if indicator in WORKER_INDICATORS:
        if f["worker"] not in roster or roster[f["worker"]] != f["district"]:
            raise Refused("invalid", "worker")
    elif f["worker"] != "":
        raise Refused("invalid", "worker on district indicator")
    if indicator == "hotline":
        if f["period"] not in MONTHS:
            raise Refused("invalid", "period")
    elif f["period"] != "":
        raise Refused("invalid", "period on non-hotline")


def owner(indicator, district):
    if indicator == "hotline":
        return "city_ops"
    if indicator == "worker_leader_review":
        return "leader:" + district
    if indicator == "worker_democratic_review":
        return "assessment_team"
    return DISTRICT_INDICATORS[indicator][1]


def check_value(f):
    indicator = f["indicator"]
    if indicator == "hotline":
        rates = []
        for metric in METRICS:
            value = parse_decimal(f["hotline"].get(metric, ""))
            if value is None or value > 100:
                raise Refused("invalid", "rate")
            rates.append(value)
        return rates
    value = parse_decimal(f["score"])
    maximum = 100 if indicator in WORKER_INDICATORS else DISTRICT_INDICATORS[indicator][0]
    if value is None or value > maximum:
        raise Refused("invalid", "score")
    if indicator in ("visits", "practical_matters"):
        r, k = f["respondents"], f["key_respondents"]
        if not (20 <= r <= 50 and 3 * k >= r and 0 <= k <= r):
            raise Refused("invalid", "survey evidence")
    if indicator in ("member_evaluation", "worker_democratic_review") and f["participants"] < 40:
        raise Refused("invalid", "participants")
    if indicator in ("bonus", "deduction") and value > 0 and f["note"].strip() == "":
        raise Refused("invalid", "note")
    return value


def same_content(a, b):
    def dec(text):
        value = parse_decimal(text)
        return value if value is not None else ("raw", text)

    plain = ["submitter", "campaign", "indicator", "district", "worker", "period", "respondents", "key_respondents",
             "participants", "note"]
    if any(a[name] != b[name] for name in plain):
        return False
    if dec(a["score"]) != dec(b["score"]):
        return False
    names = set(a["hotline"]) | set(b["hotline"])
    return all(dec(a["hotline"].get(n, "")) == dec(b["hotline"].get(n, "")) for n in names)


def fmt(value):
    """Exact decimal string with at least 2 decimals."""
    value = Fraction(value)
    sign = "-" if value < 0 else ""
    value = abs(value)
    scaled = value * 10000
    assert scaled.denominator == 1, value
    units = scaled.numerator
    integer, fraction = divmod(units, 10000)
    digits = "%04d" % fraction
    digits = digits.rstrip("0")
    if len(digits) < 2:
        digits = digits.ljust(2, "0")
    return "%s%d.%s" % (sign, integer, digits)


def competition_rank(values, value):
    return 1 + sum(1 for v in values if v > value)


def score(lines, roster_rows):
    roster = {row["id"]: row["district"] for row in roster_rows}
    roster_order = [row["id"] for row in roster_rows]
    accepted = {}  # key -> (fields, value)
    rejected = []
    duplicates = 0
    for number, raw in enumerate(lines, start=1):
        if raw.strip(" \t\r") == "":
            continue
        sid = ""
        try:
            try:
                obj = parse_json(raw)
                if isinstance(obj, dict) and isinstance(obj.get("submission_id"), str):
                    sid = obj["submission_id"]
            except Exception:
                pass
            f = decode(raw)
            check_key(f, roster)
            key = key_of(f)
            if f["action"] == "reopen":
                if f["submitter"] not in OPERATORS:
                    raise Refused("unauthorized", "not operator")
                if f["reason"].strip() == "":
                    raise Refused("invalid", "reason")
                if key not in accepted:
                    raise Refused("invalid", "nothing to reopen")
                del accepted[key]
                continue
            if f["submitter"] != owner(f["indicator"], f["district"]):
                raise Refused("unauthorized", "submitter")
            value = check_value(f)
            if key in accepted:
                if same_content(accepted[key][0], f):
                    duplicates += 1
                    continue
                raise Refused("conflict", "conflict")
            accepted[key] = (f, value)
        except Refused as refusal:
            rejected.append({"line": number, "submission_id": sid, "status": refusal.status})

    # Hotline.
    months = {d: {} for d in DISTRICTS}
    values = {d: {} for d in DISTRICTS}
    workers = {w: {} for w in roster}
    for (campaign, indicator, district, worker, period), (f, value) in accepted.items():
        if indicator == "hotline":
            months[district][period] = value
        elif indicator in WORKER_INDICATORS:
            workers[worker][indicator] = value
        else:
            values[district][indicator] = value
    occurrences = {d: 0 for d in DISTRICTS}
    for month in MONTHS:
        if not all(month in months[d] for d in DISTRICTS):
            continue
        for index in range(len(METRICS)):
            column = {d: months[d][month][index] for d in DISTRICTS}
            for d in DISTRICTS:
                lower = sum(1 for other in DISTRICTS if column[other] < column[d])
                if lower < 3:
                    occurrences[d] += 1
    totals = {}
    indicator_values = {}
    missing = {}
    for d in DISTRICTS:
        shown = dict(values[d])
        if months[d]:
            shown["hotline"] = max(Fraction(0), 10 - Fraction(1, 10) * occurrences[d])
        total = Fraction(0)
        for indicator, value in shown.items():
            sign = -1 if indicator == "deduction" else 1
            total += sign * value
        totals[d] = total
        indicator_values[d] = {k: fmt(v) for k, v in shown.items()}
        gaps = []
        for indicator in CELL_ORDER:
            if indicator == "hotline":
                gaps += ["hotline:" + m for m in MONTHS if m not in months[d]]
            elif indicator not in values[d]:
                gaps.append(indicator)
        missing[d] = gaps

    n = len(DISTRICTS)
    q = n * 20 // 100
    all_totals = list(totals.values())
    district_rows = []
    for d in DISTRICTS:
        t = totals[d]
        higher = sum(1 for v in all_totals if v > t)
        at_or_below = sum(1 for v in all_totals if v <= t)
        grade = "excellent" if higher < q else ("ordinary" if at_or_below <= q else "good")
        district_rows.append({"district": d, "total": fmt(t), "rank": competition_rank(all_totals, t),
                              "grade": grade, "indicators": indicator_values[d], "missing": missing[d]})
    district_rows.sort(key=lambda row: (row["rank"], row["district"]))

    worker_totals = {}
    for w in roster_order:
        result = min(max(totals[roster[w]], Fraction(0)), Fraction(100))
        total = Fraction(1, 2) * result
        for indicator, weight in WORKER_INDICATORS.items():
            total += weight * workers[w].get(indicator, Fraction(0))
        worker_totals[w] = total
    wq = len(roster_order) * 15 // 100
    all_worker = list(worker_totals.values())
    worker_rows = []
    for w in roster_order:
        t = worker_totals[w]
        higher = sum(1 for v in all_worker if v > t)
        if t >= 60 and higher < wq:
            grade = "excellent"
        elif t >= 60:
            grade = "qualified"
        elif t >= 50:
            grade = "basically_qualified"
        else:
            grade = "unqualified"
        worker_rows.append({"worker": w, "district": roster[w], "total": fmt(t),
                            "rank": competition_rank(all_worker, t), "grade": grade})
    worker_rows.sort(key=lambda row: (row["rank"], row["worker"]))

    expected_filled = all(not missing[d] for d in DISTRICTS) and all(
        len(workers[w]) == len(WORKER_INDICATORS) for w in roster)
    return {"campaign": CAMPAIGN, "final": expected_filled, "districts": district_rows, "workers": worker_rows,
            "rejected": rejected, "duplicates": duplicates}

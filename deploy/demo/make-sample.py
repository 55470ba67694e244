#!/usr/bin/env python3
"""Writes the demo's sample campaign: roster.csv and sample-campaign.jsonl (deterministic, seed 2023).

22 districts with 4–8 workers each; every department's submissions, the survey vendor's with evidence, twelve
hotline months from 城运中心, district heads' reviews; plus what happens in real life: a retry (duplicate), a
conflicting resend, an unauthorized attempt, a malformed line and an audited reopen with its correction.
"""

import json
import os
import random

rng = random.Random(2023)
here = os.path.dirname(os.path.abspath(__file__))
campaign = "zhongshan-2023"
districts = ["D%02d" % n for n in range(1, 23)]
surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
given = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
         "平", "刚", "桂英", "文", "华", "玉兰", "建华", "晓东", "海燕", "春梅", "志强"]
counter = 0


def sid():
    global counter
    counter += 1
    return "2023-%05d" % counter


def line(submitter, indicator, district, score="", **extra):
    record = {"submission_id": sid(), "submitter": submitter, "campaign": campaign, "indicator": indicator,
              "district": district, "worker": "", "period": "", "score": score, "respondents": 0,
              "key_respondents": 0, "participants": 0, "note": ""}
    record.update(extra)
    return record


def value(low, high):
    return "%.2f" % (rng.randrange(int(low * 100), int(high * 100) + 1) / 100)


roster = []
for district in districts:
    for index in range(rng.randrange(4, 9)):
        name = rng.choice(surnames) + rng.choice(given)
        roster.append(("W%s%02d" % (district[1:], index + 1), name, district))

quality = {d: rng.uniform(0.75, 0.98) for d in districts}
records = []
for district in districts:
    q = quality[district]
    for indicator in ["visits", "practical_matters"]:
        respondents = rng.randrange(20, 51)
        records.append(line("survey_vendor", indicator, district, value(15 * q - 1.5, 15 * q),
                            respondents=respondents, key_respondents=rng.randrange((respondents + 2) // 3, respondents // 2 + 1)))
    records.append(line("assessment_team", "member_evaluation", district, value(20 * q - 2, 20 * q),
                        participants=rng.randrange(40, 61)))
    records.append(line("party_office", "party_building", district, value(15 * q - 1, 15 * q)))
    records.append(line("self_governance_office", "serving_masses", district, value(15 * q - 1, 15 * q)))
    records.append(line("safety_office", "stability", district, value(10 * q - 1, 10 * q)))
    bonus = rng.choice(["0", "0", "1", "1.5", "2", "3"])
    records.append(line("assessment_office", "bonus", district, bonus,
                        note="" if bonus == "0" else rng.choice(["获评市级美丽家园示范小区", "承担进博会保障重点任务", "党建品牌创新创优"])))
    deduction = rng.choice(["0"] * 6 + ["0.5", "1"])
    records.append(line("discipline_commission", "deduction", district, deduction,
                        note="" if deduction == "0" else "班子成员被诫勉谈话"))
    for month in range(1, 13):
        rates = {
            "first_contact_rate": "%.1f" % rng.uniform(80, 99),
            "on_time_rate": "%.1f" % rng.uniform(92, 100),
            "resolution_rate": "%.1f" % rng.uniform(90, 99.5),
            "satisfaction_rate": "%.1f" % rng.uniform(72, 96),
        }
        records.append(line("city_ops", "hotline", district, period="2023-%02d" % month, hotline=rates))
for worker, _, district in roster:
    records.append(line("leader:" + district, "worker_leader_review", district, value(70, 98), worker=worker))
    records.append(line("assessment_team", "worker_democratic_review", district, value(65, 98), worker=worker,
                        participants=rng.randrange(40, 61)))

# Departments deliver on their own schedule: interleave them.
rng.shuffle(records)
lines = [json.dumps(r, ensure_ascii=False) for r in records]

# Real life: a retry of an accepted line (duplicate) …
retry = dict(records[10], submission_id=sid())
lines.insert(40, json.dumps(retry, ensure_ascii=False))
# … a conflicting resend (the clerk "fixes" a number without a reopen) …
target = next(r for r in records if r["indicator"] == "party_building" and r["district"] == "D05")
lines.append(json.dumps(dict(target, submission_id=sid(), score="14.80"), ensure_ascii=False))
# … an unauthorized attempt (a district head scoring another district's worker) …
other = next(w for w in roster if w[2] == "D08")
lines.append(json.dumps(line("leader:D07", "worker_leader_review", "D08", "99", worker=other[0]), ensure_ascii=False))
# … a malformed line (a number instead of a decimal string) …
lines.append(json.dumps(line("safety_office", "stability", "D09", 9.5), ensure_ascii=False))
# … and an audited correction: the operator reopens, 党建办 resubmits.
lines.append(json.dumps({"action": "reopen", "submitter": "operator", "campaign": campaign,
                         "indicator": "party_building", "district": "D05", "worker": "", "period": "",
                         "reason": "党建办来函更正：漏计两项片区共建活动"}, ensure_ascii=False))
lines.append(json.dumps(dict(target, submission_id=sid(), score="14.80"), ensure_ascii=False))

with open(os.path.join(here, "roster.csv"), "w", encoding="utf-8") as handle:
    handle.write("\ufeffid,name,district\n")
    for worker in roster:
        handle.write(",".join(worker) + "\n")
with open(os.path.join(here, "sample-campaign.jsonl"), "w", encoding="utf-8") as handle:
    handle.write("\n".join(lines) + "\n")
print("wrote %d workers and %d lines" % (len(roster), len(lines)))

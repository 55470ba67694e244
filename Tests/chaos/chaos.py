#!/usr/bin/env python3
"""The crash test: agents deliver a full campaign while the aggregator is killed with SIGKILL at random moments,
many times, and agents are killed and restarted too. The safety office raises a finding about every district, and
halfway through, once they are in, every district's head answers its finding with a plan. Then:

- every agent's outbox has drained, with no refusal;
- every receipt an agent holds verifies with the aggregator's key and matches exactly one stored submission
  (same id, same position, same envelope), or one stored finding or plan (same id, step and envelope);
- every finding and plan is stored once, and every finding has its plan standing;
- nothing is stored twice (one standing submission per key, one row per envelope);
- the audit chain verifies (`kaoping audit verify`);
- the final live ranking equals `kaoping score` over the same data.

Usage: chaos.py --bin .build/debug [--cycles N] [--seed S] [--results FILE]
"""

import argparse
import base64
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "protocol"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"))
    parser.add_argument("--cycles", type=int, default=25)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--results", help="write the figures of this run as JSON here")
    args = parser.parse_args()
    import python_client as pc
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    rng = random.Random(args.seed)
    kaoping = os.path.join(args.bin, "kaoping")
    agent_binary = os.path.join(args.bin, "kaoping-agent")
    aggregator_binary = os.path.join(args.bin, "kaoping-aggregator")
    sample = os.path.join(ROOT, "deploy", "demo", "sample-campaign.jsonl")
    roster = os.path.join(ROOT, "deploy", "demo", "roster.csv")
    schema = pc.load_schema(os.path.join(ROOT, "proto", "kaoping-v1.desc"))
    from checks import Checks
    checks = Checks("chaos")
    started = time.time()

    # A complete campaign: the sample without its deliberate conflict, unauthorized, malformed and reopen lines.
    lines = []
    for text in open(sample, encoding="utf-8").read().splitlines():
        record = json.loads(text)
        if record.get("action") == "reopen" or not isinstance(record.get("score", ""), str):
            continue
        if record.get("score") == "14.80" or (record["submitter"] == "leader:D07" and record["district"] == "D08"):
            continue
        lines.append((text, record))
    by_submitter = {}
    for text, record in lines:
        by_submitter.setdefault(record["submitter"], []).append(text)

    folder = tempfile.mkdtemp(prefix="kaoping-chaos-")
    endpoint = lambda name: "ipc://%s/%s" % (folder, name)
    run = lambda *a: subprocess.run(list(a), check=True, capture_output=True, text=True).stdout
    aggregator_key = os.path.join(folder, "aggregator.key")
    run(kaoping, "keygen", "--submitter", "aggregator", "--out", aggregator_key)
    aggregator_public = json.load(open(aggregator_key))["public_key"]
    keyring = []
    configs = {}
    for submitter, texts in by_submitter.items():
        name = submitter.replace(":", "_")
        key = os.path.join(folder, name + ".key")
        keyring.append(run(kaoping, "keygen", "--submitter", submitter, "--out", key).strip())
        config = os.path.join(folder, name + ".yaml")
        with open(config, "w") as handle:
            handle.write("key: %s\naggregator: %s\naggregator_public_key: \"%s\"\noutbox: %s\nroster: %s\n"
                         "heartbeat_seconds: 2\nretry_initial_seconds: 0.2\nretry_max_seconds: 2\n" % (
                             key, endpoint("ingest"), aggregator_public, os.path.join(folder, name + ".outbox"),
                             roster))
        configs[submitter] = config
        data = os.path.join(folder, name + ".jsonl")
        with open(data, "w", encoding="utf-8") as handle:
            handle.write("\n".join(texts) + "\n")
        run(agent_binary, "import", "--config", config, data)
    # The feedback loop: a finding about every district, queued now; the heads' plans, queued halfway.
    districts = sorted({record["district"] for _, record in lines})
    feedback_csv = lambda name, rows: (os.path.join(folder, name), "\n".join(rows) + "\n")
    findings = feedback_csv("findings.csv", ["编号,居民区,指标,问题,整改期限"] + [
        "CH-F-%s,%s,稳定,矛盾纠纷排查台账不全,2099-06-30" % (d, d) for d in districts])
    plans = {d: feedback_csv("plan-%s.csv" % d, ["问题编号,方案编号,整改措施,责任人,完成时限",
                                                 "CH-F-%s,CH-P-%s,补齐台账,居委副主任,2099-09-30" % (d, d)])
             for d in districts}
    for path, text in [findings] + list(plans.values()):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    run(agent_binary, "import", "--config", configs["safety_office"], findings[0])
    with open(os.path.join(folder, "keyring.txt"), "w") as handle:
        handle.write("\n".join(keyring) + "\n")
    store = os.path.join(folder, "aggregator.sqlite")
    log = open(os.path.join(folder, "aggregator.log"), "a")

    def start_aggregator():
        process = subprocess.Popen(
            [aggregator_binary, "--store", store, "--keyring", os.path.join(folder, "keyring.txt"), "--identity",
             aggregator_key, "--roster", roster, "--ingest", endpoint("ingest"), "--feed", endpoint("feed"),
             "--snapshot", endpoint("snapshot"), "--control", endpoint("control"), "--log-level", "warning",
             "--no-curve"],
            stdout=subprocess.PIPE, stderr=log, text=True)
        if "ready" not in process.stdout.readline():
            raise RuntimeError("the aggregator did not start; see " + log.name)
        return process

    def start_agent(submitter):
        return subprocess.Popen([agent_binary, "run", "--config", configs[submitter], "--log-level", "error"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def pending(submitters=None):
        total = 0
        for submitter in submitters or configs:
            path = os.path.join(folder, submitter.replace(":", "_") + ".outbox")
            with sqlite3.connect(path, timeout=10) as db:
                total += db.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
        return total

    def queue_plans():
        """Once the findings are in (the aggregator is up here), each head queues its plan beside its daemon."""
        deadline = time.time() + 60
        while pending(["safety_office"]) > 0 and time.time() < deadline:
            time.sleep(0.2)
        for district, (path, _) in plans.items():
            run(agent_binary, "import", "--config", configs["leader:" + district], path)

    aggregator = start_aggregator()
    agents = {submitter: start_agent(submitter) for submitter in configs}
    aggregator_kills = agent_kills = 0
    try:
        for cycle in range(args.cycles):
            if cycle == args.cycles // 2:
                queue_plans()
            time.sleep(rng.uniform(0.05, 0.6))
            aggregator.send_signal(signal.SIGKILL)
            aggregator.wait()
            aggregator_kills += 1
            if rng.random() < 0.5:
                victim = rng.choice(sorted(agents))
                agents[victim].send_signal(signal.SIGKILL)
                agents[victim].wait()
                agent_kills += 1
                agents[victim] = start_agent(victim)
            time.sleep(rng.uniform(0.0, 0.3))
            aggregator = start_aggregator()
        deadline = time.time() + 180
        while pending() > 0 and time.time() < deadline:
            time.sleep(0.5)
        left = pending()
        checks.check(left == 0, "%d submissions still pending in the outboxes after 180 s" % left)

        # Receipts held by the agents against what is stored.
        db = sqlite3.connect(store, timeout=10)
        stored = {row[0]: row[1:] for row in db.execute(
            "SELECT submission_id, position, envelope, voided_at_ms FROM submission")}
        standing_keys = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT campaign || '/' || indicator || '/' || district || '/' || worker || '/' "
            "|| period) FROM submission WHERE voided_at_ms IS NULL").fetchone()
        checks.check(standing_keys[0] == standing_keys[1], "a key has more than one standing submission")
        keys = {(r["indicator"], r["district"], r.get("worker", ""), r.get("period", "")) for _, r in lines}
        checks.check(len(stored) == len(keys), "stored %d submissions for %d keys" % (len(stored), len(keys)))
        envelopes = db.execute("SELECT COUNT(*), COUNT(DISTINCT envelope) FROM submission").fetchone()
        checks.check(envelopes[0] == envelopes[1], "an envelope is stored twice")
        feedback = {row[0]: row[1:] for row in db.execute("SELECT message_id, step, envelope, kind FROM feedback")}
        checks.check(sorted(feedback) == sorted(["CH-F-" + d for d in districts] + ["CH-P-" + d for d in districts]),
                     "stored feedback: %d messages for %d districts" % (len(feedback), len(districts)))
        planned = db.execute("SELECT COUNT(DISTINCT finding_id) FROM feedback WHERE kind = 'plan'").fetchone()[0]
        checks.check(planned == len(districts), "%d findings have a plan, of %d" % (planned, len(districts)))
        aggregator_entry = Ed25519PublicKey.from_public_bytes(base64.b64decode(aggregator_public))
        receipts = batched = feedback_receipts = 0
        for submitter in configs:
            outbox = sqlite3.connect(os.path.join(folder, submitter.replace(":", "_") + ".outbox"), timeout=10)
            # A receipt that came in a receipt batch is kept once in receipt_batch; the item names its entry.
            for submission_id, envelope, state, receipt, entry in outbox.execute(
                    "SELECT submission_id, outbox.envelope, state, COALESCE(receipt, receipt_batch.envelope), "
                    "receipt_entry FROM outbox LEFT JOIN receipt_batch ON receipt_batch.id = outbox.receipt_batch"):
                if state != "delivered":
                    checks.check(False, "%s is %s" % (submission_id, state))
                    continue
                wrapper = schema["Envelope"].FromString(receipt)
                aggregator_entry.verify(wrapper.signature, pc.signing_input(
                    wrapper.version, wrapper.type, wrapper.campaign, wrapper.payload))
                if entry is None:
                    checks.check(wrapper.type == "receipt", "%s: a lone receipt of type %s" % (submission_id, wrapper.type))
                    answer = schema["Receipt"].FromString(wrapper.payload)
                else:
                    checks.check(wrapper.type == "receipt_batch", "%s: entry %d of a %s" % (submission_id, entry, wrapper.type))
                    answer = schema["Receipt"].FromString(schema["ReceiptBatch"].FromString(wrapper.payload).receipts[entry])
                    batched += 1
                checks.check(answer.envelope_hash == hashlib.sha256(envelope).digest(),
                             "the receipt kept for %s answers another envelope" % submission_id)
                original = answer.original_submission_id if answer.status == 2 else answer.submission_id
                if answer.feedback_step > 0:  # a finding or a plan
                    row = feedback.get(original)
                    checks.check(row is not None and row[0] == answer.feedback_step and answer.ledger_position == 0,
                                 "receipt of %s matches no stored finding or plan" % submission_id)
                    checks.check(row is not None and (answer.status == 2 or row[1] == envelope),
                                 "stored envelope of %s differs from the one sent" % submission_id)
                    feedback_receipts += 1
                    continue
                row = stored.get(original)
                checks.check(row is not None and row[0] == answer.ledger_position and row[2] is None,
                             "receipt of %s matches no stored submission" % submission_id)
                checks.check(row is not None and (answer.status == 2 or row[1] == envelope),
                             "stored envelope of %s differs from the one sent" % submission_id)
                receipts += 1

        audit = subprocess.run([kaoping, "audit", "verify", "--store", store], capture_output=True, text=True)
        checks.check(audit.returncode == 0, "audit verify: " + audit.stderr.strip())
        data = os.path.join(folder, "all.jsonl")
        with open(data, "w", encoding="utf-8") as handle:
            handle.write("\n".join(text for text, _ in lines) + "\n")
        offline = json.loads(run(kaoping, "score", "--input", data, "--roster", roster))
        # The ranking follows the last receipts by a moment.
        last_position = db.execute("SELECT MAX(position) FROM submission").fetchone()[0]
        deadline = time.time() + 10
        while True:
            live = json.loads(run(kaoping, "export", "--feed", endpoint("feed"), "--snapshot", endpoint("snapshot"),
                                  "--format", "json"))
            if live["ledger_position"] >= last_position or time.time() > deadline:
                break
            time.sleep(0.2)
        rows = lambda doc, kind, key: [(r[key], r["total"], r["rank"], r["grade"]) for r in doc[kind]]
        for kind, key in [("districts", "district"), ("workers", "worker")]:
            checks.check(rows(live, kind, key) == rows(offline, kind, key), "%s ranking differs from kaoping score" % kind)
        checks.check(live["final"] and offline["final"], "the campaign is not final")
    finally:
        for process in list(agents.values()) + [aggregator]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in list(agents.values()) + [aggregator]:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    figures = {"seed": args.seed, "aggregator_kills": aggregator_kills, "agent_kills": agent_kills,
               "agents": len(configs), "submissions": len(lines), "receipts_verified": receipts,
               "receipts_in_batches": batched, "feedback_receipts_verified": feedback_receipts,
               "seconds": round(time.time() - started, 1), "checks_passed": checks.passed,
               "checks_failed": checks.failed}
    print("chaos: %(aggregator_kills)d aggregator kills, %(agent_kills)d agent kills, %(agents)d agents, "
          "%(submissions)d submissions, %(receipts_verified)d receipts verified (%(receipts_in_batches)d from receipt "
          "batches), %(feedback_receipts_verified)d findings and plans verified, in %(seconds)s s (seed %(seed)d)"
          % figures)
    if args.results:
        with open(args.results, "w") as handle:
            json.dump(figures, handle, indent=2)
    if checks.failed == 0:
        subprocess.run(["rm", "-rf", folder])
    else:
        print("chaos: files kept in " + folder)
    print(checks.summary())
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())

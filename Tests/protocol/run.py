#!/usr/bin/env python3
"""The protocol acceptance check: a Python client written from docs/protocol.md alone drives the real aggregator.

It starts `kaoping-aggregator` on ipc:// endpoints with fresh keys, sends the demo campaign
(deploy/demo/sample-campaign.jsonl: every department, a retry, a conflict, an unauthorized attempt and an audited
reopen) with one key per submitter, verifies every receipt, follows the live feed, and checks that the ranking it
ends with equals `kaoping score` over the same lines, and that every receipt's status matches the scorer's verdict.

Usage: run.py --bin .build/debug
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

STATUS = {1: "accepted", 2: "duplicate", 3: "conflict", 4: "unauthorized", 5: "invalid", 6: "bad_signature",
          7: "unknown_key", 8: "revoked"}


def keygen(binary, submitter, folder):
    path = os.path.join(folder, submitter.replace(":", "_") + ".key")
    line = subprocess.run([binary, "keygen", "--submitter", submitter, "--out", path], check=True,
                          capture_output=True, text=True).stdout.strip()
    return path, line


def minimal_client(schema, folder, key_file, aggregator_line, ingest, checks):
    """Runs the code of docs/protocol.md §9 as a reader copies it: in a folder holding the key file and the
    aggregator's keyring line, with the messages of the schema standing in for `protoc --python_out`'s modules."""
    import types
    with open(os.path.join(ROOT, "docs", "protocol.md"), encoding="utf-8") as handle:
        page = handle.read()
    section = page[page.index("## 9. A minimal client"):]
    code = section[section.index("```python\n") + len("```python\n"):]
    code = code[:code.index("```")]
    checks.check("tcp://127.0.0.1:7401" in code, "the minimal client connects elsewhere than §1's ingest default")
    code = code.replace("tcp://127.0.0.1:7401", ingest)
    for name, messages in [("envelope_pb2", ["Envelope"]),
                           ("submission_pb2", ["Submission", "Receipt", "IngestBatch", "ReceiptBatch"])]:
        module = types.ModuleType("kaoping.v1." + name)
        for message in messages:
            setattr(module, message, schema[message])
        sys.modules["kaoping.v1." + name] = module
    sys.modules.setdefault("kaoping", types.ModuleType("kaoping"))
    sys.modules.setdefault("kaoping.v1", types.ModuleType("kaoping.v1"))
    sys.modules["kaoping"].v1 = sys.modules["kaoping.v1"]
    for name in ["envelope_pb2", "submission_pb2"]:
        setattr(sys.modules["kaoping.v1"], name, sys.modules["kaoping.v1." + name])
    where = os.path.join(folder, "minimal-client")
    os.makedirs(where, exist_ok=True)
    shutil.copy(key_file, os.path.join(where, "party_office.key"))
    with open(os.path.join(where, "aggregator.line"), "w") as handle:
        handle.write(aggregator_line + "\n")
    def no_receipt(*_):
        raise TimeoutError("no receipt within 20 s")

    here = os.getcwd()
    os.chdir(where)
    previous = signal.signal(signal.SIGALRM, no_receipt)
    signal.alarm(20)  # the page's client waits for its receipt without a timeout
    failure = None
    try:
        exec(compile(code, "docs/protocol.md §9", "exec"), {})  # ends with its own check of the receipt
    except Exception as error:
        failure = error
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        os.chdir(here)
    checks.check(failure is None, "the minimal client of docs/protocol.md §9 failed: %r" % (failure,))


def feedback_loop(schema, client, keys, feed, checks):
    """docs/protocol.md §7 from the page alone: findings raised, listed to the right heads only, a plan returned and
    sent again, one refused to another district's head, a resend answered DUPLICATE, rectified; the counts on the
    feed; every listed envelope verifies with its signer's key."""
    from python_client import signing_input
    campaign = "zhongshan-2023"
    now = lambda: int(time.time() * 1000)
    safety, head05, head06 = keys["safety_office"], keys["leader:D05"], keys["leader:D06"]

    def sealed(signer, kind, **fields):
        message = schema[kind.capitalize()](campaign=campaign, signed_at_ms=now(), **fields)
        return signer.submitter, signer.seal(schema, kind, campaign, message)

    def send(*envelopes):
        return client.submit_all(list(envelopes))

    findings = [sealed(safety, "finding", finding_id="PY-F1", district="D05", indicator="stability",
                       text="矛盾纠纷排查台账不全", plan_due="2099-06-30"),
                sealed(safety, "finding", finding_id="PY-F2", district="D05", text="安全巡查记录缺失",
                       plan_due="2024-03-31"),
                sealed(safety, "finding", finding_id="PY-F3", district="D06", text="消防通道堵塞", plan_due="2099-06-30")]
    receipts = send(*findings)
    checks.check([r.status for r in receipts] == [1, 1, 1], "findings: %s" % [r.status for r in receipts])
    checks.check(all(r.feedback_step > 0 and r.ledger_position == 0 for r in receipts), "a finding's receipt")

    listed = client.feedback(head05)
    checks.check([item.finding_id for item in listed.items] == ["PY-F1", "PY-F2"],
                 "D05's head got %s" % [item.finding_id for item in listed.items])
    checks.check([item.overdue for item in listed.items] == [False, True], "overdue flags of D05's findings")
    checks.check([item.finding_id for item in client.feedback(head06).items] == ["PY-F3"], "D06's head's list")

    intruder = send(sealed(head06, "plan", plan_id="PY-P0", finding_id="PY-F1", measures="代为整改",
                           responsible="王五", complete_by="2099-06-30"))[0]
    checks.check(intruder.status == 4, "another district's head's plan: status %s" % intruder.status)
    first_plan = sealed(head05, "plan", plan_id="PY-P1", finding_id="PY-F1", measures="补齐台账", responsible="张三",
                        complete_by="2099-06-30")
    checks.check(send(first_plan)[0].status == 1, "the first plan")
    returned = send(sealed(safety, "review", review_id="PY-R1", finding_id="PY-F1", verdict=2, plan_id="PY-P1",
                           reason="措施不具体"))[0]
    checks.check(returned.status == 1, "the return: %s %s" % (returned.status, returned.reason))
    checks.check(send(sealed(head05, "plan", plan_id="PY-P2", finding_id="PY-F1", measures="逐户核查，补齐台账",
                             responsible="张三", complete_by="2099-06-30"))[0].status == 1, "the second plan")
    again = send(first_plan)[0]  # submit_all checks the original receipt inside
    checks.check(again.status == 2 and again.original_submission_id == "PY-P1", "a resent plan: %s" % again.status)
    for review in [dict(review_id="PY-R2", verdict=1, plan_id="PY-P2"), dict(review_id="PY-R3", verdict=3)]:
        answer = send(sealed(safety, "review", finding_id="PY-F1", **review))[0]
        checks.check(answer.status == 1, "review %s: %s %s" % (review["review_id"], answer.status, answer.reason))

    everything = client.feedback(keys["operator"], on_control=True)
    items = {item.finding_id: item for item in everything.items}
    checks.check(everything.error == "" and set(items) >= {"PY-F1", "PY-F2", "PY-F3"}, "the operator's list")
    first = items["PY-F1"]
    checks.check(first.state == "rectified" and [e.kind for e in first.history]
                 == ["finding", "plan", "review", "plan", "review", "review"], "PY-F1's history")
    signers = {signer.key_id: signer for signer in keys.values()}
    for entry in first.history:
        envelope = schema["Envelope"].FromString(entry.envelope)
        signer = signers[envelope.key_id]
        signer.private.public_key().verify(
            envelope.signature, signing_input(1, envelope.type, envelope.campaign, envelope.payload))
        checks.check(signer.submitter == entry.submitter, "a listed envelope's signer")
    counts = lambda ranking: {c.id: (c.open, c.overdue) for c in ranking.feedback.districts}
    reached = feed.follow_until(lambda ranking: counts(ranking).get("D05") == (1, 1) and "D06" in counts(ranking))
    checks.check(reached, "the feed's feedback counts: %s" % counts(feed.ranking))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"))
    args = parser.parse_args()
    try:
        import zmq
        import zmq.utils.z85
        import python_client as pc
    except ImportError as error:
        print("protocol: cannot import pyzmq/protobuf/cryptography (%s); run scripts/ensure-deps.sh" % error,
              file=sys.stderr)
        return 2
    kaoping = os.path.join(args.bin, "kaoping")
    aggregator_binary = os.path.join(args.bin, "kaoping-aggregator")
    sample = os.path.join(ROOT, "deploy", "demo", "sample-campaign.jsonl")
    roster = os.path.join(ROOT, "deploy", "demo", "roster.csv")
    schema = pc.load_schema(os.path.join(ROOT, "proto", "kaoping-v1.desc"))
    from checks import Checks
    checks = Checks("protocol")

    with open(sample, encoding="utf-8") as handle:
        lines = [line for line in handle.read().splitlines()]
    records = []
    for number, text in enumerate(lines, start=1):
        if text.strip():
            records.append((number, json.loads(text)))

    folder = tempfile.mkdtemp(prefix="kaoping-protocol-")
    endpoints = {name: "ipc://%s/%s" % (folder, name) for name in ["ingest", "feed", "snapshot", "control"]}
    submitters = sorted({record.get("submitter", "") for _, record in records} | {"operator"})
    keys = {}
    keyring = []
    key_files = {}
    for submitter in submitters:
        path, line = keygen(kaoping, submitter, folder)
        keys[submitter] = pc.Signer(path)
        key_files[submitter] = path
        keyring.append(line)
    aggregator_key, aggregator_line = keygen(kaoping, "aggregator", folder)
    # Only listed viewers (and the operator) read the results: the feed connects with a viewer's key.
    viewer_key, viewer_line = keygen(kaoping, "viewer:protocol-check", folder)
    viewer = pc.Signer(viewer_key)
    keyring.append(viewer_line)
    with open(os.path.join(folder, "keyring.txt"), "w") as handle:
        handle.write("\n".join(keyring) + "\n")
    with open(aggregator_key) as handle:
        import base64
        document = json.load(handle)
        aggregator_public = base64.b64decode(document["public_key"])
        aggregator_curve = base64.b64decode(document["curve_public_key"])

    store = os.path.join(folder, "store.sqlite")
    process = subprocess.Popen(
        [aggregator_binary, "--store", store, "--keyring", os.path.join(folder, "keyring.txt"),
         "--identity", aggregator_key, "--roster", roster, "--ingest", endpoints["ingest"], "--feed",
         endpoints["feed"], "--snapshot", endpoints["snapshot"], "--control", endpoints["control"], "--curve"],
        stdout=subprocess.PIPE, stderr=open(os.path.join(folder, "aggregator.log"), "w"), text=True)
    try:
        ready = process.stdout.readline()
        if "ready" not in ready:
            print("protocol: the aggregator did not start: " + open(os.path.join(folder, "aggregator.log")).read())
            return 1
        # Every connection is encrypted (CURVE): each submitter with its own transport key, the feed with a viewer's.
        curve_of = lambda submitter: (aggregator_curve, keys[submitter].curve_public, keys[submitter].curve_secret)
        client = pc.Client(schema, endpoints, aggregator_public, "zhongshan-2023", curve=curve_of,
                           control_curve=curve_of("operator"))
        feed = pc.Feed(schema, endpoints, "zhongshan-2023", curve=(
            aggregator_curve, viewer.curve_public, viewer.curve_secret))
        feed.resnapshot()

        # Send in file order; a reopen waits for the receipts before it (they travel on another socket).
        statuses = {}
        pending = []

        # Every other submitter sends batches (up to 64 envelopes a message), the others one envelope a message.
        flushes = []

        def flush():
            receipts = client.submit_all([raw for _, raw in pending],
                                         batch_for=lambda submitter: 64 if submitters.index(submitter) % 2 else 1)
            flushes.append(client.batches_sent)
            for (number, _), receipt in zip(pending, receipts):
                statuses[number] = STATUS.get(receipt.status) if receipt is not None else None
            pending.clear()

        skipped = []
        for number, record in records:
            if record.get("action") == "reopen":
                flush()
                reply = client.reopen(keys["operator"], record["indicator"], record["district"],
                                      record.get("worker", ""), record.get("period", ""), record["reason"],
                                      "reopen-%d" % number)
                checks.check(reply.ok, "reopen on line %d refused: %s" % (number, reply.error))
                continue
            if not isinstance(record.get("score", ""), str):
                skipped.append(number)  # a JSON number cannot be put on the wire as a decimal string
                continue
            submission = schema["Submission"](
                submission_id=record["submission_id"], submitter=record["submitter"], campaign=record["campaign"],
                indicator=record["indicator"], district=record["district"], worker=record.get("worker", ""),
                period=record.get("period", ""), score=record.get("score", ""),
                respondents=record.get("respondents", 0), key_respondents=record.get("key_respondents", 0),
                participants=record.get("participants", 0), note=record.get("note", ""),
                signed_at_ms=int(time.time() * 1000))
            for metric, rate in (record.get("hotline") or {}).items():
                submission.hotline[metric] = rate
            pending.append((number, (record["submitter"],
                                     keys[record["submitter"]].seal(schema, "submission", "zhongshan-2023", submission))))
        flush()

        scored = json.loads(subprocess.run([kaoping, "score", "--input", sample, "--roster", roster], check=True,
                                           capture_output=True, text=True).stdout)
        expected = {entry["line"]: entry["status"] for entry in scored["rejected"]}
        duplicates = sum(1 for status in statuses.values() if status == "duplicate")
        checks.check(all(status is not None for status in statuses.values()), "some submissions got no receipt")
        checks.check(duplicates == scored["duplicates"],
                     "duplicates: wire %d, kaoping score %d" % (duplicates, scored["duplicates"]))
        for number, status in sorted(statuses.items()):
            want = expected.get(number, "accepted")
            if want == "accepted" and status == "duplicate":
                continue
            checks.check(status == want, "line %d: receipt %s, kaoping score %s" % (number, status, want))
        checks.check(skipped == [n for n, s in expected.items() if s == "invalid" and n in skipped],
                     "skipped lines are the malformed ones")

        accepted = sum(1 for status in statuses.values() if status == "accepted")
        final_position = accepted
        reached = feed.follow_until(lambda ranking: ranking is not None and ranking.ledger_position >= final_position)
        checks.check(reached, "the feed never reached ledger position %d" % final_position)
        ranking = feed.ranking
        checks.check(ranking.final == scored["final"], "final: feed %s, score %s" % (ranking.final, scored["final"]))
        got = [(d.district, d.total, d.rank, d.grade) for d in ranking.districts]
        want = [(d["district"], d["total"], d["rank"], d["grade"]) for d in scored["districts"]]
        checks.check(got == want, "district ranking differs from kaoping score")
        got_workers = [(w.worker, w.total, w.rank, w.grade) for w in ranking.workers]
        want_workers = [(w["worker"], w["total"], w["rank"], w["grade"]) for w in scored["workers"]]
        checks.check(got_workers == want_workers, "worker ranking differs from kaoping score")
        checks.check(feed.updates > 0, "no live update was followed")
        # The ranking built from updates is the one a snapshot gives at the same point, field for field.
        followed = feed.ranking
        feed.resnapshot()
        followed.updated_at_ms = feed.ranking.updated_at_ms
        checks.check(followed == feed.ranking, "the ranking built from updates differs from a fresh snapshot")

        # A heartbeat arrives within two seconds with the current sequence.
        deadline = time.time() + 3
        heartbeat = None
        while heartbeat is None and time.time() < deadline:
            if feed.sub.poll(500):
                topic, sequence, _ = feed.sub.recv_multipart()
                if topic == b"heartbeat":
                    heartbeat = int.from_bytes(sequence, "big")
        checks.check(heartbeat == feed.sequence, "heartbeat sequence %s, held %s" % (heartbeat, feed.sequence))

        feedback_loop(schema, client, keys, feed, checks)

        # docs/protocol.md §3, "Which signatures verify": the client's verifier gives every edge vector's answer.
        with open(os.path.join(ROOT, "docs", "protocol-edge-vectors.json")) as handle:
            for vector in json.load(handle):
                answer = pc.verify_strict(bytes.fromhex(vector["public_key_hex"]), bytes.fromhex(vector["signature_hex"]),
                                          bytes.fromhex(vector["message_hex"]))
                checks.check(answer == vector["accept"], "edge vector %s: %s" % (vector["name"], answer))

        # The minimal client of docs/protocol.md §9, as copied, but for the aggregator's address.
        minimal_client(schema, folder, key_files["party_office"], aggregator_line, endpoints["ingest"], checks)

        process.send_signal(signal.SIGTERM)
        checks.check(process.wait(timeout=20) == 0, "the aggregator did not stop cleanly on SIGTERM")
        audit = subprocess.run([kaoping, "audit", "verify", "--store", store], capture_output=True, text=True)
        checks.check(audit.returncode == 0, "audit verify: " + audit.stderr.strip())
        checks.check(sum(flushes) > 0, "no batch was sent")
        print("protocol: %d submissions sent by %d submitters (%d batches), %d receipts verified, %d feed updates, "
              "%d snapshots" % (len(statuses), len(submitters), sum(flushes), len(statuses), feed.updates,
                                feed.snapshots))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if checks.failed == 0:
        subprocess.run(["rm", "-rf", folder])
    else:
        print("protocol: files kept in " + folder)
    print(checks.summary())
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())

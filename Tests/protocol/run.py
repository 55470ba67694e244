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
    """Runs the code of docs/protocol.md §8 as a reader copies it: in a folder holding the key file and the
    aggregator's keyring line, with the messages of the schema standing in for `protoc --python_out`'s modules."""
    import types
    with open(os.path.join(ROOT, "docs", "protocol.md"), encoding="utf-8") as handle:
        page = handle.read()
    section = page[page.index("## 8. A minimal client"):]
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
        exec(compile(code, "docs/protocol.md §8", "exec"), {})  # ends with its own check of the receipt
    except Exception as error:
        failure = error
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        os.chdir(here)
    checks.check(failure is None, "the minimal client of docs/protocol.md §8 failed: %r" % (failure,))


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

        # The minimal client of docs/protocol.md §8, as copied, but for the aggregator's address.
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

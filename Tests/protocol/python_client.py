"""A third-party Kaoping client written from docs/protocol.md alone: pyzmq, protobuf and cryptography.

It loads the schema from the descriptor set (proto/kaoping-v1.desc), signs submissions as the protocol says,
sends them over DEALER sockets, verifies every receipt with the aggregator's public key, sends operator reopens
over the control endpoint, and follows the live feed with the snapshot-and-sequence rules.
"""

import base64
import hashlib
import json
import time
from decimal import Decimal

import zmq
import zmq.utils.z85
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives import serialization
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def load_schema(descriptor_set_path):
    with open(descriptor_set_path, "rb") as handle:
        files = descriptor_pb2.FileDescriptorSet.FromString(handle.read())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    names = ["Envelope", "Submission", "Receipt", "IngestBatch", "ReceiptBatch", "Ranking", "RankingUpdate", "Snapshot",
             "SnapshotRequest", "FeedHeartbeat", "ControlRequest", "ControlReply", "Finding", "Plan", "Review",
             "FeedbackQuery", "FeedbackList"]
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName("kaoping.v1." + name))
            for name in names}


def signing_input(version, kind, campaign, payload):
    return b"kaoping\x00" + str(version).encode() + b"\x00" + kind.encode() + b"\x00" + campaign.encode() + b"\x00" \
        + payload


L = 2 ** 252 + 27742317777372353535851937790883648493
P = 2 ** 255 - 19
# docs/protocol.md §3 "Which signatures verify", step 2: the encodings of the points of small order (sign bit aside).
SMALL_ORDER = [bytes(32), bytes([1]) + bytes(31),
               bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
               bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")] + \
    [int.to_bytes(P + n, 32, "little") for n in (-1, 0, 1)]


def verify_strict(public_key, signature, message):
    """The protocol's rule (docs/protocol.md §3): steps 1-3 here, then the equation by OpenSSL (through
    cryptography), which checks only S < L and the equation itself."""
    if len(signature) != 64 or len(public_key) != 32:
        return False
    unsigned = lambda point: point[:31] + bytes([point[31] & 0x7F])
    if int.from_bytes(signature[32:], "little") >= L:
        return False
    if unsigned(signature[:32]) in SMALL_ORDER or unsigned(public_key) in SMALL_ORDER:
        return False
    if int.from_bytes(unsigned(public_key), "little") >= P:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return True
    except Exception:
        return False


def key_id(public_key_bytes):
    return hashlib.sha256(public_key_bytes).hexdigest()[:16]


class Signer:
    def __init__(self, key_file):
        with open(key_file) as handle:
            document = json.load(handle)
        self.submitter = document["submitter"]
        self.curve_public = base64.b64decode(document.get("curve_public_key", ""))
        self.curve_secret = base64.b64decode(document.get("curve_secret_key", ""))
        self.private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(document["secret_key"]))
        public = self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = key_id(public)

    def seal(self, schema, kind, campaign, message):
        payload = message.SerializeToString()
        envelope = schema["Envelope"](version=1, type=kind, campaign=campaign, payload=payload, key_id=self.key_id,
                                      signature=self.private.sign(signing_input(1, kind, campaign, payload)))
        return envelope.SerializeToString()


def secure(socket, curve):
    """Makes `socket` a CURVE client: curve = (server public key, client public key, client secret key), 32 bytes
    each, or None for a plain connection."""
    if curve is not None:
        server, public, secret = curve
        socket.curve_serverkey = zmq.utils.z85.encode(server)
        socket.curve_publickey = zmq.utils.z85.encode(public)
        socket.curve_secretkey = zmq.utils.z85.encode(secret)


class Client:
    def __init__(self, schema, endpoints, aggregator_public_key, campaign, curve=None, control_curve=None):
        self.schema = schema
        self.endpoints = endpoints
        self.campaign = campaign
        self.aggregator_public_key = aggregator_public_key
        self.aggregator_key_id = key_id(aggregator_public_key)
        self.context = zmq.Context()
        self.endpoints = endpoints
        self.curve = curve
        self.ingest_sockets = {}
        self.control = self.context.socket(zmq.DEALER)
        self.control.setsockopt(zmq.LINGER, 0)
        secure(self.control, control_curve)
        self.control.connect(endpoints["control"])

    def ingest_for(self, submitter):
        """One connection per submitter: with CURVE each connects with its own transport key."""
        if submitter not in self.ingest_sockets:
            socket = self.context.socket(zmq.DEALER)
            socket.setsockopt(zmq.LINGER, 0)
            secure(socket, self.curve(submitter) if self.curve else None)
            socket.connect(self.endpoints["ingest"])
            self.ingest_sockets[submitter] = socket
        return self.ingest_sockets[submitter]

    def open_signed(self, raw, kind):
        envelope = self.schema["Envelope"].FromString(raw)
        if envelope.type != kind or envelope.campaign != self.campaign or envelope.key_id != self.aggregator_key_id:
            raise ValueError("unexpected %s envelope: type %r campaign %r key %r" % (
                kind, envelope.type, envelope.campaign, envelope.key_id))
        if not verify_strict(self.aggregator_public_key, envelope.signature,
                             signing_input(envelope.version, envelope.type, envelope.campaign, envelope.payload)):
            raise ValueError("a %s envelope whose signature does not verify with the aggregator's key" % kind)
        return envelope

    def receipts_in(self, raw):
        """The verified receipts of an answer: a lone "receipt", or every entry of a "receipt_batch" (one signature)."""
        envelope = self.schema["Envelope"].FromString(raw)
        if envelope.type == "receipt_batch":
            envelope = self.open_signed(raw, "receipt_batch")
            entries = self.schema["ReceiptBatch"].FromString(envelope.payload).receipts
            return [self.schema["Receipt"].FromString(entry) for entry in entries]
        envelope = self.open_signed(raw, "receipt")
        return [self.schema["Receipt"].FromString(envelope.payload)]

    def submit_all(self, envelopes, timeout=20.0, batch_for=lambda submitter: 1):
        """Sends every (submitter, envelope) pipelined, up to batch_for(submitter) of a submitter's envelopes a
        message (an unsigned Envelope of type "batch" carrying an IngestBatch); returns the verified receipts in the
        same order."""
        wanted = {hashlib.sha256(raw).digest(): index for index, (_, raw) in enumerate(envelopes)}
        receipts = [None] * len(envelopes)
        poller = zmq.Poller()
        by_submitter = {}
        for submitter, raw in envelopes:
            by_submitter.setdefault(submitter, []).append(raw)
        self.batches_sent = 0
        for submitter, raws in by_submitter.items():
            socket = self.ingest_for(submitter)
            batch = batch_for(submitter)
            for start in range(0, len(raws), batch):
                members = raws[start:start + batch]
                if len(members) == 1:
                    socket.send(members[0])
                else:
                    payload = self.schema["IngestBatch"](envelopes=members).SerializeToString()
                    socket.send(self.schema["Envelope"](version=1, type="batch", payload=payload).SerializeToString())
                    self.batches_sent += 1
            poller.register(socket, zmq.POLLIN)
        deadline = time.time() + timeout
        while any(r is None for r in receipts) and time.time() < deadline:
            ready = dict(poller.poll(200))
            if not ready:
                continue
            frames = next(iter(ready)).recv_multipart()
            for receipt in self.receipts_in(frames[-1]):
                index = wanted.get(receipt.envelope_hash)
                if index is None:
                    raise ValueError("a receipt for something not sent")
                if receipt.status == 2:  # DUPLICATE: the original receipt must verify too, alone or in a batch
                    originals = [r for r in self.receipts_in(receipt.original_receipt)
                                 if r.ledger_position == receipt.ledger_position
                                 and r.feedback_step == receipt.feedback_step and r.status == 1]
                    if len(originals) != 1:
                        raise ValueError("the original receipt of a duplicate does not hold its acceptance")
                receipts[index] = receipt
        return receipts

    def feedback(self, signer, on_control=False, timeout=10.0, **fields):
        """Asks for findings (docs/protocol.md §7) with a query signed by `signer`, on its ingest connection (or the
        control endpoint), and returns the verified FeedbackList answering it (matched by query_hash)."""
        query = self.schema["FeedbackQuery"](signed_at_ms=int(time.time() * 1000), **fields)
        raw = signer.seal(self.schema, "feedback_query", self.campaign, query)
        socket = self.control if on_control else self.ingest_for(signer.submitter)
        socket.send(raw)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not socket.poll(200):
                continue
            answer = socket.recv_multipart()[-1]
            if self.schema["Envelope"].FromString(answer).type != "feedback_list":
                continue  # a receipt of something sent before, read elsewhere
            listed = self.schema["FeedbackList"].FromString(self.open_signed(answer, "feedback_list").payload)
            if listed.query_hash == hashlib.sha256(raw).digest():
                return listed
        raise TimeoutError("no feedback_list")

    def reopen(self, operator, indicator, district, worker, period, reason, request_id):
        request = self.schema["ControlRequest"](request_id=request_id, signed_at_ms=int(time.time() * 1000))
        request.reopen.indicator = indicator
        request.reopen.district = district
        request.reopen.worker = worker
        request.reopen.period = period
        request.reopen.reason = reason
        self.control.send(operator.seal(self.schema, "control", self.campaign, request))
        if not self.control.poll(10000):
            raise TimeoutError("no control reply")
        envelope = self.open_signed(self.control.recv_multipart()[-1], "control_reply")
        return self.schema["ControlReply"].FromString(envelope.payload)


class Feed:
    """The Clone pattern of docs/protocol.md §5."""

    def __init__(self, schema, endpoints, campaign, curve=None):
        self.schema = schema
        self.campaign = campaign
        context = zmq.Context.instance()
        self.sub = context.socket(zmq.SUB)
        self.sub.setsockopt(zmq.LINGER, 0)
        secure(self.sub, curve)
        self.sub.setsockopt(zmq.SUBSCRIBE, b"update")
        self.sub.setsockopt(zmq.SUBSCRIBE, b"heartbeat")
        self.sub.connect(endpoints["feed"])
        self.snapshot_socket = context.socket(zmq.DEALER)
        self.snapshot_socket.setsockopt(zmq.LINGER, 0)
        secure(self.snapshot_socket, curve)
        self.snapshot_socket.connect(endpoints["snapshot"])
        self.sequence = 0
        self.epoch = None
        self.ranking = None
        self.snapshots = 0
        self.updates = 0

    def resnapshot(self):
        self.snapshot_socket.send(self.schema["SnapshotRequest"](campaign=self.campaign).SerializeToString())
        if not self.snapshot_socket.poll(10000):
            raise TimeoutError("no snapshot")
        snapshot = self.schema["Snapshot"].FromString(self.snapshot_socket.recv_multipart()[-1])
        self.sequence = snapshot.sequence
        self.epoch = snapshot.epoch
        self.ranking = snapshot.ranking
        self.snapshots += 1

    def follow_until(self, done, timeout=30.0):
        if self.ranking is None:
            self.resnapshot()
        deadline = time.time() + timeout
        while not done(self.ranking) and time.time() < deadline:
            if not self.sub.poll(500):
                continue
            topic, sequence_bytes, body = self.sub.recv_multipart()
            sequence = int.from_bytes(sequence_bytes, "big")
            if topic == b"heartbeat":
                heartbeat = self.schema["FeedHeartbeat"].FromString(body)
                if sequence != self.sequence or heartbeat.epoch != self.epoch:
                    self.resnapshot()
            elif topic == b"update":
                update = self.schema["RankingUpdate"].FromString(body)
                if update.epoch != self.epoch:
                    self.resnapshot()
                    continue
                if sequence <= self.sequence:
                    continue
                if sequence != self.sequence + 1:
                    self.resnapshot()
                    continue
                self.sequence = sequence
                apply_update(self.ranking, update)
                self.updates += 1
        return done(self.ranking)


def grade_of(total, boundaries):
    """The grade of the first step whose `from` the total reaches, else `otherwise` (docs/protocol.md §5)."""
    for step in boundaries.steps:
        if total >= Decimal(getattr(step, "from")):
            return step.grade
    return boundaries.otherwise


def rerank(rows, changed, key, boundaries):
    """Replaces the changed rows, then ranks every row 1 + the number strictly higher, by rank then id."""
    by_id = {getattr(row, key): row for row in rows}
    for row in changed:
        by_id[getattr(row, key)] = row
    ordered = sorted(by_id.values(), key=lambda row: (-Decimal(row.total), getattr(row, key)))
    totals = [Decimal(row.total) for row in ordered]
    result = []
    for place, row in enumerate(ordered):
        copy = type(row)()
        copy.CopyFrom(row)
        copy.rank = place + 1 if place == 0 or totals[place - 1] != totals[place] else result[-1].rank
        copy.grade = grade_of(totals[place], boundaries)
        result.append(copy)
    return result


def apply_update(ranking, update):
    """Applies a RankingUpdate to a Ranking in place, as docs/protocol.md §5 says."""
    districts = rerank(ranking.districts, update.districts, "district", update.district_grades)
    workers = rerank(ranking.workers, update.workers, "worker", update.worker_grades)
    del ranking.districts[:]
    ranking.districts.extend(districts)
    del ranking.workers[:]
    ranking.workers.extend(workers)
    owed = [(entry.submitter, entry.missing) for entry in ranking.completeness.owed]
    changed = {entry.submitter: entry.missing for entry in update.owed}
    owed = [(submitter, changed.pop(submitter, missing)) for submitter, missing in owed]
    owed += [(entry.submitter, entry.missing) for entry in update.owed if entry.submitter in changed]
    del ranking.completeness.owed[:]
    for submitter, missing in owed:
        if missing > 0:
            ranking.completeness.owed.add(submitter=submitter, missing=missing)
    ranking.completeness.cells_expected = update.cells_expected
    ranking.completeness.cells_filled = update.cells_filled
    ranking.cells_expected = update.cells_expected
    ranking.cells_filled = update.cells_filled
    ranking.final = update.final
    ranking.ledger_position = update.ledger_position
    ranking.updated_at_ms = update.updated_at_ms
    if update.HasField("feedback"):  # the feedback counts, whole, when they changed (docs/protocol.md §7)
        ranking.feedback.CopyFrom(update.feedback)

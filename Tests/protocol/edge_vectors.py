#!/usr/bin/env python3
"""Writes docs/protocol-edge-vectors.json: Ed25519 signatures at the edges of the acceptance rule of
docs/protocol.md §3 ("Which signatures verify"), each with whether a Kaoping verifier must accept it.

The arithmetic is RFC 8032's reference code (§6) on Python integers, so that the vectors do not come from either
verifier they test. The inputs are fixed: running it again writes the same file.

Usage: edge_vectors.py [--out docs/protocol-edge-vectors.json]
"""

import argparse
import hashlib
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

p = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493
d = -121665 * pow(121666, p - 2, p) % p
SQRT_M1 = pow(2, (p - 1) // 4, p)


def sha512_int(data):
    return int.from_bytes(hashlib.sha512(data).digest(), "little")


# Points in extended coordinates (X, Y, Z, T), as RFC 8032 §6.
def add(P, Q):
    A, B = (P[1] - P[0]) * (Q[1] - Q[0]) % p, (P[1] + P[0]) * (Q[1] + Q[0]) % p
    C, D = 2 * P[3] * Q[3] * d % p, 2 * P[2] * Q[2] % p
    E, F, G, H = B - A, D - C, D + C, B + A
    return (E * F % p, G * H % p, F * G % p, E * H % p)


def mul(s, P):
    Q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            Q = add(Q, P)
        P = add(P, P)
        s >>= 1
    return Q


def encode(P):
    zinv = pow(P[2], p - 2, p)
    x, y = P[0] * zinv % p, P[1] * zinv % p
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")


def recover_x(y, sign):
    if y >= p:
        return None
    x2 = (y * y - 1) * pow(d * y * y + 1, p - 2, p)
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (p + 3) // 8, p)
    if (x * x - x2) % p != 0:
        x = x * SQRT_M1 % p
    if (x * x - x2) % p != 0:
        return None
    if (x & 1) != sign:
        x = p - x
    return x


def point(y, sign=0):
    x = recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % p)


B = point(4 * pow(5, p - 2, p) % p)


def secret_scalar(seed):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return a, h[32:]


def sign(seed, message):
    a, prefix = secret_scalar(seed)
    A = encode(mul(a, B))
    r = sha512_int(prefix + message) % L
    R = encode(mul(r, B))
    k = sha512_int(R + A + message) % L
    return A, R + int.to_bytes((r + k * a) % L, 32, "little")


def signing_input(kind, campaign, payload):
    return b"kaoping\x001\x00" + kind.encode() + b"\x00" + campaign.encode() + b"\x00" + payload


def vectors():
    seed = bytes(range(32))  # the submitter key of docs/protocol-vectors.json
    message = signing_input("submission", "zhongshan-2023", "edge vectors: any payload".encode())
    A, good = sign(seed, message)
    a, _ = secret_scalar(seed)
    identity = int.to_bytes(1, 32, "little")
    base = encode(B)
    out = []

    def vector(name, key, signature, accept, why, msg=message):
        out.append({"name": name, "public_key_hex": key.hex(), "message_hex": msg.hex(),
                    "signature_hex": signature.hex(), "accept": accept, "why": why})

    vector("valid", A, good, True, "an ordinary signature")
    S = int.from_bytes(good[32:], "little")
    vector("s_plus_l", A, good[:32] + int.to_bytes(S + L, 32, "little"), False,
           "S + L: the same scalar, not reduced (S must be below L)")
    # The identity as the key: [k]A vanishes, so R = [S]B verifies any message under the bare equation.
    forged = base + int.to_bytes(1, 32, "little")
    vector("small_order_key", identity, forged, False,
           "the key is the identity (order 1): R = B, S = 1 satisfies [S]B = R + [k]A for every message")
    vector("small_order_key_sign_bit", identity[:31] + b"\x80", forged, False,
           "the identity with the sign bit set (x = 0 'negative'): small order too")
    order8 = bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")
    vector("order_8_key", order8, forged, False, "a key of order 8")
    # R of small order: with the key's secret scalar, S = k * a makes [S]B = [k]A = R + [k]A for R = identity.
    k = sha512_int(identity + A + message) % L
    vector("small_order_r", A, identity + int.to_bytes(k * a % L, 32, "little"), False,
           "R is the identity: the equation holds, but R must not be of small order")
    noncanonical_identity = int.to_bytes(p + 1, 32, "little")
    k = sha512_int(noncanonical_identity + A + message) % L
    vector("non_canonical_small_order_r", A, noncanonical_identity + int.to_bytes(k * a % L, 32, "little"), False,
           "R is the identity encoded as p + 1: non-canonical and of small order")
    # A key encoded as y + p (y < 19 on the curve): the same point as y, but not its canonical encoding.
    y = next(y for y in range(2, 19) if recover_x(y, 0) is not None)
    vector("non_canonical_key", int.to_bytes(y + p, 32, "little"), good, False,
           "the key's y is written as %d + p: keys must be canonically encoded (y < p)" % y)
    # A key with a small-order component (A + T, T of order 8): the bare cofactorless equation holds when 8 | k.
    T = point(int.from_bytes(order8, "little"))
    mixed = encode(add(mul(a, B), T))
    for n in range(1000):
        attempt = signing_input("submission", "zhongshan-2023", ("mixed order %d" % n).encode())
        r = sha512_int(b"mixed" + attempt) % L
        R = encode(mul(r, B))
        k = sha512_int(R + mixed + attempt) % L
        if k % 8 == 0:
            vector("mixed_order_key", mixed, R + int.to_bytes((r + k * a) % L, 32, "little"), True,
                   "a key with a component of order 8, and k a multiple of 8: the equation holds, without a "
                   "cofactor; accepted as the bare equation says", attempt)
            break
    vector("other_message", A, good, False, "a valid signature over another message",
           message + b"!")
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "protocol-edge-vectors.json"))
    args = parser.parse_args()
    with open(args.out, "w") as handle:
        json.dump(vectors(), handle, indent=2)
        handle.write("\n")
    print("wrote %s" % args.out)


if __name__ == "__main__":
    main()

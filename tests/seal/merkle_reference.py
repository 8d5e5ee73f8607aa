#!/usr/bin/env python3
"""An independent RFC 9162 (RFC 6962) Merkle tree in plain Python, for merkle_tree_test.cc.

Straight from the RFC's recursive definitions (MTH, PATH, PROOF/SUBPROOF, §2.1.1-2.1.4), on the
leaves "leaf-0" .. "leaf-(n-1)". Prints one JSON object on stdout, hashes in lower-case hex:
  {"roots": {"SIZE": hash, ...},
   "inclusion": [{"index": i, "size": n, "path": [hash, ...]}, ...],
   "consistency": [{"old": m, "new": n, "proof": [hash, ...]}, ...]}
"""
import hashlib
import json

SIZES = list(range(0, 21)) + [31, 32, 33, 64, 100, 1000]


def sha256(data):
    return hashlib.sha256(data).digest()


def leaf_hash(leaf):
    return sha256(b"\x00" + leaf)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def split_point(n):
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    n = len(leaves)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return leaf_hash(leaves[0])
    k = split_point(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m, leaves):
    n = len(leaves)
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m, leaves, b):
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = split_point(n)
    if m <= k:
        return subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def proof(m, leaves):
    return subproof(m, leaves, True)


def main():
    leaves = [b"leaf-%d" % i for i in range(max(SIZES))]
    out = {"roots": {}, "inclusion": [], "consistency": []}
    for n in SIZES:
        d = leaves[:n]
        out["roots"][str(n)] = mth(d).hex()
        if n == 0:
            continue
        indices = sorted({0, 1, 2, n // 3, n // 2, n - 2, n - 1} & set(range(n)))
        if n <= 20:
            indices = list(range(n))
        for i in indices:
            out["inclusion"].append({"index": i, "size": n, "path": [h.hex() for h in path(i, d)]})
        olds = sorted({1, 2, 3, n // 3, n // 2, n - 1, n} & set(range(1, n + 1)))
        if n <= 20:
            olds = list(range(1, n + 1))
        for m in olds:
            out["consistency"].append({"old": m, "new": n, "proof": [h.hex() for h in proof(m, d)]})
    print(json.dumps(out))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Checks a Kuaguan certificate's transparency-log inclusion without Kuaguan: Python's hashlib
for the RFC 6962 / RFC 9162 Merkle proof, the openssl command for the log key's signature on
the C2SP checkpoint note. Anyone can run it: what it needs is the certificate PDF, the proof as
`kuaguan log proof SERIAL --json` prints it, and the log's public key (`log-key.pem` from
`kuaguan cert export`).

usage: verify-log-proof.py CERTIFICATE.pdf PROOF.json LOG-KEY.pem
Exit 0 when the certificate's SM3 is the logged one and the proof leads to the signed root.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number, wire, payload):
    return varint((number << 3) | wire) + payload


def leaf_bytes(serial, sm3, archive, issued_micros):
    """The LogEntry message (serial=1, sm3=2, archive=3, issued_micros=4), fields in order."""
    out = b""
    for number, value in ((1, serial.encode()), (2, sm3), (3, archive.encode())):
        if value:
            out += field(number, 2, varint(len(value)) + value)
    if issued_micros:
        out += field(4, 0, varint(issued_micros & 0xFFFFFFFFFFFFFFFF))
    return out


def sha256(data):
    return hashlib.sha256(data).digest()


def root_from_inclusion(index, size, leaf_hash, path):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        raise ValueError("index beyond the tree")
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            raise ValueError("the path is too long")
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = sha256(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("the path is too short")
    return r


def sm3(data):
    try:
        return hashlib.new("sm3", data).digest()
    except ValueError:  # a Python without SM3: openssl has it
        out = subprocess.run(["openssl", "dgst", "-sm3", "-binary"], input=data, capture_output=True, check=True)
        return out.stdout


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    pdf = open(sys.argv[1], "rb").read()
    proof = json.load(open(sys.argv[2]))
    key = sys.argv[3]
    note = proof["checkpoint"]
    body, _, signatures = note.partition("\n\n")
    body += "\n"
    origin, size, root_b64 = body.rstrip("\n").split("\n")
    root = base64.b64decode(root_b64)
    if int(size) != int(proof["tree_size"]):
        sys.exit("the proof's size is not its checkpoint's")
    if sm3(pdf).hex() != proof["sm3"].lower():
        sys.exit("this file is not the certificate the log holds (SM3 differs)")
    leaf = leaf_bytes(proof["serial"], bytes.fromhex(proof["sm3"]), proof["archive"], int(proof["issued_micros"]))
    computed = root_from_inclusion(int(proof["index"]), int(size), sha256(b"\x00" + leaf),
                                   [bytes.fromhex(h) for h in proof["path"]])
    if computed != root:
        sys.exit("the inclusion proof does not lead to the checkpoint's root")
    # The log's own signature line: "— ORIGIN base64(key id || DER signature)".
    verified = False
    for line in signatures.splitlines():
        if not line.startswith("\u2014 " + origin + " "):
            continue
        sig = base64.b64decode(line.split(" ")[-1])[4:]
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "body"), "w").write(body)
            open(os.path.join(d, "sig"), "wb").write(sig)
            verified = subprocess.run(["openssl", "dgst", "-sha256", "-verify", key, "-signature",
                                       os.path.join(d, "sig"), os.path.join(d, "body")],
                                      capture_output=True).returncode == 0
        if verified:
            break
    if not verified:
        sys.exit("the checkpoint is not signed by this log key")
    print("certificate %s of %s is entry %s of %s in %s: proof verified, checkpoint signed" %
          (proof["serial"], proof["archive"], proof["index"], size, origin))


main()

# An independent gRPC client (Python grpcio, stubs generated from the project's protos) for the
# peer side of self-service lookups: calls PersonLookup.Lookup on a node over mutual TLS with a
# node's identity, carrying the clerk's certificate from CERT.pem (or none for "-"), and prints
# "ok N" (records listed) or "error STATUS DETAILS".
# usage: lookup_client.py GEN_DIR HOST:PORT ROOT.pem CHAIN.pem KEY.pem SERVER-ARCHIVE CLAIMED-ARCHIVE CERT.pem|-
import hashlib
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
from kuaguan.v1 import lookup_pb2, lookup_pb2_grpc  # noqa: E402

address, root, chain, key, server, claimed, cert = sys.argv[2:9]
read = lambda p: open(p, 'rb').read()
creds = grpc.ssl_channel_credentials(read(root), read(key), read(chain))
channel = grpc.secure_channel(address, creds,
                              options=[('grpc.ssl_target_name_override', server + '.archive.kuaguan')])
stub = lookup_pb2_grpc.PersonLookupStub(channel)
request = lookup_pb2.PersonLookupRequest(person_hash=hashlib.sha256(b'probe').digest(),
                                         person_id_masked='110105********002X', lookup_id=claimed + '-Lprobe',
                                         clerk_cert_pem='' if cert == '-' else read(cert).decode())
setattr(request, 'from', claimed)
try:
    reply = stub.Lookup(request, timeout=10)
    print('ok', len(reply.records))
except grpc.RpcError as e:
    print('error', e.code().name, e.details())

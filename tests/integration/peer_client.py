# An independent gRPC client: Python grpcio from Debian with stubs generated from the project's
# protos. Calls Peer.Ping on a node over mutual TLS and prints "ok CODE" or "error STATUS DETAILS".
# usage: peer_client.py GEN_DIR HOST:PORT ROOT.pem CHAIN.pem KEY.pem SERVER-ARCHIVE CLAIMED-ARCHIVE
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
from kuaguan.v1 import federation_pb2, federation_pb2_grpc  # noqa: E402

address, root, chain, key, server, claimed = sys.argv[2:8]
read = lambda p: open(p, 'rb').read()
creds = grpc.ssl_channel_credentials(read(root), read(key), read(chain))
channel = grpc.secure_channel(address, creds,
                              options=[('grpc.ssl_target_name_override', server + '.archive.kuaguan')])
stub = federation_pb2_grpc.PeerStub(channel)
try:
    reply = stub.Ping(federation_pb2.PingRequest(**{'from': claimed}), timeout=10)
    print('ok', reply.code)
except grpc.RpcError as e:
    print('error', e.code().name, e.details())

# An outsider at the provincial node's enrollment port (server TLS only, as a newcomer has no
# certificate): asks for server reflection (both versions) and prints "reflection NAME CODE",
# then sends N Enroll calls carrying TOKEN and prints "enroll CODE COUNT" per status code and
# "first RESOURCE_EXHAUSTED DETAILS". Messages are written by hand (no generated stubs).
# usage: enroll_probe.py HOST:PORT ROOT.pem SERVER-NAME TOKEN N
import collections, sys
import grpc

address, root, server, token, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
creds = grpc.ssl_channel_credentials(open(root, 'rb').read())
channel = grpc.secure_channel(address, creds, options=[('grpc.ssl_target_name_override', server)])

for name in ('grpc.reflection.v1alpha.ServerReflection', 'grpc.reflection.v1.ServerReflection'):
    call = channel.stream_stream('/%s/ServerReflectionInfo' % name)
    try:
        for _ in call(iter([b'\x3a\x00']), timeout=10):  # list_services: ""
            pass
        print('reflection', name, 'OK')
    except grpc.RpcError as e:
        print('reflection', name, e.code().name)

def varint(v):
    out = b''
    while True:
        b = v & 0x7f
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])

body = token.encode()
request = b'\x0a' + varint(len(body)) + body  # EnrollRequest.token = 1
enroll = channel.unary_unary('/kuaguan.v1.Federation/Enroll')
codes = collections.Counter()
first = None
for _ in range(n):
    try:
        enroll(request, timeout=10)
        codes['OK'] += 1
    except grpc.RpcError as e:
        codes[e.code().name] += 1
        if e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and first is None:
            first = e.details()
for code, count in sorted(codes.items()):
    print('enroll', code, count)
print('first RESOURCE_EXHAUSTED', first)

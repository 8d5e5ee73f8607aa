# Connects to a gRPC listener over TLS (optionally with a client certificate), sends the HTTP/2
# preface and prints "received N VERSION": a server that refused the client ends the connection
# without a byte. usage: tls_probe.py HOST:PORT ROOT.pem SERVER-NAME [CHAIN.pem KEY.pem]
import socket, ssl, sys
host, port = sys.argv[1].rsplit(':', 1)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(sys.argv[2])
ctx.set_alpn_protocols(['h2'])
if len(sys.argv) > 5:
    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
s = socket.create_connection((host, int(port)), timeout=5)
try:
    t = ctx.wrap_socket(s, server_hostname=sys.argv[3])
    t.sendall(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + b'\x00\x00\x00\x04\x00\x00\x00\x00\x00')
    data = t.recv(100)
    print('received', len(data), t.version())
except Exception as e:
    print('refused', type(e).__name__, e)

# Raw gRPC against a node's local socket, as whichever Unix account runs it: calls every method of
# Admin, FederationAdmin, Requests, HubAdmin, Operations, ReplicaAdmin, ExchangeAdmin and Appraisal with an empty request and a forged actor name in the
# metadata, and prints one line per call: "SERVICE/METHOD[:variant] CODE". The role tests compare
# the codes with the role table. Decide is called once per decision (not-found, refuse, extend).
# usage: role_probe.py GEN_DIR SOCKET
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
from kuaguan.v1 import admin_pb2, appraisal_pb2, desk_pb2, desk_pb2_grpc, exchange_pb2, hub_pb2, ops_pb2, replica_pb2, request_pb2  # noqa: E402,E501

channel = grpc.insecure_channel('unix:' + sys.argv[2])
forged = [('x-kuaguan-actor', 'security-officer')]
services = admin_pb2.DESCRIPTOR.services_by_name
services = {'Admin': services['Admin'], 'FederationAdmin': services['FederationAdmin'],
            'Requests': desk_pb2.DESCRIPTOR.services_by_name['Requests'],
            'HubAdmin': hub_pb2.DESCRIPTOR.services_by_name['HubAdmin'],
            'Operations': ops_pb2.DESCRIPTOR.services_by_name['Operations'],
            'ReplicaAdmin': replica_pb2.DESCRIPTOR.services_by_name['ReplicaAdmin'],
            'Appraisal': appraisal_pb2.DESCRIPTOR.services_by_name['Appraisal'],
            'ExchangeAdmin': exchange_pb2.DESCRIPTOR.services_by_name['ExchangeAdmin']}
from google.protobuf import message_factory  # noqa: E402


def call(service, method, request, label):
    path = '/kuaguan.v1.%s/%s' % (service.name, method.name)
    out_cls = message_factory.GetMessageClass(method.output_type) if hasattr(message_factory, 'GetMessageClass') \
        else message_factory.MessageFactory().GetPrototype(method.output_type)
    try:
        if method.client_streaming:
            stub = channel.stream_unary(path, request_serializer=lambda m: m.SerializeToString(),
                                        response_deserializer=out_cls.FromString)
            stub(iter([request]), metadata=forged, timeout=20)
        elif method.server_streaming:
            stub = channel.unary_stream(path, request_serializer=lambda m: m.SerializeToString(),
                                        response_deserializer=out_cls.FromString)
            for _ in stub(request, metadata=forged, timeout=20):
                break
        else:
            stub = channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(),
                                       response_deserializer=out_cls.FromString)
            stub(request, metadata=forged, timeout=20)
        print(label, 'OK')
    except grpc.RpcError as e:
        print(label, e.code().name)
    sys.stdout.flush()


for service in services.values():
    for method in service.methods:
        in_cls = message_factory.GetMessageClass(method.input_type) if hasattr(message_factory, 'GetMessageClass') \
            else message_factory.MessageFactory().GetPrototype(method.input_type)
        label = '%s/%s' % (service.name, method.name)
        if service.name == 'Requests' and method.name == 'Decide':
            for variant, state in (('not-found', request_pb2.REQUEST_STATE_NOT_FOUND),
                                   ('refuse', request_pb2.REQUEST_STATE_REFUSED),
                                   ('extend', request_pb2.REQUEST_STATE_EXTENDED)):
                call(service, method, in_cls(state=state), label + ':' + variant)
        else:
            call(service, method, in_cls(), label)

"""schemathesis hooks for tests/schemathesis.sh: tus chunks (application/offset+octet-stream,
the body of POST and PATCH /api/v1/uploads) are plain bytes on the wire."""

import schemathesis
from schemathesis.transport.serialization import serialize_binary


@schemathesis.serializer("application/offset+octet-stream")
def offset_octet_stream(ctx, value):
    return {"data": serialize_binary(value)}

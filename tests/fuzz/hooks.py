"""Schemathesis checks for TrackR's GraphQL endpoint (scripts/fuzz-graphql.sh).

Schemathesis's own `not_a_server_error` counts every GraphQL error as a
server failure, including the domain answers a client is owed
(UNAUTHENTICATED, NOT_FOUND, BAD_USER_INPUT…). What must never happen is
narrower, and checked here: an HTTP 5xx, a body that is not a GraphQL
answer, or an error whose `extensions.code` is INTERNAL (a failure the
client cannot fix). A panic or a crash shows as a lost connection, which
schemathesis reports by itself; the script also reads the server's log.
"""

import schemathesis


@schemathesis.check
def no_server_failure(ctx, response, case):
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:300]!r}")
    try:
        body = response.json()
    except ValueError:
        if response.status_code == 200:
            raise AssertionError(f"a 200 that is not JSON: {response.text[:300]!r}")
        return None
    if not isinstance(body, dict):
        raise AssertionError(f"not a GraphQL answer: {response.text[:300]!r}")
    for error in body.get("errors") or []:
        code = ((error or {}).get("extensions") or {}).get("code")
        if code == "INTERNAL":
            raise AssertionError(f"INTERNAL error: {error.get('message')!r}")
    return None

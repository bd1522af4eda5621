"""What kept_alive.py and new_connections.py share: one request on a
connection, and what a failed one raises."""

import http.client


# What a failed request raises: socket errors, and http.client's own.
FAILED = (OSError, http.client.HTTPException)


def get(conn, path):
    """GET path on conn; the response, its body read."""
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response

#!/usr/bin/env python3
"""Counts visits in the session: the server passes the session's values in
FERROUS_SESSION_VALUES (k=v&..., percent-encoded) and stores what the script
returns in X-Session-Set."""

import os
import sys
from urllib.parse import parse_qsl, urlencode


def visits_so_far():
    values = dict(parse_qsl(os.environ.get("FERROUS_SESSION_VALUES", ""), keep_blank_values=True))
    count = values.get("visits", "")
    # A tampered or missing value starts the count again.
    if not count.isdigit() or len(count) > 18:
        return 0
    return int(count)


def main():
    visits = visits_so_far() + 1
    body = """<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Visit counter</title></head>
<body>
<h1>Visit counter</h1>
<p>You have visited this page {} times</p>
</body>
</html>
""".format(visits).encode("utf-8")
    out = sys.stdout.buffer
    out.write(b"Content-Type: text/html; charset=utf-8\n")
    out.write(b"Cache-Control: no-store\n")
    out.write("X-Session-Set: {}\n\n".format(urlencode({"visits": visits})).encode("ascii"))
    out.write(body)
    out.flush()


main()

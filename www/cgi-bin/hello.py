#!/usr/bin/env python3
"""A hello page showing a few of the CGI variables the server passed."""

import html
import os
import sys

SHOWN = (
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "REMOTE_ADDR",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "SERVER_SOFTWARE",
    "GATEWAY_INTERFACE",
)


def main():
    rows = "\n".join(
        "<tr><th>{}</th><td>{}</td></tr>".format(name, html.escape(os.environ.get(name, "")))
        for name in SHOWN
    )
    page = """<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Hello from CGI</title></head>
<body>
<h1>Hello from CGI</h1>
<table>
{}
</table>
</body>
</html>
""".format(rows)
    body = page.encode("utf-8")
    out = sys.stdout.buffer
    out.write(b"Content-Type: text/html; charset=utf-8\n")
    out.write(b"Cache-Control: no-store\n\n")
    out.write(body)
    out.flush()


main()

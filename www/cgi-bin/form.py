#!/usr/bin/env python3
"""Echoes the query-string fields and the urlencoded POST fields, HTML-escaped."""

import html
import os
import sys
from urllib.parse import parse_qsl

MAX_BODY = 1 << 20  # a form echo has no use for more


def respond(status, body):
    out = sys.stdout.buffer
    if status:
        out.write("Status: {}\n".format(status).encode("ascii"))
    out.write(b"Content-Type: text/html; charset=utf-8\n\n")
    out.write(body.encode("utf-8"))
    out.flush()


def read_body(length):
    """Reads exactly length bytes: a pipe may return less per read."""
    chunks = []
    remaining = length
    stdin = sys.stdin.buffer
    while remaining > 0:
        chunk = stdin.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def table(title, fields):
    if not fields:
        return "<h2>{}</h2>\n<p>(none)</p>\n".format(title)
    rows = "\n".join(
        "<tr><th>{}</th><td>{}</td></tr>".format(html.escape(k), html.escape(v)) for k, v in fields
    )
    return "<h2>{}</h2>\n<table>\n{}\n</table>\n".format(title, rows)


def page(title, content):
    return """<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>{0}</title></head>
<body>
<h1>{0}</h1>
{1}</body>
</html>
""".format(title, content)


def main():
    query = parse_qsl(os.environ.get("QUERY_STRING", ""), keep_blank_values=True, errors="replace")
    posted = []
    if os.environ.get("REQUEST_METHOD") == "POST":
        raw_length = os.environ.get("CONTENT_LENGTH", "")
        if not raw_length.isdigit():
            respond("411 Length Required", page("Length required", "<p>POST needs a body length.</p>\n"))
            return
        length = int(raw_length)
        if length > MAX_BODY:
            respond("413 Content Too Large", page("Too large", "<p>The form is too large.</p>\n"))
            return
        body = read_body(length)
        content_type = os.environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            respond(
                "415 Unsupported Media Type",
                page("Unsupported form", "<p>Send application/x-www-form-urlencoded.</p>\n"),
            )
            return
        posted = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, errors="replace")
    content = table("Query string", query) + table("Posted fields", posted)
    respond(None, page("Form echo", content))


main()

#!/usr/bin/env python3
"""Parses messages with Python's email package and prints JSON.

Used by python_test.go to check that the Go encoder's output means the same
thing to an independent parser. Reads one message from stdin, or with
--batch a JSON array of base64-encoded messages (printing an array). The
output for one message:

  {"subject": str, "from": [{"name", "addr"}], "to": [...], "cc": [...],
   "reply_to": [...], "has_bcc": bool, "headers": {lower-name: [decoded]},
   "structure": "multipart/mixed(text/plain,...)",
   "parts": [{"content_type", "filename", "disposition", "content_id",
              "charset", "cte", "content_b64"}]}
"""
import base64
import email
import email.policy
import json
import sys


def addresses(msg, name):
    header = msg[name]
    if header is None:
        return []
    return [{"name": a.display_name, "addr": a.addr_spec} for a in header.addresses]


def structure(part):
    if part.is_multipart():
        return part.get_content_type() + "(" + ",".join(structure(p) for p in part.iter_parts()) + ")"
    return part.get_content_type()


def parse(data):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    out = {
        "subject": str(msg["subject"]) if msg["subject"] is not None else "",
        "from": addresses(msg, "from"),
        "to": addresses(msg, "to"),
        "cc": addresses(msg, "cc"),
        "reply_to": addresses(msg, "reply-to"),
        "has_bcc": msg["bcc"] is not None,
        "message_id": str(msg["message-id"]),
        "headers": {},
        "structure": structure(msg),
        "defects": [type(d).__name__ for d in msg.defects],
        "parts": [],
    }
    for name, value in msg.items():
        out["headers"].setdefault(name.lower(), []).append(str(value))
    for part in msg.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        out["parts"].append({
            "content_type": part.get_content_type(),
            "filename": part.get_filename(),
            "disposition": part.get_content_disposition(),
            "content_id": part["content-id"] and str(part["content-id"]),
            "charset": part.get_content_charset(),
            "cte": part["content-transfer-encoding"] and str(part["content-transfer-encoding"]),
            "content_b64": base64.b64encode(payload).decode("ascii"),
            "defects": [type(d).__name__ for d in part.defects],
        })
    return out


def main():
    if sys.argv[1:] == ["--batch"]:
        batch = json.load(sys.stdin)
        out = [parse(base64.b64decode(m)) for m in batch]
    else:
        out = parse(sys.stdin.buffer.read())
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()

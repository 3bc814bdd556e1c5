#!/usr/bin/python3
"""Postfix pipe(8) delivery agent for the integration-test Postfix.

Invoked by start.sh's master.cf as
    postfix-deliver.py MAILDIR QUEUE_ID SENDER RECIPIENT...
with the message on stdin (LF line endings, as Postfix stores it).

Writes, atomically (temp file + rename, .env first, .eml last):
    MAILDIR/<unique>.env  line 1: envelope sender ("" for the null sender <>),
                          then one envelope recipient per line
    MAILDIR/<unique>.eml  the message as the client sent it in DATA (after
                          dot-unstuffing), with CRLF line endings restored and
                          the Received: header that Postfix's smtpd prepended
                          removed. Nothing else is changed.
<unique> = <time_ns>-<queue id>-<pid>, so names sort in delivery order.
Exit 75 (EX_TEMPFAIL) on any error so that Postfix retries later.
"""
import os
import sys
import time

EX_TEMPFAIL = 75


def strip_postfix_received(data: bytes) -> bytes:
    """Drop the first header if it is the Received: line Postfix added."""
    if not data[:9].lower() == b"received:":
        return data
    end = 0
    while True:
        nl = data.find(b"\n", end)
        if nl < 0:
            return data
        end = nl + 1
        if end >= len(data) or data[end:end + 1] not in (b" ", b"\t"):
            break
    header = data[:end]
    if b"(Postfix)" not in header:
        return data
    return data[end:]


def main() -> int:
    if len(sys.argv) < 4:
        print("usage: postfix-deliver.py MAILDIR QUEUE_ID SENDER RCPT...", file=sys.stderr)
        return EX_TEMPFAIL
    maildir, queue_id, sender = sys.argv[1], sys.argv[2], sys.argv[3]
    recipients = sys.argv[4:]

    data = sys.stdin.buffer.read()
    data = strip_postfix_received(data)
    # Postfix stores lines without their CRLF; SMTP DATA is CRLF-terminated.
    data = data.replace(b"\n", b"\r\n")

    name = "%d-%s-%d" % (time.time_ns(), queue_id or "noqueue", os.getpid())
    tmpdir = os.path.join(maildir, ".tmp")
    envelope = ("\n".join([sender] + recipients) + "\n").encode("utf-8", "surrogateescape")
    old_umask = os.umask(0o022)
    try:
        for ext, content in ((".env", envelope), (".eml", data)):
            tmp = os.path.join(tmpdir, name + ext)
            with open(tmp, "wb") as f:
                f.write(content)
            os.rename(tmp, os.path.join(maildir, name + ext))
    finally:
        os.umask(old_umask)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # noqa: BLE001 - any failure means "try again later"
        print("postfix-deliver.py: %s" % e, file=sys.stderr)
        sys.exit(EX_TEMPFAIL)

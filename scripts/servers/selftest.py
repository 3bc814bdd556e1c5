#!/usr/bin/env python3
"""Smoke test for the servers started by start.sh (stdlib only).

    python3 scripts/servers/selftest.py [ENV_FILE]

ENV_FILE defaults to $SMTP_TEST_DIR/env (SMTP_TEST_DIR defaults to
/tmp/smtp-itest). Prints one line per check and exits non-zero on failure.
"""
import glob
import json
import os
import smtplib
import socket
import ssl
import sys
import time
import urllib.request

FAILED = []
CHECKS = [0]


def load_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("export ") and "=" in line:
                k, v = line[len("export "):].split("=", 1)
                env[k] = v
    return env


def check(name, fn):
    CHECKS[0] += 1
    t = time.monotonic()
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        FAILED.append(name)
        print("FAIL %-45s %s: %s" % (name, type(e).__name__, e))
        return
    print("ok   %-45s %4.0f ms" % (name, (time.monotonic() - t) * 1000))


def hostport(addr):
    h, p = addr.rsplit(":", 1)
    return h, int(p)


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


E = load_env(sys.argv[1] if len(sys.argv) > 1 else
             os.path.join(os.environ.get("SMTP_TEST_DIR", "/tmp/smtp-itest"), "env"))
CTX = ssl.create_default_context(cafile=E["SMTP_TEST_CA"])
SERVER_NAME = E.get("SMTP_TEST_SERVER_NAME", "localhost")
MAILDIR = E["POSTFIX_MAILDIR"]
UNIQ = "%d-%d" % (os.getpid(), time.time_ns())


def smtp(addr):
    h, p = hostport(addr)
    s = smtplib.SMTP(h, p, local_hostname="client.example.test", timeout=15)
    s._host = SERVER_NAME  # SNI / hostname verification for starttls()
    return s


def smtps(addr):
    h, p = hostport(addr)
    s = smtplib.SMTP_SSL(h, p, local_hostname="client.example.test", timeout=15, context=CTX)
    return s


def smtps_with_name(addr):
    # connect to 127.0.0.1 but verify the certificate for SERVER_NAME
    h, p = hostport(addr)

    class S(smtplib.SMTP_SSL):
        def _get_socket(self, host, port, timeout):
            sock = socket.create_connection((h, p), timeout)
            return self.context.wrap_socket(sock, server_hostname=SERVER_NAME)
    return S(h, p, local_hostname="client.example.test", timeout=15, context=CTX)


def build_message(tag, extra=b""):
    return (b"From: Sender <sender@example.test>\r\n"
            b"To: rcpt1@example.test\r\n"
            b"Bcc: hidden@example.test\r\n"
            b"Subject: selftest " + tag.encode() + b" \xc3\xa9t\xc3\xa9\r\n"
            b"Message-ID: <" + tag.encode() + b"@example.test>\r\n"
            b"X-Folded: first\r\n\tsecond\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n"
            b"\r\n"
            b"line with 8bit \xe2\x82\xac\r\n"
            b".leading dot (dot-stuffed on the wire)\r\n"
            b"..two dots\r\n"
            b"trailing spaces   \r\n"
            b"\r\n" + b"x" * 3000 + b"\r\n" + extra +
            b"last line\r\n")


def wait_postfix_mail(tag, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for eml in glob.glob(os.path.join(MAILDIR, "*.eml")):
            with open(eml, "rb") as f:
                data = f.read()
            if b"<" + tag.encode() + b"@example.test>" in data:
                with open(eml[:-4] + ".env", "rb") as f:
                    return data, f.read()
        time.sleep(0.05)
    raise AssertionError("message %s not delivered to %s within %ss" % (tag, MAILDIR, timeout))


def send_and_verify_postfix(s, tag, sender="sender@example.test",
                            rcpts=("rcpt1@example.test", "Rcpt2@other.example")):
    msg = build_message(tag)
    refused = s.sendmail(sender, list(rcpts), msg)
    expect(not refused, "refused %r" % refused)
    s.quit()
    data, env = wait_postfix_mail(tag)
    expect(data == msg, "message bytes differ:\n%r\n%r" % (data[:400], msg[:400]))
    # line 1: sender; then recipients (Postfix sorts and de-duplicates them)
    lines = env.decode().split("\n")
    expect(lines[-1] == "" and lines[0] == sender, "envelope sender: %r" % env)
    expect(sorted(lines[1:-1]) == sorted(set(rcpts)), "envelope recipients: %r" % env)


# ------------------------------------------------------------------ Postfix
def postfix_plain():
    s = smtp(E["POSTFIX_PLAIN_ADDR"])
    code, _ = s.ehlo()
    expect(code == 250, "ehlo %d" % code)
    for ext in ("8bitmime", "pipelining", "size", "enhancedstatuscodes", "smtputf8", "chunking", "dsn"):
        expect(s.has_extn(ext), "missing %s in %r" % (ext, s.esmtp_features))
    expect(s.esmtp_features["size"] == E["POSTFIX_MAX_SIZE"], "SIZE %r" % s.esmtp_features["size"])
    expect(not s.has_extn("starttls"), "plain listener offers STARTTLS")
    expect(not s.has_extn("auth"), "plain listener offers AUTH")
    send_and_verify_postfix(s, "plain-" + UNIQ)


def postfix_null_sender():
    s = smtp(E["POSTFIX_PLAIN_ADDR"])
    send_and_verify_postfix(s, "null-" + UNIQ, sender="", rcpts=("bounce@example.test",))


def postfix_submission():
    s = smtp(E["POSTFIX_SUBMISSION_ADDR"])
    s.ehlo()
    expect(s.has_extn("starttls"), "no STARTTLS before TLS")
    expect(not s.has_extn("auth"), "AUTH offered before STARTTLS: %r" % s.esmtp_features)
    code, resp = s.mail("sender@example.test")
    expect(code == 530, "MAIL before STARTTLS: %d %s" % (code, resp))
    s.rset()
    s.starttls(context=CTX)
    s.ehlo()
    mechs = s.esmtp_features.get("auth", "").upper().split()
    for m in ("PLAIN", "LOGIN", "CRAM-MD5"):
        expect(m in mechs, "mechanism %s not in %r" % (m, mechs))
    # unauthenticated relaying is refused
    code, resp = s.mail("sender@example.test")
    expect(code == 250, "MAIL %d" % code)
    code, resp = s.rcpt("rcpt1@example.test")
    expect(code == 554, "unauthenticated RCPT: %d %s" % (code, resp))
    s.quit()


def postfix_auth(mech):
    def run():
        s = smtp(E["POSTFIX_SUBMISSION_ADDR"])
        s.starttls(context=CTX)
        s.ehlo()
        s.user, s.password = E["SMTP_TEST_USER"], E["SMTP_TEST_PASSWORD"]
        fn = {"PLAIN": s.auth_plain, "LOGIN": s.auth_login, "CRAM-MD5": s.auth_cram_md5}[mech]
        code, resp = s.auth(mech, fn, initial_response_ok=(mech != "LOGIN"))
        expect(code == 235, "AUTH %s: %d %s" % (mech, code, resp))
        send_and_verify_postfix(s, "sub-%s-%s" % (mech, UNIQ))
    return run


def postfix_bad_password():
    s = smtp(E["POSTFIX_SUBMISSION_ADDR"])
    s.starttls(context=CTX)
    s.ehlo()
    try:
        s.login(E["SMTP_TEST_USER"], "wrong")
    except smtplib.SMTPAuthenticationError as e:
        expect(e.smtp_code == 535, "code %d" % e.smtp_code)
    else:
        raise AssertionError("wrong password accepted")


def postfix_smtps():
    s = smtps_with_name(E["POSTFIX_SMTPS_ADDR"])
    s.ehlo()
    expect(not s.has_extn("starttls"), "STARTTLS offered inside TLS")
    mechs = s.esmtp_features.get("auth", "").upper().split()
    for m in ("PLAIN", "LOGIN", "CRAM-MD5"):
        expect(m in mechs, "mechanism %s not in %r" % (m, mechs))
    s.login(E["SMTP_TEST_USER"], E["SMTP_TEST_PASSWORD"])
    send_and_verify_postfix(s, "smtps-" + UNIQ)


def postfix_rcpt_codes():
    s = smtp(E["POSTFIX_PLAIN_ADDR"])
    s.ehlo()
    s.mail("sender@example.test")
    code, resp = s.rcpt(E["POSTFIX_REJECT_RCPT"])
    expect(code == 550 and resp.startswith(b"5.1.1"), "reject: %d %s" % (code, resp))
    code, resp = s.rcpt(E["POSTFIX_DEFER_RCPT"])
    expect(code == 451 and resp.startswith(b"4.3.0"), "defer: %d %s" % (code, resp))
    code, resp = s.rcpt("ok@example.test")
    expect(code == 250, "ok rcpt: %d %s" % (code, resp))
    s.quit()


def postfix_small():
    big = b"Subject: big\r\n\r\n" + (b"y" * 78 + b"\r\n") * 256  # ~20 KB
    # 1) SIZE= declared in MAIL FROM (smtplib does that when SIZE is offered)
    s = smtp(E["POSTFIX_SMALL_ADDR"])
    s.ehlo()
    expect(s.esmtp_features.get("size") == "10240", "SIZE %r" % s.esmtp_features.get("size"))
    try:
        s.sendmail("sender@example.test", ["r@example.test"], big)
    except smtplib.SMTPSenderRefused as e:
        expect(e.smtp_code == 552, "MAIL SIZE=: %d %s" % (e.smtp_code, e.smtp_error))
    else:
        raise AssertionError("20 KB message accepted with SIZE")
    s.quit()
    # 2) no SIZE parameter: rejected after DATA
    s = smtp(E["POSTFIX_SMALL_ADDR"])
    s.ehlo()
    s.mail("sender@example.test")
    s.rcpt("r@example.test")
    code, resp = s.data(big)
    expect(code == 552, "after DATA: %d %s" % (code, resp))
    s.quit()


def seconds(value):
    """A Postfix time value ("2s", "1m", "300") in seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    if value and value[-1] in units:
        return float(value[:-1]) * units[value[-1]]
    return float(value)


def postfix_idle_delivers():
    s = smtp(E["POSTFIX_IDLE_ADDR"])
    s.ehlo()
    expect(not s.has_extn("starttls") and not s.has_extn("auth"), "idle listener offers STARTTLS or AUTH")
    send_and_verify_postfix(s, "idle-" + UNIQ)


def postfix_idle_timeout():
    # An idle connection gets "421 4.4.2 <host> Error: timeout exceeded"
    # after smtpd_timeout, then EOF.
    timeout = seconds(E["POSTFIX_IDLE_TIMEOUT"])
    sock = socket.create_connection(hostport(E["POSTFIX_IDLE_ADDR"]), timeout=timeout + 15)
    f = sock.makefile("rb")
    expect(f.readline().startswith(b"220 "), "no greeting")
    sock.sendall(b"EHLO client.example.test\r\n")
    while True:
        line = f.readline()
        expect(line.startswith(b"250"), "EHLO reply %r" % line)
        if line[3:4] == b" ":
            break
    t = time.monotonic()
    line = f.readline()
    idle = time.monotonic() - t
    expect(line.startswith(b"421 4.4.2 ") and b"timeout exceeded" in line, "after idling: %r" % line)
    expect(idle >= timeout * 0.9, "closed after %.2fs, before smtpd_timeout %ss" % (idle, timeout))
    expect(f.read() == b"", "connection still open after the 421")
    sock.close()


def smtp_sink():
    s = smtp(E["SMTP_SINK_ADDR"])
    refused = s.sendmail("a@example.test", ["b@example.test"], b"Subject: sink\r\n\r\nhi\r\n")
    expect(not refused, "refused")
    s.quit()


# ------------------------------------------------------------------ Mailpit
def mailpit_find(api, tag, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(api + "/api/v1/messages?limit=200", timeout=5) as r:
            msgs = json.load(r)["messages"]
        for m in msgs:
            if m.get("MessageID") == tag + "@example.test":
                with urllib.request.urlopen(api + "/api/v1/message/%s/raw" % m["ID"], timeout=5) as r:
                    return r.read()
        time.sleep(0.05)
    raise AssertionError("message %s not in %s" % (tag, api))


def mailpit(kind):
    def run():
        addr, api = E["MAILPIT_%s_ADDR" % kind], E["MAILPIT_%s_API" % kind]
        tag = "mailpit-%s-%s" % (kind.lower(), UNIQ)
        if kind == "TLS":
            s = smtps_with_name(addr)
            s.ehlo()
        else:
            s = smtp(addr)
            s.ehlo()
            if kind == "STARTTLS":
                expect(s.has_extn("starttls"), "no STARTTLS")
                # Mailpit quirk: AUTH is advertised before STARTTLS, but
                # both AUTH and MAIL are refused with 530 until STARTTLS.
                code, resp = s.docmd("AUTH", "PLAIN")
                expect(code == 530, "AUTH before STARTTLS: %d %s" % (code, resp))
                s.starttls(context=CTX)
                s.ehlo()
        if kind != "PLAIN":
            mechs = s.esmtp_features.get("auth", "").upper().split()
            expect("PLAIN" in mechs and "LOGIN" in mechs, "mechs %r" % mechs)
            s.user, s.password = E["MAILPIT_USER"], E["MAILPIT_PASSWORD"]
            mech = "LOGIN" if kind == "TLS" else "PLAIN"
            fn = s.auth_login if mech == "LOGIN" else s.auth_plain
            code, resp = s.auth(mech, fn, initial_response_ok=(mech == "PLAIN"))
            expect(code == 235, "AUTH %s %d %s" % (mech, code, resp))
        msg = build_message(tag)
        s.sendmail("sender@example.test", ["rcpt1@example.test"], msg)
        s.quit()
        raw = mailpit_find(api, tag)
        expect(raw.endswith(msg), "raw does not end with the sent message:\n%r" % raw[:600])
    return run


def redis_cmd(sock, *args):
    """Send one RESP command and return the first line of the reply."""
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    f = sock.makefile("rb")
    line = f.readline().rstrip(b"\r\n")
    if line.startswith(b"$") and line != b"$-1":
        line = f.read(int(line[1:]) + 2)[:-2]
    return line.decode()


def redis():
    h, p = hostport(E["REDIS_ADDR"])
    with socket.create_connection((h, p), timeout=5) as s:
        expect(redis_cmd(s, "PING") == "+PONG", "PING")
    with socket.create_connection((h, p), timeout=5) as s:
        key = "selftest:" + UNIQ
        got = redis_cmd(s, "EVAL", "return redis.call('INCR', KEYS[1])", "1", key)
        expect(got == ":1", "EVAL INCR -> %r" % got)
    with socket.create_connection((h, p), timeout=5) as s:
        expect(redis_cmd(s, "DEL", "selftest:" + UNIQ) == ":1", "DEL")


check("postfix plain: EHLO + byte-exact delivery", postfix_plain)
check("postfix plain: null sender <>", postfix_null_sender)
check("postfix submission: STARTTLS, AUTH after TLS", postfix_submission)
for m in ("PLAIN", "LOGIN", "CRAM-MD5"):
    check("postfix submission: AUTH %s + delivery" % m, postfix_auth(m))
check("postfix submission: bad password -> 535", postfix_bad_password)
check("postfix smtps: implicit TLS + AUTH + delivery", postfix_smtps)
check("postfix: reject550 / defer451", postfix_rcpt_codes)
check("postfix small: 20 KB -> 552", postfix_small)
check("postfix idle: delivery", postfix_idle_delivers)
check("postfix idle: 421 4.4.2 after smtpd_timeout", postfix_idle_timeout)
check("smtp-sink", smtp_sink)
for k in ("PLAIN", "STARTTLS", "TLS"):
    check("mailpit %s: send + API raw" % k.lower(), mailpit(k))
check("redis: PING, EVAL", redis)

print("selftest: %d passed, %d failed" % (CHECKS[0] - len(FAILED), len(FAILED)))
if FAILED:
    print("failed: " + ", ".join(FAILED))
    sys.exit(1)

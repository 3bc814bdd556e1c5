/*
 * floor: the protocol floor of rows a-c of scripts/bench/pool.sh, a
 * reference contender with no library in it.
 *
 *   floor HOST PORT COUNT CONNECTIONS SIZE
 *
 * One thread and epoll, like smtp-source, sending COUNT pre-rendered
 * messages of SIZE body octets over CONNECTIONS sessions with the fewest
 * system calls SMTP allows without CHUNKING: after the greeting and EHLO, a
 * session writes each message's body and final dot together with the next
 * message's MAIL, RCPT and DATA (RFC 2920 pipelining) in one write, and
 * reads the four replies in (usually) one read. DATA's 354 must arrive
 * before the body is sent (RFC 5321 4.1.1.4), so one round trip a message
 * and session is the minimum. No MIME, no validation, no escaping beyond a
 * body that needs none: it measures what any client must pay on this
 * machine, so that a ratio to smtp-source can be read against the best a
 * client can do. Exits 1 on any reply other than 2xx/3xx or an I/O error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { GREETING, EHLO, ENVELOPE, BODY, QUITTING };

struct session {
	int fd;
	int state;
	int pending; /* replies still expected for the state */
	int dot;     /* the QUIT group carries a message's final dot */
	char buf[8192];
	size_t len;
};

static const char envelope[] = "MAIL FROM:<bench@example.test>\r\nRCPT TO:<sink@example.test>\r\nDATA\r\n";
static char *body;
static size_t body_len;
static long remaining, accepted;

static void die(const char *what) {
	perror(what);
	exit(1);
}

static void put(int fd, const char *p, size_t n) {
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR) continue;
			die("write");
		}
		p += w;
		n -= (size_t)w;
	}
}

/* advance moves a session on after all replies of its state arrived. */
static void advance(struct session *s) {
	static char *out;
	static size_t cap;
	switch (s->state) {
	case GREETING:
		put(s->fd, "EHLO floor.example.test\r\n", 25);
		s->state = EHLO, s->pending = 1;
		return;
	case EHLO:
		if (remaining == 0) {
			put(s->fd, "QUIT\r\n", 6);
			s->state = QUITTING, s->pending = 1;
			return;
		}
		remaining--;
		put(s->fd, envelope, sizeof envelope - 1);
		s->state = ENVELOPE, s->pending = 3; /* MAIL, RCPT, DATA's 354 */
		return;
	case ENVELOPE: {
		size_t need = body_len + sizeof envelope;
		if (cap < need && !(out = realloc(out, cap = need))) die("realloc");
		memcpy(out, body, body_len);
		if (remaining > 0) {
			remaining--;
			memcpy(out + body_len, envelope, sizeof envelope - 1);
			put(s->fd, out, body_len + sizeof envelope - 1);
			s->state = BODY, s->pending = 4; /* dot, MAIL, RCPT, 354 */
		} else {
			memcpy(out + body_len, "QUIT\r\n", 6);
			put(s->fd, out, body_len + 6);
			s->state = QUITTING, s->pending = 2, s->dot = 1; /* dot, QUIT */
		}
		return;
	}
	case BODY: /* the dot's reply came with the next envelope's */
		accepted++;
		s->state = ENVELOPE;
		advance(s);
		return;
	case QUITTING:
		if (s->dot) accepted++;
		close(s->fd);
		s->fd = -1;
		return;
	}
}

/* replies counts the complete replies in the session's buffer. */
static int consume(struct session *s) {
	size_t start = 0;
	for (size_t i = 0; i < s->len; i++) {
		if (s->buf[i] != '\n') continue;
		size_t n = i + 1 - start;
		const char *line = s->buf + start;
		start = i + 1;
		if (n < 5 || (line[0] != '2' && line[0] != '3')) {
			fprintf(stderr, "floor: reply %.*s", (int)n, line);
			exit(1);
		}
		if (line[3] == '-') continue; /* a continuation line */
		if (--s->pending == 0) {
			memmove(s->buf, s->buf + start, s->len - start);
			s->len -= start;
			start = 0, i = (size_t)-1;
			advance(s);
			if (s->fd < 0) return 0;
		}
	}
	memmove(s->buf, s->buf + start, s->len - start);
	s->len -= start;
	return 1;
}

int main(int argc, char **argv) {
	if (argc != 6) {
		fprintf(stderr, "usage: floor HOST PORT COUNT CONNECTIONS SIZE\n");
		return 64;
	}
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2]))};
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) die("address");
	remaining = atol(argv[3]);
	long total = remaining;
	int conns = atoi(argv[4]);
	long size = atol(argv[5]);
	if (conns < 1 || remaining < 1 || size < 1) return 64;

	/* Headers, then lines of 78 letters; the body ends with CRLF.CRLF. */
	const char *head = "From: <bench@example.test>\r\nTo: <sink@example.test>\r\nSubject: floor\r\n\r\n";
	body = malloc((size_t)size + 256);
	body_len = strlen(head);
	memcpy(body, head, body_len);
	for (long n = 0; n < size; n++) body[body_len++] = (n % 80 == 78) ? '\r' : (n % 80 == 79) ? '\n' : 'x';
	memcpy(body + body_len, "\r\n.\r\n", 5);
	body_len += 5;

	int ep = epoll_create1(0);
	if (ep < 0) die("epoll_create1");
	struct session *ss = calloc((size_t)conns, sizeof *ss);
	for (int i = 0; i < conns; i++) {
		ss[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		if (ss[i].fd < 0) die("socket");
		int one = 1;
		setsockopt(ss[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(ss[i].fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
		ss[i].state = GREETING, ss[i].pending = 1;
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &ss[i]};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, ss[i].fd, &ev) < 0) die("epoll_ctl");
	}
	int open = conns;
	struct epoll_event evs[64];
	while (open > 0) {
		int n = epoll_wait(ep, evs, 64, 60000);
		if (n < 0) {
			if (errno == EINTR) continue;
			die("epoll_wait");
		}
		if (n == 0) {
			fprintf(stderr, "floor: no reply for 60 s\n");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			struct session *s = evs[i].data.ptr;
			ssize_t r = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
			if (r <= 0) {
				if (r < 0 && errno == EINTR) continue;
				fprintf(stderr, "floor: connection lost\n");
				return 1;
			}
			s->len += (size_t)r;
			if (!consume(s)) open--;
		}
	}
	if (accepted != total) {
		fprintf(stderr, "floor: %ld of %ld accepted\n", accepted, total);
		return 1;
	}
	return 0;
}

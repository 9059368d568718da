/*
 * HTTPS on libmicrohttpd's GnuTLS.  Two halves:
 *
 *   the master   reads each --https certificate chain and key, the
 *                --tls-client-ca file and the priority string, and checks
 *                them with GnuTLS before any worker uses them: at start-up
 *                (a bad one: exit 78) and on SIGHUP (a bad one: the
 *                running workers and their certificates are kept).  The
 *                workers are forked with the files in memory, so a new
 *                generation serves the new certificate while the old one
 *                finishes its connections on the old.
 *   a worker     watches each TLS connection's handshake on its event
 *                loop (the connection's transport is ours until it
 *                closes): counts handshakes by version and failures by
 *                reason, answers plain HTTP sent to an HTTPS port with a
 *                400, and reads the client's certificate once, for the
 *                request view.
 *
 * libmicrohttpd runs the handshake itself, non-blocking, on the worker's
 * event loop (MHD_run): a connection reaches a pool thread only with a
 * complete request, after the handshake.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "poolserve.h"

#define TLS_FILE_MAX	(1024 * 1024)	/* a PEM file, at most */
#define TLS_LOG_MS	1000		/* failed handshakes: a line a second */
#define TLS_AHEAD	4096		/* a read for GnuTLS, tls_read() */

static const char	 tls_http_refusal[] =
	"HTTP/1.1 400 Bad Request\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"Content-Length: 52\r\n"
	"Connection: close\r\n"
	"\r\n"
	"400 Bad Request: this port speaks HTTPS (https://)\r\n";

/* A whole file in memory, NUL-terminated.  NULL with errno. */
static char *
tls_read_file(const char *path, size_t *lenp)
{
	char	*data = NULL, *p;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 fd, error;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			if (cap >= TLS_FILE_MAX) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap == 0 ? 8192 : cap * 2;
			if ((p = realloc(data, cap)) == NULL)
				goto fail;
			data = p;
		}
		if ((n = read(fd, data + len, cap - len - 1)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (data == NULL && (data = malloc(1)) == NULL)
		return NULL;
	data[len] = '\0';
	*lenp = len;
	return data;
fail:
	error = errno;
	close(fd);
	free(data);
	errno = error;
	return NULL;
}

/* The first certificate's subject and expiry, for the log. */
static void
tls_describe(const struct tls_cred *cr, char *buf, size_t len)
{
	gnutls_x509_crt_t	 crt;
	gnutls_datum_t		 d = { (unsigned char *)cr->cert,
				    (unsigned)cr->certlen }, dn = { NULL, 0 };
	time_t			 t;
	struct tm		 tm;
	char			 when[32] = "?";

	snprintf(buf, len, "?");
	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) == 0 &&
	    gnutls_x509_crt_get_dn3(crt, &dn, 0) == 0) {
		if ((t = gnutls_x509_crt_get_expiration_time(crt)) != -1 &&
		    gmtime_r(&t, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
		snprintf(buf, len, "%s, expires %s", (const char *)dn.data,
		    when);
		gnutls_free(dn.data);
	}
	gnutls_x509_crt_deinit(crt);
}

/*
 * One --https socket's certificate chain and key: read, and checked as
 * libmicrohttpd will use them (the key must match the first
 * certificate).  0, or -1 with one line in err.
 */
static int
tls_load_cred(struct tls_cred *cr, const struct config_https *h, char *err,
    size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t		 c, k;
	int			 rc;

	if ((cr->cert = tls_read_file(h->cert, &cr->certlen)) == NULL) {
		snprintf(err, errlen, "--https %s: certificate %s: %s",
		    h->http.spec, h->cert, strerror(errno));
		return -1;
	}
	if ((cr->key = tls_read_file(h->key, &cr->keylen)) == NULL) {
		snprintf(err, errlen, "--https %s: key %s: %s", h->http.spec,
		    h->key, strerror(errno));
		return -1;
	}
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "--https %s: out of memory",
		    h->http.spec);
		return -1;
	}
	c.data = (unsigned char *)cr->cert;
	c.size = (unsigned)cr->certlen;
	k.data = (unsigned char *)cr->key;
	k.size = (unsigned)cr->keylen;
	rc = gnutls_certificate_set_x509_key_mem2(cred, &c, &k,
	    GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_certificate_free_credentials(cred);
	if (rc < 0) {
		snprintf(err, errlen, "--https %s: certificate %s, key %s: %s",
		    h->http.spec, h->cert, h->key, gnutls_strerror(rc));
		return -1;
	}
	tls_describe(cr, cr->subject, sizeof(cr->subject));
	return 0;
}

void
tls_free(struct tls_set *ts)
{
	unsigned	 i;

	for (i = 0; i < ts->n; i++) {
		free(ts->creds[i].cert);
		free(ts->creds[i].key);
	}
	free(ts->ca);
	memset(ts, 0, sizeof(*ts));
}

/*
 * Read and check everything TLS of cfg into ts (empty first).  0; else
 * the exit status, EX_BADOPT for a priority string GnuTLS refuses,
 * EX_BADCONFIG for a file, with one line in err and ts emptied.  In the
 * master, at start-up and on SIGHUP.
 */
int
tls_load(struct tls_set *ts, const struct config *cfg, char *err,
    size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t	 prio;
	gnutls_datum_t		 d;
	const char		*pos = NULL;
	size_t			 len;
	unsigned		 i;
	int			 rc;

	memset(ts, 0, sizeof(*ts));
	if (cfg->nhttps == 0)
		return 0;
	if ((rc = gnutls_priority_init(&prio, cfg->tls_priority, &pos)) < 0) {
		snprintf(err, errlen, "--tls-priority: \"%s\": %s%s%.40s%s",
		    cfg->tls_priority, gnutls_strerror(rc),
		    pos != NULL ? " at \"" : "", pos != NULL ? pos : "",
		    pos != NULL ? "\"" : "");
		return EX_BADOPT;
	}
	gnutls_priority_deinit(prio);
	for (i = 0; i < cfg->nhttps; i++, ts->n++)
		if (tls_load_cred(&ts->creds[i], &cfg->https[i], err,
		    errlen) == -1) {
			ts->n++;
			tls_free(ts);
			return EX_BADCONFIG;
		}
	if (cfg->tls_client_ca[0] == '\0')
		return 0;
	if ((ts->ca = tls_read_file(cfg->tls_client_ca, &len)) == NULL) {
		snprintf(err, errlen, "--tls-client-ca %s: %s",
		    cfg->tls_client_ca, strerror(errno));
		tls_free(ts);
		return EX_BADCONFIG;
	}
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "--tls-client-ca: out of memory");
		tls_free(ts);
		return EX_BADCONFIG;
	}
	d.data = (unsigned char *)ts->ca;
	d.size = (unsigned)len;
	rc = gnutls_certificate_set_x509_trust_mem(cred, &d,
	    GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (rc <= 0) {
		snprintf(err, errlen, "--tls-client-ca %s: %s",
		    cfg->tls_client_ca, rc < 0 ? gnutls_strerror(rc) :
		    "no PEM certificate in it");
		tls_free(ts);
		return EX_BADCONFIG;
	}
	return 0;
}

/* The master's log line for each certificate in use. */
void
tls_log(const struct tls_set *ts, const struct config *cfg, const char *why)
{
	unsigned	 i;

	for (i = 0; i < ts->n; i++)
		log_msg("%s--https %s: %s (%s)", why, cfg->https[i].http.spec,
		    cfg->https[i].cert, ts->creds[i].subject);
}

/* --- A worker's TLS connections -------------------------------------- */

/*
 * Each transport call of the round: one that would block, or one that
 * moved bytes (or saw the end, or an error).  See tls_round().
 */
static void
tls_count(struct conn *c, ssize_t n)
{
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		c->w->tls_again++;
	else
		c->w->tls_moved++;
}

/*
 * After each round of MHD_run() on the event loop: was it a stall, every
 * TLS transport call of it a would-block and none moving a byte?
 *
 * libmicrohttpd 0.9.75 (MHD_run_tls_handshake_) leaves a connection whose
 * handshake waits for the client in its epoll "ready" list: the read that
 * would block does not clear the connection's readiness as it does once
 * the handshake is done, so MHD_get_timeout() says 0 and the loop would
 * spin on recv() returning EAGAIN for as long as any handshake waits for
 * its client, the CPU the clients and the pool threads need.  After a
 * stall the worker waits TLS_STALL_MS at most instead (worker_main): the
 * client's next flight wakes it at once, as the socket is edge-triggered
 * in libmicrohttpd's epoll set, whose descriptor is in the worker's.  The
 * bound is for what libmicrohttpd may still hold ready without a read or
 * a write (a record GnuTLS has buffered): it waits that long at most, and
 * the stalled handshakes are retried that often (10 ms: 300 of them cost
 * the worker 8% of a core, where a 1 ms bound cost 28%).
 */
void
tls_round(struct worker *w)
{
	w->tls_stalled = w->tls_again > 0 && w->tls_moved == 0;
	w->tls_again = w->tls_moved = 0;
}

/*
 * One read for GnuTLS, which asks for a record's 5-byte header and then
 * for its body: a read of up to TLS_AHEAD bytes takes both, and more
 * records if they came, and what GnuTLS did not ask for waits in
 * c->tls.ahead for its next call.  A request is then one recv() and the
 * one that would block, not three.  libmicrohttpd reads until a read
 * would block (and again after each resume), so nothing waits there
 * unseen: a read says EAGAIN only with ahead empty.  Out of memory for
 * the rest, the connection ends (ENOMEM), never losing bytes silently.
 */
static ssize_t
tls_read(struct conn *c, void *data, size_t len)
{
	static unsigned char	 buf[TLS_AHEAD];	/* the event loop's */
	size_t			 k;
	ssize_t			 n;

	if (c->tls.ahead != NULL) {
		k = c->tls.ahead_len - c->tls.ahead_off;
		if (k > len)
			k = len;
		memcpy(data, c->tls.ahead + c->tls.ahead_off, k);
		if ((c->tls.ahead_off += k) == c->tls.ahead_len) {
			free(c->tls.ahead);
			c->tls.ahead = NULL;
		}
		tls_count(c, (ssize_t)k);
		return (ssize_t)k;
	}
	if (len >= sizeof(buf)) {
		n = recv(c->fd, data, len, 0);
		tls_count(c, n);
		return n;
	}
	n = recv(c->fd, buf, sizeof(buf), 0);
	tls_count(c, n);
	if (n <= (ssize_t)len) {
		if (n > 0)
			memcpy(data, buf, (size_t)n);
		return n;
	}
	if ((c->tls.ahead = malloc((size_t)n - len)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(data, buf, len);
	memcpy(c->tls.ahead, buf + len, (size_t)n - len);
	c->tls.ahead_len = (size_t)n - len;
	c->tls.ahead_off = 0;
	return (ssize_t)len;
}

/*
 * The connection's transport while it lives: the system calls GnuTLS
 * would make, with tls_read()'s read-ahead, a look at the first byte
 * received, and a count for tls_round().  The transport pointer is the
 * struct conn, which outlives the session (see tls_conn_close()).
 */
static ssize_t
tls_pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
	struct conn	*c = p;
	char		 drain[4096];
	ssize_t		 n;
	int		 i;

	if (c == NULL) {
		errno = ECONNRESET;
		return -1;
	}
	n = tls_read(c, data, len);
	if (n <= 0 || c->tls.received)
		return n;
	c->tls.received = true;
	c->tls.first = *(unsigned char *)data;
	if (isupper(c->tls.first)) {
		/*
		 * Plain HTTP ("GET /", "POST"): say so in HTTP, having read
		 * what was sent (a close with unread data would reset the
		 * connection, and the client could lose the answer): 64 KiB
		 * at most, so that the loop stays short.  GnuTLS then fails
		 * the handshake and the connection closes.
		 */
		for (i = 0; i < 16 && recv(c->fd, drain, sizeof(drain),
		    MSG_DONTWAIT) > 0; i++)
			;
		(void)send(c->fd, tls_http_refusal,
		    sizeof(tls_http_refusal) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	return n;
}

static ssize_t
tls_push(gnutls_transport_ptr_t p, const giovec_t *iov, int iovcnt)
{
	struct conn	*c = p;
	struct msghdr	 msg;
	ssize_t		 n;

	if (c == NULL) {
		errno = EPIPE;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = (struct iovec *)(uintptr_t)iov;
	msg.msg_iovlen = (size_t)iovcnt;
	n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
	tls_count(c, n);
	return n;
}

static int
tls_pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
	struct conn	*c = p;
	struct pollfd	 pfd;

	if (c == NULL || c->tls.ahead != NULL)
		return 1;	/* the read that follows fails, or has bytes */
	pfd.fd = c->fd;
	pfd.events = POLLIN;
	return poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
}

static unsigned
tls_version_index(gnutls_protocol_t v)
{
	return v == GNUTLS_TLS1_2 ? 0 : v == GNUTLS_TLS1_3 ? 1 : 2;
}

/*
 * With --tls-client-ca: the client's certificate, verified against the
 * CAs libmicrohttpd was given; its subject when it verifies.  nginx's
 * "ssl_verify_client optional": a client without one, or with one that
 * does not verify, is served, and the application decides.
 */
static void
tls_client_cert(struct conn *c, gnutls_session_t s)
{
	const gnutls_datum_t	*list;
	gnutls_x509_crt_t	 crt;
	gnutls_datum_t		 dn = { NULL, 0 }, out = { NULL, 0 };
	unsigned		 n = 0, status = 0;
	size_t			 len;
	int			 rc;

	if (!c->w->tls_client_ca)
		return;
	if ((list = gnutls_certificate_get_peers(s, &n)) == NULL || n == 0) {
		c->tls.verify = "NONE";
		return;
	}
	if ((rc = gnutls_certificate_verify_peers2(s, &status)) < 0 ||
	    status != 0) {
		if (rc >= 0 && gnutls_certificate_verification_status_print(
		    status, GNUTLS_CRT_X509, &out, 0) == 0) {
			snprintf(c->tls.verify_buf, sizeof(c->tls.verify_buf),
			    "FAILED:%s", (const char *)out.data);
			gnutls_free(out.data);
			for (len = strlen(c->tls.verify_buf); len > 0 &&
			    c->tls.verify_buf[len - 1] == ' '; len--)
				c->tls.verify_buf[len - 1] = '\0';
		} else
			snprintf(c->tls.verify_buf, sizeof(c->tls.verify_buf),
			    "FAILED:%s", gnutls_strerror(rc));
		c->tls.verify = c->tls.verify_buf;
		return;
	}
	c->tls.verify = "SUCCESS";
	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &list[0], GNUTLS_X509_FMT_DER) == 0 &&
	    gnutls_x509_crt_get_dn3(crt, &dn, 0) == 0) {
		snprintf(c->tls.client_dn, sizeof(c->tls.client_dn), "%s",
		    (const char *)dn.data);
		gnutls_free(dn.data);
	}
	gnutls_x509_crt_deinit(crt);
}

/*
 * The server name (SNI) of a ClientHello's body, kept in bad_name when it
 * is not a host name (letters, digits, '-' and '.'): GnuTLS refuses the
 * handshake then, where OpenSSL takes any name.  Go clients such as hey
 * send the port with the name ("127.0.0.1:8443").  A message cut short
 * is left to GnuTLS.
 */
static void
tls_sni(struct conn *c, const unsigned char *p, size_t n)
{
	size_t	 off, end, type, len, i;

	off = 2 + 32;				/* version, random */
	if (off >= n || (off += 1 + p[off]) + 2 > n)	/* session id */
		return;
	off += 2 + (p[off] << 8 | p[off + 1]);	/* cipher suites */
	if (off >= n || (off += 1 + p[off]) + 2 > n)	/* compression */
		return;
	end = off + 2 + (p[off] << 8 | p[off + 1]);	/* extensions */
	for (off += 2; end <= n && off + 4 <= end; off += 4 + len) {
		type = p[off] << 8 | p[off + 1];
		len = p[off + 2] << 8 | p[off + 3];
		/* server_name: list length, name type 0, name length */
		if (type != 0 || len < 5 || off + 4 + len > end ||
		    p[off + 6] != 0)
			continue;
		len = p[off + 7] << 8 | p[off + 8];
		if (off + 9 + len > end)
			return;
		for (i = 0; i < len; i++)
			if (!isalnum(p[off + 9 + i]) && p[off + 9 + i] != '-' &&
			    p[off + 9 + i] != '.')
				break;
		if (i == len)
			return;
		if (len >= sizeof(c->tls.bad_name))
			len = sizeof(c->tls.bad_name) - 1;
		memcpy(c->tls.bad_name, p + off + 9, len);
		c->tls.bad_name[len] = '\0';
		return;
	}
}

/*
 * GnuTLS's hook around each handshake message: the client's ClientHello
 * came (before GnuTLS looks into it); our ServerHello went (a version and
 * cipher were agreed); the client's Finished came, the handshake is done
 * (a full one: libmicrohttpd keeps no sessions to resume).  On the event
 * loop.
 */
static int
tls_hook(gnutls_session_t s, unsigned int htype, unsigned when,
    unsigned int incoming, const gnutls_datum_t *msg)
{
	struct conn	*c = gnutls_db_get_ptr(s);

	if (c == NULL)
		return 0;
	if (!incoming) {
		if (htype == GNUTLS_HANDSHAKE_SERVER_HELLO)
			c->tls.agreed = true;
		return 0;
	}
	if (htype == GNUTLS_HANDSHAKE_CLIENT_HELLO) {
		if (!c->tls.hello && msg != NULL)
			tls_sni(c, msg->data, msg->size);
		c->tls.hello = true;
	} else if (htype == GNUTLS_HANDSHAKE_FINISHED &&
	    when == GNUTLS_HOOK_POST && !c->tls.done) {
		c->tls.done = true;
		c->tls.version = gnutls_protocol_get_name(
		    gnutls_protocol_get_version(s));
		atomic_fetch_add(&c->w->sw->tls_handshakes, 1);
		atomic_fetch_add(&c->w->sw->tls_version[tls_version_index(
		    gnutls_protocol_get_version(s))], 1);
		tls_client_cert(c, s);
	}
	return 0;
}

/*
 * GnuTLS's hook on each alert received: the last one, for tls_reason(),
 * which runs when the session is gone.  On the event loop.
 */
static int
tls_alert(gnutls_session_t s, gnutls_record_encryption_level_t level,
    gnutls_alert_level_t alevel, gnutls_alert_description_t desc)
{
	struct conn	*c = gnutls_db_get_ptr(s);

	(void)level;
	(void)alevel;
	if (c != NULL)
		c->tls.alert = (int)desc;
	return 0;
}

/*
 * A connection to an --https socket starts (NOTIFY_CONNECTION, before
 * libmicrohttpd reads it): take its transport and watch its handshake.
 */
void
tls_conn_start(struct conn *c, void *session)
{
	gnutls_session_t	 s = session;

	c->tls.session = session;
	c->tls.alert = -1;
	c->tls.started_ms = pool_now_ms();
	gnutls_db_set_ptr(s, c);	/* libmicrohttpd keeps no session db */
	gnutls_transport_set_ptr(s, c);
	gnutls_transport_set_pull_function(s, tls_pull);
	gnutls_transport_set_vec_push_function(s, tls_push);
	gnutls_transport_set_pull_timeout_function(s, tls_pull_timeout);
	gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_ANY,
	    GNUTLS_HOOK_BOTH, tls_hook);
	gnutls_alert_set_read_function(s, tls_alert);
}

/* Why a handshake did not finish, as counted and logged. */
static enum tls_fail
tls_reason(struct conn *c, char *why, size_t len)
{
	const char	*a;

	if (!c->tls.received) {
		snprintf(why, len, "nothing received");
		return TLS_FAIL_SILENT;
	}
	if (isupper(c->tls.first)) {
		snprintf(why, len, "plain HTTP sent to an HTTPS port "
		    "(answered 400)");
		return TLS_FAIL_HTTP;
	}
	if (c->tls.first != 22) {	/* a handshake record */
		snprintf(why, len, "not TLS (first byte 0x%02x)",
		    c->tls.first);
		return TLS_FAIL_NOT_TLS;
	}
	/* log_msg() escapes what the client sent */
	if (c->tls.hello && !c->tls.agreed && c->tls.bad_name[0] != '\0') {
		snprintf(why, len, "refused: the server name (SNI) \"%s\" is "
		    "not a host name (the port sent with it?)",
		    c->tls.bad_name);
		return TLS_FAIL_REFUSED;
	}
	if (c->tls.hello && !c->tls.agreed) {
		snprintf(why, len, "refused: the ClientHello has no version, "
		    "cipher or group of --tls-priority in common");
		return TLS_FAIL_REFUSED;
	}
	if (c->tls.agreed && c->tls.alert != -1 &&
	    c->tls.alert != GNUTLS_A_CLOSE_NOTIFY) {
		a = gnutls_alert_get_strname(
		    (gnutls_alert_description_t)c->tls.alert);
		snprintf(why, len, "the client sent %s",
		    a != NULL ? a : "an alert");
		return TLS_FAIL_CLIENT_ALERT;
	}
	snprintf(why, len, "%s, then the client left or timed out",
	    c->tls.agreed ? "a ClientHello answered" :
	    "part of a ClientHello");
	return TLS_FAIL_INCOMPLETE;
}

/*
 * A TLS connection closes (NOTIFY_CONNECTION, on the event loop): a
 * handshake that did not finish is counted by reason and logged, at most
 * one line a second for the worker.  The session must not be touched:
 * libmicrohttpd 0.9.75 (MHD_cleanup_connections) has called
 * gnutls_deinit() on it already, so GnuTLS cannot reach the struct conn
 * again either.
 */
void
tls_conn_close(struct conn *c)
{
	static uint64_t		 last;
	static unsigned		 unlogged;
	enum tls_fail		 f;
	uint64_t		 now;
	char			 why[192];

	free(c->tls.ahead);	/* bytes of a request it will not answer */
	c->tls.ahead = NULL;
	if (c->tls.session == NULL || c->tls.done)
		return;
	f = tls_reason(c, why, sizeof(why));
	atomic_fetch_add(&c->w->sw->tls_failed[f], 1);
	now = pool_now_ms();
	if (last != 0 && now - last < TLS_LOG_MS) {
		unlogged++;
		return;
	}
	log_msg("worker %u: TLS handshake with %s:%u failed after %llu ms: "
	    "%s%s", c->w->no, c->peer, c->port, (unsigned long long)(now -
	    c->tls.started_ms), why, unlogged > 0 ? "; more failed and were "
	    "counted, not logged" : "");
	last = now;
	unlogged = 0;
}

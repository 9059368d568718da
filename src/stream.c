/*
 * A streamed answer: a ring of STREAM_BUF bytes between the handler's
 * thread, which writes into it (poolserve_write) and sleeps while it is
 * full, and the event loop, whose libmicrohttpd reads it and suspends the
 * connection while it is empty.  So a response of any length holds
 * STREAM_BUF bytes at most, and a handler cannot run ahead of a slow
 * client.
 *
 * The handler's thread may still hold the request when the client goes:
 * the stream is then left by libmicrohttpd (released: the next write
 * fails with EPIPE), and the connection, closed, is freed by the handler's
 * thread when it ends (orphan).  A stream is freed when both sides are
 * done with it (refs).  A stream of a known length keeps its last byte
 * back until the handler returned, so that libmicrohttpd cannot finish
 * the response, and start the connection's next request in the same
 * struct, while the handler still uses it.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "poolserve.h"

#define STREAM_BUF	(64 * 1024)	/* the ring */

struct stream {
	pthread_mutex_t		 lock;
	pthread_cond_t		 room;		/* the ring has room */
	struct worker		*w;
	struct MHD_Connection	*mhd;
	size_t			 head, len;	/* the ring's data */
	uint64_t		 length;	/* UINT64_MAX: chunked */
	bool			 suspended;	/* waiting for data */
	bool			 ended;		/* the handler returned */
	bool			 failed;
	bool			 released;	/* libmicrohttpd is done */
	unsigned		 refs;		/* response, request */
	struct conn		*orphan;	/* closed while it ran */
	char			 buf[STREAM_BUF];
};

void
stream_unref(struct stream *s)
{
	bool	 last;

	pthread_mutex_lock(&s->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (last) {
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->room);
		free(s);
	}
}

/*
 * MHD_ContentReaderCallback, on the event loop: up to max bytes of the
 * ring.  With none yet, the connection is suspended until the handler
 * writes (returning 0 without it would make libmicrohttpd spin).
 */
static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream	*s = cls;
	size_t		 n, first;

	pthread_mutex_lock(&s->lock);
	n = s->len < max ? s->len : max;
	if (s->length != UINT64_MAX && !s->ended && n > 0 &&
	    pos + n >= s->length)
		n = (size_t)(s->length - 1 - pos);	/* the last byte waits */
	if (n == 0) {
		if (s->ended) {
			pthread_mutex_unlock(&s->lock);
			if (s->failed || (s->length != UINT64_MAX &&
			    pos < s->length))
				return MHD_CONTENT_READER_END_WITH_ERROR;
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		s->suspended = true;
		MHD_suspend_connection(s->mhd);
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	first = STREAM_BUF - s->head < n ? STREAM_BUF - s->head : n;
	memcpy(buf, s->buf + s->head, first);
	memcpy(buf + first, s->buf, n - first);
	s->head = (s->head + n) % STREAM_BUF;
	s->len -= n;
	pthread_cond_signal(&s->room);
	pthread_mutex_unlock(&s->lock);
	return (ssize_t)n;
}

/* MHD_ContentReaderFreeCallback: the response is sent or abandoned. */
static void
stream_release(void *cls)
{
	struct stream	*s = cls;

	pthread_mutex_lock(&s->lock);
	s->released = true;
	pthread_cond_broadcast(&s->room);
	pthread_mutex_unlock(&s->lock);
	stream_unref(s);
}

/* With the lock held: the loop reads again (resumed after the unlock). */
static bool
stream_wake_locked(struct stream *s)
{
	if (!s->suspended || s->released)
		return false;
	s->suspended = false;
	return true;
}

static void
stream_resume(struct stream *s)
{
	MHD_resume_connection(s->mhd);
	worker_wake(s->w);
}

/*
 * The first write: the status and headers go out now, with a response
 * that reads the stream; the connection is resumed so that libmicrohttpd
 * queues it.
 */
static int
stream_start(struct poolserve_request *r)
{
	struct worker		*w = r->conn->w;
	struct reply		*rep = &r->reply;
	struct MHD_Response	*resp;
	struct stream		*s;
	uint64_t		 length;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	length = rep->length_set ? rep->length : MHD_SIZE_UNKNOWN;
	s->w = w;
	s->mhd = r->mhd;
	s->length = rep->length_set ? rep->length : UINT64_MAX;
	s->refs = 2;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return -1;
	}
	if (pthread_cond_init(&s->room, NULL) != 0) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return -1;
	}
	reply_body_clear(rep);
	if (view_take(r) == -1) {
		s->refs = 1;
		stream_unref(s);
		return -1;
	}
	if ((resp = MHD_create_response_from_callback(length, STREAM_BLOCK,
	    stream_read, s, stream_release)) == NULL) {
		s->refs = 1;
		stream_unref(s);
		return -1;
	}
	if (reply_headers(w, rep, resp, &rep->sum, length) == -1) {
		MHD_destroy_response(resp);	/* releases one ref */
		stream_unref(s);
		return -1;
	}
	rep->kind = BODY_STREAM;
	rep->stream = s;
	r->status = rep->status;
	r->response = resp;
	r->state = REQ_REPLY;
	MHD_resume_connection(r->mhd);
	worker_wake(w);
	return 0;
}

int
poolserve_write(struct poolserve_request *r, const void *data, size_t len)
{
	struct reply	*rep = &r->reply;
	struct stream	*s;
	const char	*p = data;
	size_t		 n, tail, first;
	bool		 wake;

	if (strcmp(r->method, "HEAD") == 0) {
		reply_body_clear(rep);	/* the head only: see reply_response */
		rep->kind = BODY_HEAD;
		return 0;
	}
	if (rep->length_set && len > rep->length - rep->streamed) {
		errno = EMSGSIZE;	/* past its Content-Length */
		return -1;
	}
	if (rep->stream == NULL && stream_start(r) == -1)
		return -1;
	s = rep->stream;
	pthread_mutex_lock(&s->lock);
	while (len > 0) {
		if (s->released) {
			pthread_mutex_unlock(&s->lock);
			errno = EPIPE;
			return -1;
		}
		if (s->len == STREAM_BUF) {
			pthread_cond_wait(&s->room, &s->lock);
			continue;
		}
		n = STREAM_BUF - s->len < len ? STREAM_BUF - s->len : len;
		tail = (s->head + s->len) % STREAM_BUF;
		first = STREAM_BUF - tail < n ? STREAM_BUF - tail : n;
		memcpy(s->buf + tail, p, first);
		memcpy(s->buf, p + first, n - first);
		s->len += n;
		p += n;
		len -= n;
		rep->streamed += n;
		if ((wake = stream_wake_locked(s))) {
			pthread_mutex_unlock(&s->lock);
			stream_resume(s);
			pthread_mutex_lock(&s->lock);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/*
 * The handler returned: the end of the stream (or an error that closes
 * the connection).  The last thing the handler's thread does with r: the
 * connection may go on to its next request as soon as the lock is let go.
 * Returns the connection if it closed meanwhile: the caller frees it.
 */
struct conn *
stream_end(struct poolserve_request *r, bool failed)
{
	struct stream	*s = r->reply.stream;
	struct conn	*orphan;
	bool		 wake;

	pthread_mutex_lock(&s->lock);
	s->ended = true;
	s->failed = failed;
	orphan = s->orphan;
	wake = stream_wake_locked(s);
	pthread_mutex_unlock(&s->lock);
	if (wake)
		stream_resume(s);
	return orphan;
}

/*
 * The connection closed (event loop).  True when a handler still writes
 * its stream: the handler's thread frees the connection when it ends.
 */
bool
stream_orphan(struct conn *c)
{
	struct stream	*s = c->req.reply.stream;
	bool		 running;

	if (s == NULL)
		return false;
	pthread_mutex_lock(&s->lock);
	if ((running = !s->ended))
		s->orphan = c;
	pthread_mutex_unlock(&s->lock);
	return running;
}

/*
 * The functions of <poolserve/poolserve.h> an application answers
 * through, and log.c's and stats.c's that the lab calls, provided over
 * one request held in lr, so that an application's handle function runs
 * without a server.  Shared by the unit program tests/test_lab.c and the
 * fuzzing harness fuzz/lab.c; single-threaded.  The program fills lr's
 * request half (lr.status 200, the default, before each request) and
 * reads the answer half; reply_fake_done() frees it.
 */
#ifndef REPLY_FAKE_H
#define REPLY_FAKE_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolserve.h"

#define REPLY_FAKE_ARGS	16

static struct {
	/* the request */
	const char	*method;
	const char	*path;
	struct {
		const char	*key;
		const char	*value;	/* NULL: "key" without '=' */
	}		 args[REPLY_FAKE_ARGS];
	unsigned	 nargs;
	const char	*body;
	size_t		 body_len;
	const char	*thread;	/* the pool thread's name */
	void		*thread_data;
	/* the answer */
	unsigned	 status;
	char		*out;		/* the body, malloc'd, NUL-terminated */
	size_t		 out_len;
	char		 allow[64];
	char		 type[64];
	unsigned	 other_headers;	/* set but not Allow, Content-Type */
	char		 log[2048];	/* log_app() lines, while room lasts */
} lr;

static void
reply_fake_done(void)
{
	free(lr.out);
	memset(&lr, 0, sizeof(lr));
}

const char *
poolserve_method(const struct poolserve_request *r)
{
	(void)r;
	return lr.method;
}

const char *
poolserve_path(const struct poolserve_request *r)
{
	(void)r;
	return lr.path;
}

const char *
poolserve_arg(const struct poolserve_request *r, const char *key)
{
	unsigned	 i;

	(void)r;
	for (i = 0; i < lr.nargs; i++)
		if (strcmp(lr.args[i].key, key) == 0)
			return lr.args[i].value;
	return NULL;
}

const void *
poolserve_body(const struct poolserve_request *r, size_t *len)
{
	(void)r;
	*len = lr.body_len;
	return lr.body != NULL ? lr.body : "";
}

const char *
poolserve_thread_name(const struct poolserve_request *r)
{
	(void)r;
	return lr.thread != NULL ? lr.thread : "w1c0";
}

void *
poolserve_thread_data(const struct poolserve_request *r)
{
	(void)r;
	return lr.thread_data;
}

int
poolserve_add_header(struct poolserve_request *r, const char *name,
    const char *value)
{
	(void)r;
	if (strcmp(name, "Allow") == 0)
		snprintf(lr.allow, sizeof(lr.allow), "%s", value);
	else if (strcmp(name, "Content-Type") == 0)
		snprintf(lr.type, sizeof(lr.type), "%s", value);
	else
		lr.other_headers++;
	return 0;
}

int
poolserve_body_static(struct poolserve_request *r, const void *data,
    size_t len)
{
	(void)r;
	free(lr.out);
	if ((lr.out = malloc(len + 1)) == NULL)
		abort();
	memcpy(lr.out, data, len);
	lr.out[len] = '\0';
	lr.out_len = len;
	return 0;
}

int
poolserve_respond(struct poolserve_request *r, unsigned status,
    const char *type, const void *body, size_t len)
{
	lr.status = status;
	snprintf(lr.type, sizeof(lr.type), "%s", type);
	return poolserve_body_static(r, body, len);
}

int
poolserve_respondf(struct poolserve_request *r, unsigned status,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	lr.status = status;
	poolserve_body_static(r, s, (size_t)n);
	free(s);
	return 0;
}

/* log.c's: the line is formatted and kept while there is room. */
void
log_app(const char *fmt, ...)
{
	size_t	 n = strlen(lr.log);
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(lr.log + n, sizeof(lr.log) - n, fmt, ap);
	va_end(ap);
	n = strlen(lr.log);
	snprintf(lr.log + n, sizeof(lr.log) - n, "\n");
}

size_t
log_timestamp(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "2026-11-30T12:00:00.000000");
}

/* stats.c's, over the table the program makes (no stats.c linked). */
struct stats_thread *
stats_thread(struct stats *st, unsigned worker, unsigned core)
{
	return &st->thread_tables[(worker - 1) * st->threads + core];
}

#endif /* REPLY_FAKE_H */

/*
 * What poolserve-stat shows: the lines of the table (--once and the live
 * screen), the document made safe for a terminal (--json) and the CSV
 * lines (--watch-csv), from samples already read.  No I/O but the FILE
 * a CSV line is written to.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stat.h"

void
frame_free(struct frame *f)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		free(f->text[i]);
	free(f->text);
	free(f->bold);
	memset(f, 0, sizeof(*f));
}

static void
frame_add(struct frame *f, bool bold, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
frame_add(struct frame *f, bool bold, const char *fmt, ...)
{
	char	 buf[VIEW_LINE_MAX], **nt;
	bool	*nb;
	size_t	 ncap, n;
	va_list	 ap;

	if (f->n == f->cap) {
		ncap = f->cap == 0 ? 64 : f->cap * 2;
		if ((nt = reallocarray(f->text, ncap, sizeof(*nt))) == NULL)
			return;
		f->text = nt;
		if ((nb = reallocarray(f->bold, ncap, sizeof(*nb))) == NULL)
			return;
		f->bold = nb;
		f->cap = ncap;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (f->cols > 0 && strlen(buf) > (size_t)f->cols)
		buf[f->cols] = '\0';
	for (n = strlen(buf); n > 0 && buf[n - 1] == ' '; n--)
		buf[n - 1] = '\0';
	if ((f->text[f->n] = strdup(buf)) == NULL)
		return;
	f->bold[f->n++] = bold;
}

static void
view_uptime(char *buf, size_t len, long long s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, len, "%lldd %02lld:%02lld:%02lld", s / 86400,
		    s / 3600 % 24, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%02lld:%02lld:%02lld", s / 3600,
		    s / 60 % 60, s % 60);
}

static void
view_rate(char *buf, size_t len, double rate)
{
	if (rate < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", rate);
}

/*
 * Lines for sample s, with rates against prev (may be NULL); note is a
 * refresh error shown under the header, or NULL.
 */
void
view_build(struct frame *f, const struct snap *s, const struct snap *prev,
    const char *note)
{
	const struct snap_worker	*w, *pw;
	const struct core	*c;
	char			 up[32], rate[32], q[256], avg[32], rss[32];
	size_t			 i, k, n;
	double			 dt = prev != NULL ? s->mono - prev->mono : 0;

	view_uptime(up, sizeof(up), s->uptime);
	view_rate(rate, sizeof(rate), prev != NULL ?
	    snap_rate(s->requests, prev->requests, dt) : -1);
	frame_add(f, true, "poolserve %s - master pid %lld - up %s - %lld %s "
	    "x %lld %s", s->version, s->master_pid, up, s->processes,
	    s->processes == 1 ? "process" : "processes", s->threads,
	    s->threads == 1 ? "thread" : "threads");
	frame_add(f, true, "requests %lld - %s req/s - in progress %lld/%.0f - "
	    "waiting in process %lld", s->requests, rate, s->in_progress,
	    (double)s->processes * s->threads, s->waiting);
	q[0] = '\0';
	for (i = 0, n = 0; i < s->nsocks && n < sizeof(q); i++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "%s%s %lld/%lld",
		    i > 0 ? ", " : "", s->socks[i].name,
		    s->socks[i].listen_queue, s->socks[i].listen_queue_max);
	frame_add(f, true, "listen queue %s", s->nsocks > 0 ? q : "-");
	if (note != NULL)
		frame_add(f, false, "! %s", note);
	frame_add(f, false, "%s", "");

	frame_add(f, true, "%3s %7s %-6s %9s %8s %8s %8s %4s %4s %7s",
	    "WID", "PID", "STATUS", "REQUESTS", "REQ/S", "AVG ms", "RSS MB",
	    "RUN", "WAIT", "RESPAWN");
	for (i = 0; i < s->nworkers; i++) {
		w = &s->workers[i];
		pw = NULL;
		for (k = 0; prev != NULL && k < prev->nworkers; k++)
			if (prev->workers[k].id == w->id &&
			    prev->workers[k].pid == w->pid)
				pw = &prev->workers[k];
		view_rate(rate, sizeof(rate), pw != NULL ?
		    snap_rate(w->requests, pw->requests, dt) : -1);
		snprintf(avg, sizeof(avg), "%.1f", w->avg_rt / 1000.0);
		snprintf(rss, sizeof(rss), "%.1f", w->rss / 1048576.0);
		frame_add(f, false, "%3lld %7lld %-6s %9lld %8s %8s %8s %4lld "
		    "%4lld %7lld", w->id, w->pid, w->status, w->requests, rate,
		    avg, rss, w->running, w->waiting, w->respawn_count);
	}
	frame_add(f, false, "%s", "");

	frame_add(f, true, "%3s %-10s %-5s %4s %9s %10s  %s", "WID", "CORE",
	    "STATE", "LAST", "REQUESTS", "RUNNING ms", "REQUEST");
	for (i = 0; i < s->nworkers; i++) {
		w = &s->workers[i];
		for (k = 0; k < w->ncores; k++) {
			c = &w->cores[k];
			snprintf(q, sizeof(q), "%lld", c->last_status);
			frame_add(f, false, "%3lld %-10s %-5s %4s %9lld "
			    "%10lld  %s%s%s", w->id, c->name,
			    c->in_request ? "busy" : "idle",
			    c->last_status > 0 ? q : "-", c->requests,
			    c->running_ms, c->in_request ? c->method : "",
			    c->in_request ? " " : "",
			    c->in_request ? c->uri : "");
		}
	}
}

/*
 * A JSON text that json_parse() accepted, made safe for a terminal: the
 * same document in printable ASCII.  In strings every byte outside
 * 0x20-0x7e becomes a \u escape (a character outside the BMP a
 * surrogate pair, bytes that are not UTF-8 U+FFFD), so no C1 control
 * (0x80-0x9f, or U+0080-U+009F in UTF-8) or other escape sequence
 * reaches the terminal raw; outside strings only space, tab and newline
 * are kept.  NULL when out of memory.
 */
char *
view_json(const char *in, size_t len, size_t *outlen)
{
	const unsigned char	*p = (const unsigned char *)in;
	char			*out, *o;
	unsigned		 cp;
	size_t			 i, k;
	bool			 str = false;

	/* 12 bytes (a surrogate pair) for 4 in, 6 for 1 at most */
	if (len > (SIZE_MAX - 1) / 6 || (out = malloc(len * 6 + 1)) == NULL)
		return NULL;
	for (o = out, i = 0; i < len; i++) {
		if (!str) {
			if (p[i] == '"')
				str = true;
			if ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\t' ||
			    p[i] == '\n')
				*o++ = (char)p[i];
			continue;
		}
		if (p[i] == '\\' && i + 1 < len) {
			*o++ = (char)p[i++];
			*o++ = (char)p[i];
			continue;
		}
		if (p[i] == '"')
			str = false;
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			*o++ = (char)p[i];
			continue;
		}
		if (p[i] < 0x80)
			cp = p[i];
		else if ((k = json_utf8_get(p + i, len - i, &cp)) != 0)
			i += k - 1;
		else
			cp = 0xfffd;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			o += sprintf(o, "\\u%04x\\u%04x", 0xd800 + (cp >> 10),
			    0xdc00 + (cp & 0x3ff));
		} else
			o += sprintf(o, "\\u%04x", cp);
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

/*
 * A --watch-csv line for s to out, after the header when prev is NULL
 * (the first sample: its rate is 0).
 */
void
view_csv(FILE *out, const struct snap *s, const struct snap *prev)
{
	double		 rate = 0;
	long long	 lq;
	size_t		 i;

	if (prev == NULL)
		fprintf(out, "time,in_progress,listen_queue,waiting,"
		    "req_per_s\n");
	for (lq = 0, i = 0; i < s->nsocks; i++)
		lq = lq > LLONG_MAX - s->socks[i].listen_queue ?
		    LLONG_MAX : lq + s->socks[i].listen_queue;
	if (prev != NULL)
		rate = snap_rate(s->requests, prev->requests,
		    s->mono - prev->mono);
	fprintf(out, "%.3f,%lld,%lld,%lld,%.1f\n", s->wall, s->in_progress,
	    lq, s->waiting, rate < 0 ? 0.0 : rate);
}

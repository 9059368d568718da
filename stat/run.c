/*
 * poolserve-stat's modes: --once, --json, --watch-csv and the live
 * view, each a loop of fetch (fetch.c), show (view.c, term.c) and wait.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stat.h"

int
run_once(const struct target *t)
{
	struct snap	 s;
	struct frame	 f;
	char		 err[256];
	size_t		 i;

	if (fetch_snap(t, &s, err, sizeof(err)) == -1) {
		fprintf(stderr, "poolserve-stat: %s: %s\n", t->name, err);
		return 1;
	}
	memset(&f, 0, sizeof(f));
	view_build(&f, &s, NULL, NULL);
	for (i = 0; i < f.n; i++)
		printf("%s\n", f.text[i]);
	frame_free(&f);
	snap_free(&s);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "poolserve-stat: stdout: %s\n",
		    strerror(errno));
		return 1;
	}
	return 0;
}

int
run_json(const struct target *t)
{
	char	 err[256], *body, *safe;
	size_t	 len, slen;

	if (fetch_json(t, &body, &len, err, sizeof(err)) == -1) {
		fprintf(stderr, "poolserve-stat: %s: %s\n", t->name, err);
		return 1;
	}
	safe = view_json(body, len, &slen);
	free(body);
	if (safe == NULL) {
		fprintf(stderr, "poolserve-stat: %s: out of memory\n",
		    t->name);
		return 1;
	}
	if (fwrite(safe, 1, slen, stdout) != slen || fflush(stdout) == EOF) {
		fprintf(stderr, "poolserve-stat: stdout: %s\n",
		    strerror(errno));
		free(safe);
		return 1;
	}
	free(safe);
	return 0;
}

/* Sleep until the monotonic time until, or a quit signal. */
static void
run_sleep(double until)
{
	double	 left;

	while (!got_quit && (left = until - clock_mono()) > 0)
		(void)stat_poll(NULL, 0, (int)(left * 1000) + 1);
}

int
run_csv(const struct target *t, double interval)
{
	struct snap	 s, prev;
	char		 err[256];
	double		 next;
	bool		 first = true;

	memset(&prev, 0, sizeof(prev));
	next = clock_mono();
	for (;;) {
		run_sleep(next);
		if (got_quit)
			break;
		if (fetch_snap(t, &s, err, sizeof(err)) == -1) {
			if (got_quit)
				break;
			fprintf(stderr, "poolserve-stat: %s: %s\n", t->name,
			    err);
			snap_free(&prev);
			return 1;
		}
		view_csv(stdout, &s, first ? NULL : &prev);
		if (fflush(stdout) == EOF) {
			fprintf(stderr, "poolserve-stat: stdout: %s\n",
			    strerror(errno));
			snap_free(&s);
			snap_free(&prev);
			return 1;
		}
		snap_free(&prev);
		prev = s;
		first = false;
		/* a fixed rate; ticks missed by a slow answer are skipped */
		next += interval;
		while (next <= clock_mono())
			next += interval;
	}
	snap_free(&prev);
	return 0;
}

/* Keys typed in the live view; -1 when stdin is closed. */
static int
run_keys(void)
{
	char	 buf[64];
	ssize_t	 n, i;

	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;
	for (i = 0; i < n; i++)
		if (buf[i] == 'q' || buf[i] == 'Q')
			got_quit = 1;
	return 0;
}

/*
 * The live view.  The first sample is taken before the screen is
 * switched, so a wrong address is a plain one-line error; later failures
 * are shown on the screen and retried at every tick.
 */
int
run_live(const struct target *t, double interval)
{
	struct term	 tm;
	struct snap	 s, cur, prev;
	struct frame	 f;
	struct pollfd	 pfd;
	const char	*nc;
	char		 err[256], note[300];
	double		 next, left;
	bool		 have_prev = false, have_note = false, keys;

	if (fetch_snap(t, &cur, err, sizeof(err)) == -1) {
		fprintf(stderr, "poolserve-stat: %s: %s\n", t->name, err);
		return 1;
	}
	memset(&prev, 0, sizeof(prev));
	memset(&tm, 0, sizeof(tm));
	nc = getenv("NO_COLOR");
	tm.bold = nc == NULL || nc[0] == '\0';
	keys = true;
	sig_install(SIGWINCH);
	sig_install(SIGTSTP);
	term_size(&tm);
	term_enter(&tm);
	next = clock_mono() + interval;
	for (;;) {
		memset(&f, 0, sizeof(f));
		f.cols = tm.cols;
		view_build(&f, &cur, have_prev ? &prev : NULL,
		    have_note ? note : NULL);
		term_draw(&tm, &f);
		frame_free(&f);

		for (;;) {
			if (got_quit)
				goto out;
			if (got_tstp) {
				got_tstp = 0;
				term_leave(&tm);
				sig_stop_self();
				term_size(&tm);
				term_enter(&tm);
				break;
			}
			if (got_winch) {
				got_winch = 0;
				term_size(&tm);
				break;
			}
			if ((left = next - clock_mono()) <= 0) {
				if (fetch_snap(t, &s, err, sizeof(err)) == -1) {
					if (got_quit)
						goto out;
					snprintf(note, sizeof(note), "%s "
					    "(retrying every %g s)", err,
					    interval);
					have_note = true;
				} else {
					snap_free(&prev);
					prev = cur;
					cur = s;
					have_prev = true;
					have_note = false;
				}
				next += interval;
				while (next <= clock_mono())
					next += interval;
				break;
			}
			pfd.fd = STDIN_FILENO;
			pfd.events = POLLIN;
			pfd.revents = 0;
			if (stat_poll(&pfd, keys ? 1 : 0,
			    (int)(left * 1000) + 1) > 0 && run_keys() == -1)
				keys = false;
		}
	}
out:
	term_leave(&tm);
	snap_free(&cur);
	snap_free(&prev);
	return 0;
}

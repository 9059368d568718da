/*
 * The terminal of the live view: alternate screen, hidden cursor, stdin
 * without echo or line buffering, all of it undone by term_leave() on
 * every way out; a frame drawn with ANSI sequences in one write.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/ioctl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "stat.h"

void
term_size(struct term *tm)
{
	struct winsize	 ws;

	tm->rows = 24;
	tm->cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		tm->rows = ws.ws_row;
		tm->cols = ws.ws_col;
	}
}

void
term_enter(struct term *tm)
{
	static const char	 seq[] = "\033[?1049h\033[?25l\033[H\033[2J";
	struct termios		 raw;

	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tm->orig) == 0) {
		tm->saved = true;
		raw = tm->orig;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	if (out_write(STDOUT_FILENO, seq, sizeof(seq) - 1) == -1)
		got_quit = 1;
	tm->active = true;
}

void
term_leave(struct term *tm)
{
	static const char	 seq[] = "\033[0m\033[?25h\033[?1049l";

	if (tm->active)
		(void)out_write(STDOUT_FILENO, seq, sizeof(seq) - 1);
	if (tm->saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &tm->orig);
	tm->active = tm->saved = false;
}

static int
term_append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t	 n = strlen(s);
	char	*nb;

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		if ((nb = realloc(*buf, *cap)) == NULL)
			return -1;
		*buf = nb;
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
	return 0;
}

/*
 * The bytes that draw frame f from the top left: NULL when out of
 * memory.  Lines shorter than the width end with erase-to-end-of-line
 * (not full ones: at the last column it would erase their last
 * character); no newline after the last row, so the screen never
 * scrolls.  The only control sequences are these: the lines are
 * printable already (snap.c, view.c).
 */
char *
term_frame(const struct term *tm, const struct frame *f, size_t *lenp)
{
	char		*buf = NULL, more[64];
	size_t		 len = 0, cap = 0, i, shown, total;
	const char	*text;
	bool		 cut, bold;
	int		 rc = 0;

	rc |= term_append(&buf, &len, &cap, "\033[H");
	if (tm->cols < VIEW_MIN_COLS) {
		snprintf(more, sizeof(more), "terminal too narrow, need %d",
		    VIEW_MIN_COLS);
		if (strlen(more) > (size_t)tm->cols)
			more[tm->cols] = '\0';
		rc |= term_append(&buf, &len, &cap, more);
		if (strlen(more) < (size_t)tm->cols)
			rc |= term_append(&buf, &len, &cap, "\033[K");
		if (tm->rows > 1)
			rc |= term_append(&buf, &len, &cap, "\r\n\033[J");
		goto out;
	}
	cut = f->n > (size_t)tm->rows;
	shown = cut ? (size_t)tm->rows - 1 : f->n;
	total = shown + (cut ? 1 : 0);
	for (i = 0; i < total; i++) {
		bold = i < shown && f->bold[i] && tm->bold;
		if (i == shown) {
			snprintf(more, sizeof(more), "... %zu more lines",
			    f->n - shown);
			text = more;
		} else
			text = f->text[i];
		if (bold)
			rc |= term_append(&buf, &len, &cap, "\033[1m");
		rc |= term_append(&buf, &len, &cap, text);
		if (bold)
			rc |= term_append(&buf, &len, &cap, "\033[0m");
		if (strlen(text) < (size_t)tm->cols)
			rc |= term_append(&buf, &len, &cap, "\033[K");
		if (i + 1 < total)
			rc |= term_append(&buf, &len, &cap, "\r\n");
	}
	if (total < (size_t)tm->rows)
		rc |= term_append(&buf, &len, &cap, "\r\n\033[J");
out:
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}

/* Draw frame f, one write; a terminal gone sets got_quit. */
void
term_draw(struct term *tm, const struct frame *f)
{
	char	*buf;
	size_t	 len;

	if ((buf = term_frame(tm, f, &len)) != NULL &&
	    out_write(STDOUT_FILENO, buf, len) == -1)
		got_quit = 1;
	free(buf);
}

/*
 * poolserve-stat's source, included whole so that its static parsers can
 * be called; its main() is renamed.  A harness may define macros for the
 * system calls it replaces before including this file.  The screen is
 * written through stat_write(), captured in stat_screen.
 */
#ifndef FUZZ_STAT_INCLUDE_H
#define FUZZ_STAT_INCLUDE_H

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

static char	*stat_screen;
static size_t	 stat_screen_len, stat_screen_cap;

/* write(2) for poolserve-stat's output: standard output is captured. */
static ssize_t
stat_write(int fd, const void *buf, size_t len)
{
	char	*nb;

	if (fd != STDOUT_FILENO)
		return write(fd, buf, len);
	if (stat_screen_len + len + 1 > stat_screen_cap) {
		stat_screen_cap = (stat_screen_len + len + 1) * 2;
		if ((nb = realloc(stat_screen, stat_screen_cap)) == NULL)
			abort();
		stat_screen = nb;
	}
	memcpy(stat_screen + stat_screen_len, buf, len);
	stat_screen_len += len;
	stat_screen[stat_screen_len] = '\0';
	return (ssize_t)len;
}

int	poolserve_stat_main(int, char **);

#define write	stat_write
#define main	poolserve_stat_main
#include "../src/poolserve_stat.c"
#undef main
#undef write

/*
 * The screen holds only the sequences term_draw() writes itself: no
 * byte from the server may move the cursor or change the terminal.
 */
static inline void
stat_screen_check(void)
{
	static const char	*seqs[] = { "\033[H", "\033[1m", "\033[0m",
				    "\033[K", "\033[J", "\r\n" };
	const char		*p = stat_screen;
	size_t			 i, n;

	if (p == NULL)
		return;
	while (*p != '\0') {
		for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
			n = strlen(seqs[i]);
			if (strncmp(p, seqs[i], n) == 0)
				break;
		}
		if (i < sizeof(seqs) / sizeof(seqs[0])) {
			p += n;
			continue;
		}
		FUZZ_ASSERT((unsigned char)*p >= 0x20 &&
		    (unsigned char)*p <= 0x7e);
		p++;
	}
	stat_screen_len = 0;
	stat_screen[0] = '\0';
}

/* Every line of a frame is printable ASCII. */
static inline void
stat_frame_check(const struct frame *f)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		FUZZ_ASSERT(fuzz_printable(f->text[i], strlen(f->text[i])));
}

#endif /* FUZZ_STAT_INCLUDE_H */

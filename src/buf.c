/*
 * A growing string for the statistics' documents: printf into it, JSON
 * strings escaped.  A failed allocation marks it failed; the caller then
 * answers nothing rather than half a document.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolserve.h"

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	size_t	 cap;
	char	*nd;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		/* no NULL + 0 (undefined) before the first realloc */
		n = vsnprintf(b->data != NULL ? b->data + b->len : NULL,
		    b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		cap = b->cap != 0 ? b->cap * 2 : 4096;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		if ((nd = realloc(b->data, cap)) == NULL) {
			b->failed = true;
			return;
		}
		b->data = nd;
		b->cap = cap;
	}
}

/* A JSON string: quotes, backslashes and every byte outside 0x20-0x7e escaped. */
void
buf_json_string(struct buf *b, const char *s)
{
	unsigned char	 c;

	buf_printf(b, "\"");
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			buf_printf(b, "\\u%04x", c);
		else
			buf_printf(b, "%c", c);
	}
	buf_printf(b, "\"");
}

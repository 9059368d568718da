/*
 * Media types by file name, for the static files application: the
 * system's /etc/mime.types (Debian's media-types package) read once per
 * worker, with a small built-in table for what it lacks or when it
 * cannot be read.  Text types are served with "; charset=utf-8".  The
 * table is read-only once mime_load returns.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "poolserve.h"

#define MIME_EXT_MAX	32	/* longest extension looked up */
#define MIME_CHARSET	"; charset=utf-8"

struct mime {
	const char	*ext;
	const char	*type;		/* with MIME_CHARSET when text */
	size_t		 seq;		/* the order read: the first wins */
};

/* Used when /etc/mime.types lacks an extension or cannot be read. */
static const struct mime mime_builtin[] = {
	{ "css", "text/css", 0 },
	{ "gif", "image/gif", 0 },
	{ "htm", "text/html", 0 },
	{ "html", "text/html", 0 },
	{ "ico", "image/vnd.microsoft.icon", 0 },
	{ "jpeg", "image/jpeg", 0 },
	{ "jpg", "image/jpeg", 0 },
	{ "js", "text/javascript", 0 },
	{ "json", "application/json", 0 },
	{ "mjs", "text/javascript", 0 },
	{ "pdf", "application/pdf", 0 },
	{ "png", "image/png", 0 },
	{ "svg", "image/svg+xml", 0 },
	{ "txt", "text/plain", 0 },
	{ "wasm", "application/wasm", 0 },
	{ "xml", "application/xml", 0 },
};

/* For bsearch: by extension, case-insensitive. */
static int
mime_cmp(const void *a, const void *b)
{
	const struct mime	*ma = a, *mb = b;

	return strcasecmp(ma->ext, mb->ext);
}

/* For qsort: by extension, then in the order read. */
static int
mime_order(const void *a, const void *b)
{
	const struct mime	*ma = a, *mb = b;
	int				 c;

	if ((c = strcasecmp(ma->ext, mb->ext)) != 0)
		return c;
	return ma->seq < mb->seq ? -1 : ma->seq > mb->seq;
}

/* Text gets a charset; so do the application types that are text. */
static bool
mime_text(const char *type)
{
	return strncasecmp(type, "text/", 5) == 0 ||
	    strcasecmp(type, "application/javascript") == 0 ||
	    strcasecmp(type, "application/json") == 0 ||
	    strcasecmp(type, "application/xml") == 0 ||
	    strcasecmp(type, "image/svg+xml") == 0;
}

/*
 * The type as served: type itself, or "text/css; charset=utf-8" made and
 * kept in t->strings for mime_free.  NULL: out of memory.
 */
static const char *
mime_served(struct mime_table *t, const char *type)
{
	char	**n, *s;

	if (!mime_text(type))
		return type;
	if ((n = reallocarray(t->strings, t->nstrings + 1,
	    sizeof(*n))) == NULL)
		return NULL;
	t->strings = n;
	if (asprintf(&s, "%s%s", type, MIME_CHARSET) == -1)
		return NULL;
	t->strings[t->nstrings++] = s;
	return s;
}

static int
mime_add(struct mime_table *t, size_t *cap, const char *ext,
    const char *type)
{
	struct mime	*n;

	if (t->n == *cap) {
		*cap = *cap == 0 ? 1024 : *cap * 2;
		if ((n = reallocarray(t->m, *cap, sizeof(*n))) == NULL)
			return -1;
		t->m = n;
	}
	t->m[t->n].ext = ext;
	t->m[t->n].type = type;
	t->m[t->n].seq = t->n;
	t->n++;
	return 0;
}

/*
 * Read /etc/mime.types ("type ext ext ...", '#' comments) whole, cut it in
 * place, then add the built-in table, into one array sorted by extension;
 * for an extension named twice the first wins (so the file before the
 * built-in table).  Called once per worker, by static_init.  A file that
 * cannot be read is logged and the built-in table serves alone.  -1 only
 * when memory ran out.
 */
int
mime_load(struct mime_table *t, const char *file)
{
	FILE		*fp;
	char		*line, *type, *ext, *lp, *tp;
	const char	*served;
	size_t		 cap = 0, bufcap = 0, i, j;

	if ((fp = fopen(file, "re")) == NULL)
		log_msg("static: %s: %s; built-in media types only", file,
		    strerror(errno));
	else {
		/* The whole file: it holds no NUL. */
		if (getdelim(&t->types, &bufcap, '\0', fp) == -1) {
			if (ferror(fp))
				log_msg("static: %s: read error; built-in "
				    "media types only", file);
			free(t->types);	/* empty, or unreadable */
			t->types = NULL;
		}
		fclose(fp);
	}
	for (line = t->types == NULL ? NULL : strtok_r(t->types, "\n",
	    &lp); line != NULL; line = strtok_r(NULL, "\n", &lp)) {
		if ((tp = strchr(line, '#')) != NULL)
			*tp = '\0';
		if ((type = strtok_r(line, " \t\r", &tp)) == NULL)
			continue;
		served = NULL;
		while ((ext = strtok_r(NULL, " \t\r", &tp)) != NULL) {
			if (served == NULL &&
			    (served = mime_served(t, type)) == NULL)
				return -1;
			if (mime_add(t, &cap, ext, served) == -1)
				return -1;
		}
	}
	for (i = 0; i < sizeof(mime_builtin) / sizeof(mime_builtin[0]);
	    i++)
		if ((served = mime_served(t, mime_builtin[i].type)) ==
		    NULL || mime_add(t, &cap, mime_builtin[i].ext,
		    served) == -1)
			return -1;
	qsort(t->m, t->n, sizeof(*t->m), mime_order);
	for (i = 0, j = 0; i < t->n; i++)
		if (j == 0 || strcasecmp(t->m[j - 1].ext,
		    t->m[i].ext) != 0)
			t->m[j++] = t->m[i];
	t->n = j;
	return 0;
}

/*
 * The Content-Type of a file name by its longest known extension:
 * "a.tm.json" tries "tm.json", then "json".  A leading dot does not start
 * an extension.
 */
const char *
mime_lookup(const struct mime_table *t, const char *name)
{
	struct mime	 key, *m;
	const char		*p;

	for (p = strchr(name + (name[0] == '.'), '.'); p != NULL;
	    p = strchr(p + 1, '.')) {
		if (p[1] == '\0' || strlen(p + 1) > MIME_EXT_MAX)
			continue;
		key.ext = p + 1;
		if ((m = bsearch(&key, t->m, t->n, sizeof(*m),
		    mime_cmp)) != NULL)
			return m->type;
	}
	return MIME_DEFAULT_TYPE;
}

void
mime_free(struct mime_table *t)
{
	size_t	 i;

	for (i = 0; i < t->nstrings; i++)
		free(t->strings[i]);
	free(t->strings);
	free(t->m);
	free(t->types);
	memset(t, 0, sizeof(*t));
}

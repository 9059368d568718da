/*
 * The bounded parsers every option, route parameter and header value
 * goes through: config_number(), config_seconds(), config_parse_addr().
 * The input is one string.  Each result is checked against what the
 * string spells: a number is accepted exactly when it is plain decimal
 * within range, an address round-trips through its text form.
 */
#include "config.h"

#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>

#include "poolserve.h"
#include "fuzz.h"

/* Digits only, at least one. */
static int
numbers_decimal(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
}

static void
numbers_number(const char *s)
{
	static const unsigned long long	 range[][2] = {
		{ 0, ULLONG_MAX }, { 1, 65535 }, { 1024, 1048576 },
		{ 0, 999999999999999999ULL },
	};
	unsigned long long		 v, want;
	char				 text[32];
	const char			*sig;
	size_t				 i;
	int				 ok;

	for (i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
		v = 12345;
		ok = config_number(s, range[i][0], range[i][1], &v) == 0;
		if (!numbers_decimal(s)) {
			FUZZ_ASSERT(!ok);
			FUZZ_ASSERT(v == 12345);	/* *out untouched */
			continue;
		}
		for (sig = s; sig[0] == '0' && sig[1] != '\0'; sig++)
			;
		errno = 0;
		want = strtoull(s, NULL, 10);
		if (strlen(sig) > 20 || errno == ERANGE) {
			FUZZ_ASSERT(!ok);
			continue;
		}
		FUZZ_ASSERT(ok == (want >= range[i][0] &&
		    want <= range[i][1]));
		if (ok) {
			FUZZ_ASSERT(v == want);
			snprintf(text, sizeof(text), "%llu", v);
			FUZZ_ASSERT(strcmp(text, sig) == 0);
		}
	}
}

/* digits [ . digits ] */
static int
numbers_seconds_form(const char *s)
{
	size_t	 i = strspn(s, "0123456789");

	if (i == 0)
		return 0;
	if (s[i] == '\0')
		return 1;
	if (s[i] != '.' || !isdigit((unsigned char)s[i + 1]))
		return 0;
	i++;
	i += strspn(s + i, "0123456789");
	return s[i] == '\0';
}

static void
numbers_seconds(const char *s)
{
	static const double	 range[][2] = {
		{ 0, 86400 }, { 0.1, 3600 }, { 0, 1e308 },
	};
	double			 v, want;
	size_t			 i;
	int			 ok;

	for (i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
		v = -1;
		ok = config_seconds(s, range[i][0], range[i][1], &v) == 0;
		if (!numbers_seconds_form(s)) {
			FUZZ_ASSERT(!ok);
			FUZZ_ASSERT(v == -1);
			continue;
		}
		errno = 0;
		want = strtod(s, NULL);
		if (errno == ERANGE || !isfinite(want)) {
			FUZZ_ASSERT(!ok);
			continue;
		}
		FUZZ_ASSERT(ok == (want >= range[i][0] &&
		    want <= range[i][1]));
		if (ok)
			FUZZ_ASSERT(v == want && v >= 0);
	}
}

static void
numbers_addr(const char *s)
{
	struct sockaddr_storage	 ss, again;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len = 0, alen = 0;
	char			 host[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 16];
	const char		*colon;

	if (config_parse_addr(s, &ss, &len) == -1)
		return;
	if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *sun = (const struct sockaddr_un *)&ss;

		FUZZ_ASSERT(strncmp(s, "unix:", 5) == 0);
		FUZZ_ASSERT(strcmp(sun->sun_path, s + 5) == 0);
		FUZZ_ASSERT(len == offsetof(struct sockaddr_un, sun_path) +
		    strlen(s + 5) + 1);
		return;
	}
	/* the port is what follows the last colon, plain decimal */
	colon = strrchr(s, ':');
	FUZZ_ASSERT(colon != NULL && numbers_decimal(colon + 1));
	if (ss.ss_family == AF_INET) {
		FUZZ_ASSERT(len == sizeof(*sin));
		FUZZ_ASSERT(inet_ntop(AF_INET, &sin->sin_addr, host,
		    sizeof(host)) != NULL);
		snprintf(text, sizeof(text), "%s:%u", host,
		    ntohs(sin->sin_port));
	} else {
		FUZZ_ASSERT(ss.ss_family == AF_INET6);
		FUZZ_ASSERT(len == sizeof(*sin6));
		FUZZ_ASSERT(s[0] == '[');
		FUZZ_ASSERT(inet_ntop(AF_INET6, &sin6->sin6_addr, host,
		    sizeof(host)) != NULL);
		snprintf(text, sizeof(text), "[%s]:%u", host,
		    ntohs(sin6->sin6_port));
	}
	FUZZ_ASSERT(strtoull(colon + 1, NULL, 10) ==
	    (unsigned long long)(ss.ss_family == AF_INET ?
	    ntohs(sin->sin_port) : ntohs(sin6->sin6_port)));
	FUZZ_ASSERT(config_parse_addr(text, &again, &alen) == 0);
	FUZZ_ASSERT(alen == len && memcmp(&again, &ss, len) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s = fuzz_strndup(data, size);

	numbers_number(s);
	numbers_seconds(s);
	numbers_addr(s);
	free(s);
	return 0;
}

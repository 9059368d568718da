/*
 * poolserve's command line: config_parse() on an argv made from the
 * input, NUL-separated arguments after argv[0].  A --config value is
 * replaced by a file this harness wrote (every key set), so the file and
 * command-line precedence path runs without the input naming files.
 * Each argv is parsed twice: the result must not depend on getopt state
 * left by the call before (SIGHUP parses the options again).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <unistd.h>

#include "poolserve.h"
#include "config_check.h"

#define ARGS_MAX	32

static char	 options_path[256];

static void
options_cleanup(void)
{
	if (options_path[0] != '\0')
		unlink(options_path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char	 text[] =
	    "# every key, as an operator writes them\n"
	    "http = 127.0.0.1:0\n"
	    "processes = 2\n"
	    "threads = 3\n"
	    "listen = 16\n"
	    "queue = 1\n"
	    "keepalive-timeout = 0\n"
	    "read-timeout = 7\n"
	    "request-grace = 250\n"
	    "max-connections = 64\n"
	    "max-body-size = 4096\n"
	    "max-header-size = 2048\n"
	    "queue-warn = 0\n"
	    "shutdown-timeout = 3\n"
	    "max-requests = 100\n"
	    "max-requests-jitter = 10\n"
	    "harakiri = 60\n"
	    "pidfile = /nonexistent/poolserve.pid\n"
	    "chdir = /\n"
	    "access-log = -\n"
	    "disable-logging = no\n"
	    "stats = [::1]:9191\n"
	    "stats-allow-remote = yes\n";
	const char	*tmp = getenv("TMPDIR");
	int		 fd;

	(void)argc;
	(void)argv;
	snprintf(options_path, sizeof(options_path), "%s/poolserve-fuzz-"
	    "options.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if ((fd = mkstemp(options_path)) == -1 ||
	    write(fd, text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1))
		abort();
	close(fd);
	atexit(options_cleanup);
	return 0;
}

static char **
options_argv(const uint8_t *data, size_t size, int *argc)
{
	char	**av;
	char	 *s;
	int	  i;
	size_t	  n;

	av = fuzz_argv(data, size, "poolserve", ARGS_MAX, argc);
	for (i = 1; i < *argc; i++) {
		if (strcmp(av[i], "--config") == 0 && i + 1 < *argc) {
			free(av[i + 1]);
			av[i + 1] = fuzz_strndup((const uint8_t *)options_path,
			    strlen(options_path));
		} else if (strncmp(av[i], "--config=", 9) == 0) {
			n = 9 + strlen(options_path) + 1;
			if ((s = malloc(n)) == NULL)
				abort();
			snprintf(s, n, "--config=%s", options_path);
			free(av[i]);
			av[i] = s;
		}
	}
	return av;
}

/* The start-up line: any buffer size, always terminated. */
static void
options_describe(const struct config *c, size_t size)
{
	size_t	 len = size % 300 + 1;
	char	*buf;

	if ((buf = malloc(len)) == NULL)
		abort();
	config_describe(c, buf, len);
	FUZZ_ASSERT(memchr(buf, '\0', len) != NULL);
	FUZZ_ASSERT(fuzz_printable(buf, strlen(buf)));
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config		 c1, c2;
	enum config_result	 r1, r2;
	char			 e1[512], e2[512], **av;
	int			 ac;

	av = options_argv(data, size, &ac);
	config_defaults(&c1);
	memset(e1, 0, sizeof(e1));
	r1 = config_parse(&c1, ac, av, e1, sizeof(e1));
	fuzz_argv_free(av, ac);
	fuzz_config_check(&c1, r1, e1, sizeof(e1));

	av = options_argv(data, size, &ac);
	config_defaults(&c2);
	memset(e2, 0, sizeof(e2));
	r2 = config_parse(&c2, ac, av, e2, sizeof(e2));
	fuzz_argv_free(av, ac);
	FUZZ_ASSERT(r1 == r2);
	FUZZ_ASSERT(strcmp(e1, e2) == 0);
	if (r1 == CONFIG_OK) {
		FUZZ_ASSERT(memcmp(&c1, &c2, sizeof(c1)) == 0);
		options_describe(&c1, size);
	}
	return 0;
}

/*
 * The --config file: the input is the file's contents, read through the
 * real path (config_parse with --config FILE, fopen, fgets).  The file
 * must parse the same twice, and a file:line: error must name a line the
 * file has.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <unistd.h>

#include "poolserve.h"
#include "config_check.h"

static char	 cf_path[256];
static int	 cf_fd = -1;

static void
cf_cleanup(void)
{
	if (cf_path[0] != '\0')
		unlink(cf_path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(cf_path, sizeof(cf_path), "%s/poolserve-fuzz-config.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if ((cf_fd = mkstemp(cf_path)) == -1)
		abort();
	atexit(cf_cleanup);
	return 0;
}

static enum config_result
cf_parse(struct config *c, char *err, size_t errlen)
{
	char	*av[4];

	av[0] = (char *)"poolserve";
	av[1] = (char *)"--config";
	av[2] = cf_path;
	av[3] = NULL;
	config_defaults(c);
	memset(err, 0, errlen);
	return config_parse(c, 3, av, err, errlen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config		 c1, c2;
	enum config_result	 r1, r2;
	char			 e1[1024], e2[1024], *end;
	size_t			 plen = strlen(cf_path), i;
	unsigned long		 line, lines = 1;

	if (ftruncate(cf_fd, 0) == -1 ||
	    pwrite(cf_fd, data, size, 0) != (ssize_t)size)
		abort();
	r1 = cf_parse(&c1, e1, sizeof(e1));
	fuzz_config_check(&c1, r1, e1, sizeof(e1));
	/* a file sets no flag that only the command line may set */
	FUZZ_ASSERT(r1 == CONFIG_OK || r1 == CONFIG_ERROR ||
	    r1 == CONFIG_BAD_FILE);
	/* an abbreviated key ("che = yes") must not reach --check */
	if (r1 == CONFIG_OK)
		FUZZ_ASSERT(!c1.check);
	/* the checks across options name no line: --stats, --chmod-socket */
	if (r1 == CONFIG_ERROR)
		FUZZ_ASSERT(strncmp(e1, "--", 2) == 0);
	/* an error in the file itself names its line (exit 78) */
	if (r1 == CONFIG_BAD_FILE) {
		FUZZ_ASSERT(strncmp(e1, cf_path, plen) == 0);
		FUZZ_ASSERT(e1[plen] == ':');
		line = strtoul(e1 + plen + 1, &end, 10);
		FUZZ_ASSERT(*end == ':');
		for (i = 0; i < size; i++)
			if (data[i] == '\n' && i + 1 < size)
				lines++;
		FUZZ_ASSERT(line >= 1);
		/* a long line is not read as two */
		FUZZ_ASSERT(line <= lines);
	}
	r2 = cf_parse(&c2, e2, sizeof(e2));
	FUZZ_ASSERT(r1 == r2);
	FUZZ_ASSERT(strcmp(e1, e2) == 0);
	if (r1 == CONFIG_OK)
		FUZZ_ASSERT(memcmp(&c1, &c2, sizeof(c1)) == 0);
	return 0;
}

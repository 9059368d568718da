/*
 * The corpus replay: a main() for a harness built with the normal
 * compiler.  Every file named, and every file in every directory named,
 * goes to LLVMFuzzerTestOneInput once; a failing check aborts, and the
 * name of the input being run is printed first.  Missing directories are
 * skipped (a harness may have no regressions yet).
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "fuzz.h"

static char	 replay_current[4096];

static void
replay_crash(int sig)
{
	static const char	 msg[] = "replay: crashed on input ";

	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)!write(STDERR_FILENO, replay_current, strlen(replay_current));
	(void)!write(STDERR_FILENO, "\n", 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
replay_file(const char *path)
{
	FILE		*fp;
	uint8_t		*buf = NULL, *nb;
	size_t		 len = 0, cap = 0, n;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap == 0 ? 4096 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL)
				abort();
			buf = nb;
		}
		if ((n = fread(buf + len, 1, cap - len, fp)) == 0)
			break;
		len += n;
	}
	fclose(fp);
	snprintf(replay_current, sizeof(replay_current), "%s", path);
	/* an exact-size copy, as libFuzzer gives, so overreads show */
	if ((nb = malloc(len != 0 ? len : 1)) == NULL)
		abort();
	memcpy(nb, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(nb, len);
	free(nb);
	return 0;
}

static int
replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of dir in name order: the same order on every machine. */
static int
replay_dir(const char *dir, unsigned *count)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, **nn, path[4096];
	size_t		 n = 0, cap = 0, i;
	struct stat	 sb;
	int		 rc = 0;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL)
				abort();
			names = nn;
		}
		if ((names[n++] = strdup(de->d_name)) == NULL)
			abort();
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), replay_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
			if (replay_file(path) == -1)
				rc = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat	 sb;
	unsigned	 count = 0, before;
	int		 i, rc = 0;

	signal(SIGABRT, replay_crash);
	signal(SIGSEGV, replay_crash);
	signal(SIGBUS, replay_crash);
	signal(SIGFPE, replay_crash);
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		before = count;
		if (stat(argv[i], &sb) == 0 && S_ISREG(sb.st_mode)) {
			if (replay_file(argv[i]) == -1)
				rc = 1;
			else
				count++;
		} else if (replay_dir(argv[i], &count) == -1) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			rc = 1;
		}
		fprintf(stderr, "%s: %u inputs\n", argv[i], count - before);
	}
	fprintf(stderr, "%u inputs replayed\n", count);
	return rc;
}

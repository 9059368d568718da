/*
 * A header-only helper for the C unit programs: CHECK macros that report
 * "FAIL file:line: expr" and count, and unit_done() for main()'s return.
 * Checks are made from the main thread only; the counters are not locked.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

static unsigned	unit_checks;
static unsigned	unit_failed;

static inline int
unit_check(int ok, const char *file, int line, const char *expr)
{
	unit_checks++;
	if (!ok) {
		unit_failed++;
		printf("FAIL %s:%d: %s\n", file, line, expr);
		fflush(stdout);
	}
	return ok;
}

static inline int
unit_check_int(long long got, long long want, const char *file, int line,
    const char *expr)
{
	if (!unit_check(got == want, file, line, expr)) {
		printf("\tgot %lld, want %lld\n", got, want);
		fflush(stdout);
		return 0;
	}
	return 1;
}

static inline int
unit_check_str(const char *got, const char *want, const char *file,
    int line, const char *expr)
{
	int	 ok;

	if (got == NULL || want == NULL)
		ok = got == want;
	else
		ok = strcmp(got, want) == 0;
	if (!unit_check(ok, file, line, expr)) {
		printf("\tgot  \"%s\"\n\twant \"%s\"\n",
		    got != NULL ? got : "(null)",
		    want != NULL ? want : "(null)");
		fflush(stdout);
		return 0;
	}
	return 1;
}

/* Print the tally; the result is main()'s exit status for automake. */
static inline int
unit_done(void)
{
	printf("%u checks, %u failed\n", unit_checks, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}

/* Each evaluates to 1 when the check held, so a test can stop early. */
#define CHECK(cond)							\
	unit_check((cond) ? 1 : 0, __FILE__, __LINE__, #cond)
#define CHECK_EQ_INT(got, want)						\
	unit_check_int((long long)(got), (long long)(want), __FILE__,	\
	    __LINE__, #got " == " #want)
#define CHECK_EQ_STR(got, want)						\
	unit_check_str((got), (want), __FILE__, __LINE__,		\
	    #got " == " #want)

#endif /* UNIT_H */

/*
 * bad_version.so: a module built for another API version.  poolserve must
 * refuse it at start (exit 78, "API version" named); tests/module.sh
 * checks that.  Not an example to copy.
 */
#include <poolserve/poolserve.h>

static int
bad_version_handle(struct poolserve_request *r)
{
	return poolserve_respondf(r, 200, "should never run\n");
}

struct poolserve_module poolserve_module = {
	999,			/* not POOLSERVE_API_VERSION */
	"bad_version",
	NULL,
	NULL,
	bad_version_handle,
	NULL
};

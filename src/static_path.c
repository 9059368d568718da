/*
 * The safe half of the static files application: a request's decoded path
 * checked, then opened beneath the mount's directory.
 *
 * Paths are refused before the file system is touched when they hold a
 * backslash, a ".." component, a control byte, bytes that are not UTF-8
 * (the overlong %c0%ae among them) or, unless hidden files are served, a
 * component that starts with a dot.  What remains is resolved with
 * openat2(2) RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS below a descriptor of
 * the root: no symbolic link may lead out of it.  Where the kernel has no
 * openat2 (before Linux 5.6, or a seccomp filter that refuses it), each
 * component is opened with O_NOFOLLOW and a symbolic link anywhere in the
 * path is refused.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include "poolserve.h"

#define PATH_OPEN_RETRIES	8	/* openat2 EAGAIN: a rename raced us */

/*
 * Is s well-formed UTF-8 (RFC 3629): no overlong form (0xC0 0xAE for
 * '.'), no surrogate, nothing above U+10FFFF?
 */
static bool
static_path_utf8(const unsigned char *s)
{
	unsigned	 n, i;
	uint32_t	 c;

	while (*s != '\0') {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf) {
			n = 1;
			c = *s & 0x1f;
		} else if (*s >= 0xe0 && *s <= 0xef) {
			n = 2;
			c = *s & 0x0f;
		} else if (*s >= 0xf0 && *s <= 0xf4) {
			n = 3;
			c = *s & 0x07;
		} else
			return false;
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
		    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
			return false;
		s += n + 1;
	}
	return true;
}

/*
 * Check the decoded path below the mount prefix and make of it the path
 * relative to the root: "/a//b/./c" gives "a/b/c", "/" gives "".  *dir
 * says whether it ended in a slash.  0, or the status to refuse it with
 * and the reason in *why.  Pure: nothing is opened.
 */
unsigned
static_path_check(const char *path, bool hidden, char *rel, size_t rellen,
    bool *dir, const char **why)
{
	const char	*c, *e;
	size_t		 n, len = 0;

	if (!static_path_utf8((const unsigned char *)path)) {
		*why = "not UTF-8 (an overlong form?)";
		return 404;
	}
	for (c = path; *c != '\0'; c++) {
		if (*c == '\\') {
			*why = "a backslash";
			return 403;
		}
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			*why = "a control byte";
			return 404;
		}
	}
	n = strlen(path);
	*dir = n == 0 || path[n - 1] == '/';
	rel[0] = '\0';
	for (c = path; *c != '\0'; c = e) {
		c += strspn(c, "/");
		e = c + strcspn(c, "/");
		n = (size_t)(e - c);
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			*why = "a \"..\" component";
			return 403;
		}
		if (c[0] == '.' && !hidden) {
			*why = "a hidden component (--static-hidden is off)";
			return 404;
		}
		if (len + (len > 0) + n + 1 > rellen) {
			*why = "too long";
			return 404;
		}
		if (len > 0)
			rel[len++] = '/';
		memcpy(rel + len, c, n);
		len += n;
		rel[len] = '\0';
	}
	return 0;
}

/*
 * openat2(2) beneath the root: no "..", no absolute or escaping symbolic
 * link, no /proc magic link.  -1 with errno (ENOSYS: not in this kernel).
 */
int
static_path_openat2(int root, const char *rel, int flags)
{
#ifdef SYS_openat2
	struct open_how	 how;
	long		 fd;
	int		 i;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)flags;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	for (i = 0; i < PATH_OPEN_RETRIES; i++) {
		fd = syscall(SYS_openat2, root, rel[0] == '\0' ? "." : rel,
		    &how, sizeof(how));
		if (fd != -1 || errno != EAGAIN)
			return (int)fd;
	}
	return -1;
#else
	(void)root;
	(void)rel;
	(void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * The fallback without openat2: each directory component opened with
 * O_NOFOLLOW below the last.  A symbolic link anywhere is refused
 * (ELOOP), even one that stays inside the root: following it safely is
 * what openat2 is for.  -1 with errno.
 */
static int
static_path_walk(int root, const char *rel, int flags)
{
	char		 name[NAME_MAX + 1];
	const char	*c, *e;
	struct stat	 st;
	int		 cur = root, fd, saved;
	size_t		 n;

	if (rel[0] == '\0')
		return openat(root, ".", flags);
	for (c = rel;; c = e + 1) {
		e = c + strcspn(c, "/");
		if ((n = (size_t)(e - c)) > NAME_MAX) {
			fd = -1;
			errno = ENAMETOOLONG;
			break;
		}
		memcpy(name, c, n);
		name[n] = '\0';
		if (*e == '\0')
			fd = openat(cur, name, flags | O_NOFOLLOW);
		else
			fd = openat(cur, name, O_PATH | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		/* A link opened O_PATH|O_NOFOLLOW, or refused: which? */
		if ((fd == -1 && (errno == ELOOP || errno == ENOTDIR) &&
		    fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode)) || (fd != -1 && fstat(fd, &st) == 0 &&
		    S_ISLNK(st.st_mode))) {
			if (fd != -1)
				close(fd);
			fd = -1;
			errno = ELOOP;
		}
		if (cur != root) {
			saved = errno;
			close(cur);
			errno = saved;
		}
		if (fd == -1 || *e == '\0')
			break;
		cur = fd;
	}
	return fd;
}

/*
 * Open rel beneath root for reading (with static_path_walk when walk,
 * else openat2) into *fd and fstat it into *st.  O_NONBLOCK: a FIFO must
 * not block the event loop on its open (the caller refuses it after the
 * fstat); it changes nothing for a regular file.  0, or the status to
 * refuse with and *why.
 */
unsigned
static_path_open(int root, bool walk, const char *rel, int *fd,
    struct stat *st, const char **why)
{
	int	 flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

	if (walk)
		*fd = static_path_walk(root, rel, flags);
	else
		*fd = static_path_openat2(root, rel, flags);
	if (*fd == -1) {
		switch (errno) {
		case ENOENT:
		case ENOTDIR:
		case ENAMETOOLONG:
			*why = "not found";
			return 404;
		case EXDEV:
			*why = "a symbolic link leads out of the root";
			return 403;
		case ELOOP:
			*why = walk ? "a symbolic link (refused "
			    "without openat2)" : "a symbolic link loop or "
			    "magic link";
			return 403;
		case EACCES:
		case EPERM:
			*why = "permission denied";
			return 403;
		case ENXIO:
		case ENODEV:
		case EOPNOTSUPP:
			*why = "not a regular file";
			return 403;
		case EMFILE:
		case ENFILE:
		case ENOMEM:
			*why = "out of descriptors or memory";
			return 503;
		default:
			*why = strerror(errno);
			return 500;
		}
	}
	if (fstat(*fd, st) == -1) {
		*why = strerror(errno);
		close(*fd);
		*fd = -1;
		return 500;
	}
	return 0;
}

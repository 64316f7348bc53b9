/* SPDX-License-Identifier: MIT */
/* atomic_file: temp file + fsync + rename + fsync of the directory. */
#include "atomic_file_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* fsyncs the directory holding path, so that the rename is durable. Some
 * file systems cannot fsync a directory; that is not an error. */
static int sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int fd, rc = 0;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY);
	if (fd < 0)
		return -1;
	if (fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP)
		rc = -1;
	close(fd);
	return rc;
}

enum ap_status atomic_file_write(const char *path, mode_t mode,
				 enum ap_status (*write_body)(FILE *f,
							      const void *user),
				 const void *user, struct ap_err *err)
{
	char eb[AP_ERRNO_TEXT]; /* errno text */
	size_t n = strlen(path);
	char *tmp = malloc(n + sizeof(".tmp.XXXXXX"));
	enum ap_status st = AP_OK;
	FILE *f = NULL;
	bool ok;
	int fd;

	if (tmp == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
	/* A unique name: two writers never share a temporary file. */
	fd = mkstemp(tmp);
	if (fd < 0) {
		st = ap_err_set(err, AP_EIO, "cannot write %s: %s", path,
				ap_errno_text(errno, eb, sizeof(eb)));
		free(tmp);
		return st;
	}
	if (fchmod(fd, mode) != 0 || (f = fdopen(fd, "w")) == NULL) {
		st = ap_err_set(err, AP_EIO, "cannot write %s: %s", tmp,
				ap_errno_text(errno, eb, sizeof(eb)));
		close(fd);
		goto out;
	}
	st = write_body(f, user);
	if (st != AP_OK) {
		fclose(f);
		goto out;
	}
	ok = !ferror(f) && fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		st = ap_err_set(err, AP_EIO, "cannot write %s: %s", path,
				ap_errno_text(errno, eb, sizeof(eb)));
		goto out;
	}
	free(tmp);
	if (sync_parent(path) != 0)
		return ap_err_set(err, AP_EIO, "cannot sync the directory of "
				  "%s: %s", path,
				  ap_errno_text(errno, eb, sizeof(eb)));
	return AP_OK;
out:
	unlink(tmp);
	free(tmp);
	return st;
}

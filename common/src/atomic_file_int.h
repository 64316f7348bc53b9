/* SPDX-License-Identifier: MIT */
/*
 * atomic_file (internal): replaces a file so that a crash at any moment
 * leaves either the old or the new contents, never a mix: write a temporary
 * file in the same directory, flush and fsync it, rename it over the old
 * one, fsync the directory. Used for every file the collector keeps.
 */
#ifndef ATLASPERF_ATOMIC_FILE_INT_H
#define ATLASPERF_ATOMIC_FILE_INT_H

#include <stdio.h>
#include <sys/types.h>

#include "atlasperf/ap_err.h"

/*
 * Replaces path with what write_body(f, user) writes (its own status,
 * other than AP_OK, aborts and is returned). The file gets the given mode.
 * Returns AP_OK, AP_EIO with the path and the system's reason, or
 * AP_ENOMEM; the temporary file never outlives a failure.
 */
enum ap_status atomic_file_write(const char *path, mode_t mode,
				 enum ap_status (*write_body)(FILE *f,
							      const void *user),
				 const void *user, struct ap_err *err);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * bench_jsonc: the benchmark baseline. Parses every line of a JSON-lines
 * file with json-c's DOM parser (one reused tokener) and frees the tree,
 * nothing else, then prints how many lines it parsed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <json-c/json.h>

int main(int argc, char **argv)
{
	struct json_tokener *tok = NULL;
	FILE *in = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0, parsed = 0, bad = 0;
	int rc = 1;

	if (argc != 2) {
		fputs("Usage: bench_jsonc FILE\n", stderr);
		return 2;
	}
	in = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "rb");
	if (in == NULL) {
		fprintf(stderr, "bench_jsonc: cannot open %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	tok = json_tokener_new();
	if (tok == NULL) {
		fputs("bench_jsonc: out of memory\n", stderr);
		goto out;
	}
	while ((n = getline(&line, &cap, in)) > 0) {
		struct json_object *o;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		if (n > INT32_MAX) {
			bad++;
			continue;
		}
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, line, (int)n);
		if (o == NULL) {
			if (bad++ == 0)
				fprintf(stderr,
					"bench_jsonc: line %" PRIu64 ": %s\n",
					lineno,
					json_tokener_error_desc(
						json_tokener_get_error(tok)));
			continue;
		}
		json_object_put(o);
		parsed++;
	}
	if (ferror(in)) {
		fprintf(stderr, "bench_jsonc: error reading %s: %s\n",
			argv[1], strerror(errno));
		goto out;
	}
	printf("%" PRIu64 " lines parsed\n", parsed);
	if (bad > 0) {
		fprintf(stderr, "bench_jsonc: %" PRIu64 " lines not parsed\n",
			bad);
		goto out;
	}
	rc = 0;
out:
	free(line);
	if (tok != NULL)
		json_tokener_free(tok);
	if (in != NULL && in != stdin)
		fclose(in);
	return rc;
}

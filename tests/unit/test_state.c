/* SPDX-License-Identifier: MIT */
/* Unit tests for ap_state: pending/commit/rollback, pruning, persistence. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atlasperf/ap_state.h"
#include "test.h"

static char dir[] = "/tmp/atlasperf-test-state-XXXXXX";

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

int main(void)
{
	struct ap_msm_state *s = NULL, *t = NULL;
	struct ap_err err;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}

	/* A missing file is a fresh start. */
	CHECK(ap_state_load(dir, 1001, &s, &err) == AP_OK);
	CHECK(s != NULL && ap_state_cursor(s) == 0);
	CHECK(ap_state_last_sweep(s) == 0 && !ap_state_finished(s));

	/* Pending entries are seen (same-poll duplicates), but a rollback
	 * forgets them and leaves the cursor alone. */
	CHECK(ap_state_mark(s, 7, 1000) == AP_OK);
	CHECK(ap_state_seen(s, 7, 1000));
	CHECK(!ap_state_seen(s, 7, 1001));
	CHECK(!ap_state_seen(s, 8, 1000));
	ap_state_rollback(s);
	CHECK(!ap_state_seen(s, 7, 1000));
	CHECK(ap_state_cursor(s) == 0 && ap_state_seen_count(s) == 0);
	/* A rolled-back key can be marked and committed again. */
	CHECK(ap_state_mark(s, 7, 1000) == AP_OK);
	CHECK(ap_state_seen(s, 7, 1000));

	/* Many entries: the table grows and every key stays findable. */
	{
		int bad = 0;

		for (int i = 0; i < 5000; i++)
			bad += ap_state_mark(s, i % 97, 2000 + i) != AP_OK;
		CHECK(bad == 0);
	}
	ap_state_commit(s, 9000, 8000, false, 0);
	CHECK(ap_state_cursor(s) == 9000);
	CHECK(ap_state_last_sweep(s) == 8000);
	CHECK(ap_state_seen_count(s) == 5001);
	CHECK(ap_state_newest(s) == 6999);
	CHECK(ap_state_seen(s, 4999 % 97, 6999));
	CHECK(ap_state_seen(s, 7, 1000));

	/* The cursor never moves backwards; sweep 0 keeps the old one. */
	ap_state_commit(s, 100, 0, false, 0);
	CHECK(ap_state_cursor(s) == 9000 && ap_state_last_sweep(s) == 8000);

	/* Pruning forgets entries older than the horizon only. */
	ap_state_commit(s, 9100, 0, false, 5000);
	CHECK(!ap_state_seen(s, 7, 1000));
	CHECK(!ap_state_seen(s, (2999 - 2000) % 97, 2999));
	CHECK(ap_state_seen(s, (5000 - 2000) % 97, 5000));
	CHECK(ap_state_seen_count(s) == 2000);

	/* Save and load give the same state; pending entries are not
	 * saved. */
	CHECK(ap_state_mark(s, 1, 99999) == AP_OK);
	CHECK(ap_state_save(dir, s, &err) == AP_OK);
	CHECK(ap_state_load(dir, 1001, &t, &err) == AP_OK);
	CHECK(ap_state_cursor(t) == 9100 && ap_state_last_sweep(t) == 8000);
	CHECK(ap_state_seen_count(t) == 2000);
	CHECK(ap_state_seen(t, (6000 - 2000) % 97, 6000));
	CHECK(!ap_state_seen(t, 1, 99999));
	CHECK(ap_state_newest(t) == 6999);
	ap_state_free(t);
	t = NULL;

	/* finished survives a save. */
	ap_state_commit(s, 9200, 0, true, 0);
	CHECK(ap_state_save(dir, s, &err) == AP_OK);
	CHECK(ap_state_load(dir, 1001, &t, &err) == AP_OK);
	CHECK(ap_state_finished(t));
	ap_state_free(t);
	t = NULL;

	/* No temp file is left behind. */
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) -eq 1", dir);
		CHECK(system(cmd) == 0);
	}

	/* Damaged files are refused, naming file and line, never reset. */
	write_file("msm-5.state", "atlasperf-state 1\nmsm_id 5\ncursor x\n");
	CHECK(ap_state_load(dir, 5, &t, &err) == AP_EPARSE && t == NULL);
	CHECK(strstr(err.msg, "msm-5.state:3") != NULL);
	write_file("msm-5.state", "atlasperf-state 1\nmsm_id 6\nend 0\n");
	CHECK(ap_state_load(dir, 5, &t, &err) == AP_EPARSE);
	write_file("msm-5.state", "atlasperf-state 1\nmsm_id 5\ncursor 10\n"
				  "seen 1 2\n");
	CHECK(ap_state_load(dir, 5, &t, &err) == AP_EPARSE);
	CHECK(strstr(err.msg, "truncated") != NULL);
	write_file("msm-5.state", "atlasperf-state 1\nmsm_id 5\nseen 1 2\n"
				  "end 2\n");
	CHECK(ap_state_load(dir, 5, &t, &err) == AP_EPARSE);
	write_file("msm-5.state", "something else\n");
	CHECK(ap_state_load(dir, 5, &t, &err) == AP_EPARSE);
	write_file("msm-5.state", "atlasperf-state 1\nmsm_id 5\ncursor 10\n"
				  "seen 1 2\nend 1\n");
	CHECK(ap_state_load(dir, 5, &t, &err) == AP_OK);
	CHECK(t != NULL && ap_state_seen(t, 1, 2) &&
	      ap_state_cursor(t) == 10);
	ap_state_free(t);

	/* An unwritable directory is an I/O error with the path. */
	CHECK(ap_state_save("/nonexistent/dir", s, &err) == AP_EIO);
	CHECK(strstr(err.msg, "/nonexistent/dir") != NULL);

	ap_state_free(s);
	ap_state_free(NULL);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		CHECK(system(cmd) == 0);
	}
	TEST_DONE();
}

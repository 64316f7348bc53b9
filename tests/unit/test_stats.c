/* SPDX-License-Identifier: MIT */
/* Unit tests for ap_stats, with the worked figures of ANALYSIS.md 3. */
#include "atlasperf/ap_stats.h"
#include "test.h"

int main(void)
{
	/* ANALYSIS.md 3: RTT series [20, 22, 21, 25, 20]. */
	const double series[] = {20, 22, 21, 25, 20};
	double v[8];

	CHECK_NEAR(ap_stats_jitter(series, 5), 3.0, 1e-12);
	CHECK_NEAR(ap_stats_stddev(series, 5), 1.8547, 1e-4);
	CHECK_NEAR(ap_stats_mean(series, 5), 21.6, 1e-12);
	CHECK_NEAR(ap_stats_min(series, 5), 20, 0);
	CHECK_NEAR(ap_stats_max(series, 5), 25, 0);

	/* Median: odd, even (mean of the middle two), empty. */
	memcpy(v, series, sizeof(series));
	CHECK_NEAR(ap_stats_median(v, 5), 21, 0);
	{
		double e[] = {4, 1, 3, 2};

		CHECK_NEAR(ap_stats_median(e, 4), 2.5, 0);
		CHECK(e[0] == 1 && e[3] == 4); /* sorted in place */
	}
	CHECK(isnan(ap_stats_median(v, 0)));
	CHECK(isnan(ap_stats_jitter(series, 1)));
	CHECK(isnan(ap_stats_stddev(series, 0)));
	CHECK(isnan(ap_stats_mean(series, 0)));
	CHECK(isnan(ap_stats_min(series, 0)));

	/* Nearest rank: ceil(p*N). For 1..10: p50 = 5, p90 = 9, p95 = 10. */
	{
		double r[10];

		for (int i = 0; i < 10; i++)
			r[i] = i + 1;
		CHECK_NEAR(ap_stats_percentile_sorted(r, 10, 50), 5, 0);
		CHECK_NEAR(ap_stats_percentile_sorted(r, 10, 90), 9, 0);
		CHECK_NEAR(ap_stats_percentile_sorted(r, 10, 95), 10, 0);
		CHECK_NEAR(ap_stats_percentile_sorted(r, 10, 0), 1, 0);
		CHECK_NEAR(ap_stats_percentile_sorted(r, 10, 100), 10, 0);
		CHECK(isnan(ap_stats_percentile_sorted(r, 10, 101)));
		CHECK(isnan(ap_stats_percentile_sorted(r, 0, 50)));
	}
	/* ANALYSIS.md 1.1: 20 samples 10..200 -> p95 = 190. */
	{
		double s[20];

		for (int i = 0; i < 20; i++)
			s[i] = 10.0 * (i + 1);
		CHECK_NEAR(ap_stats_percentile_sorted(s, 20, 95), 190, 0);
	}

	/* Loss: undefined without packets, not clamped (as Sagan). */
	CHECK_NEAR(ap_stats_loss_pct(3, 1), 200.0 / 3.0, 1e-12);
	CHECK_NEAR(ap_stats_loss_pct(3, 0), 100, 0);
	CHECK_NEAR(ap_stats_loss_pct(3, 3), 0, 0);
	CHECK(isnan(ap_stats_loss_pct(0, 0)));
	CHECK(isnan(ap_stats_loss_pct(-1, 2)));
	CHECK(isnan(ap_stats_loss_pct(3, -1)));
	CHECK_NEAR(ap_stats_loss_pct(2, 3), -50, 0);

	/* Rounding as Sagan's round(x, 3), and 6-decimal tidying. */
	CHECK_NEAR(ap_stats_round3(48.38833333), 48.388, 1e-12);
	CHECK_NEAR(ap_stats_round3(2.4996), 2.5, 1e-12);
	CHECK_NEAR(ap_stats_round6(0.8999999999999986), 0.9, 1e-15);
	CHECK(isnan(ap_stats_round3(NAN)));

	/* Large arrays take the qsort path and still sort correctly. */
	{
		double big[100];

		for (int i = 0; i < 100; i++)
			big[i] = (i * 37) % 100;
		CHECK_NEAR(ap_stats_median(big, 100), 49.5, 0);
		CHECK(big[0] == 0 && big[99] == 99);
	}
	TEST_DONE();
}

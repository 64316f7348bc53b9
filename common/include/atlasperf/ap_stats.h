/* SPDX-License-Identifier: MIT */
/*
 * ap_stats: the pure arithmetic behind every figure atlasperf emits. No
 * allocation, no I/O. "No data" is NaN: every function returns NaN when its
 * input cannot give a value, and callers omit NaN fields on output.
 */
#ifndef ATLASPERF_AP_STATS_H
#define ATLASPERF_AP_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Rounds to 3 decimals (microseconds when v is in ms), as Sagan does. */
double ap_stats_round3(double v);

/* Rounds to 6 decimals (nanoseconds when v is in ms): derived figures
 * such as a standard deviation carry no information beyond that, and
 * binary noise like 0.8999999999999986 only confuses readers. */
double ap_stats_round6(double v);

/* Sorts v[0..n) ascending in place. */
void ap_stats_sort(double *v, size_t n);

/*
 * Median of v[0..n): sorts v in place, then takes the middle value, or the
 * mean of the two middle values for an even n. NaN for n == 0.
 */
double ap_stats_median(double *v, size_t n);

/*
 * Nearest-rank percentile of an ascending array: the value at rank
 * ceil(p/100 * n) (1-based), clamped to [1, n]; p in [0, 100].
 * NaN for n == 0 or p outside [0, 100].
 */
double ap_stats_percentile_sorted(const double *sorted, size_t n, double p);

/* Arithmetic mean; NaN for n == 0. */
double ap_stats_mean(const double *v, size_t n);

/* Population standard deviation (Linux ping's mdev); NaN for n == 0. */
double ap_stats_stddev(const double *v, size_t n);

/*
 * Jitter as the mean absolute difference of consecutive values in the
 * given (sending) order: sum |v[i] - v[i-1]| / (n - 1). NaN for n < 2.
 */
double ap_stats_jitter(const double *v, size_t n);

/* Minimum / maximum; NaN for n == 0. */
double ap_stats_min(const double *v, size_t n);
double ap_stats_max(const double *v, size_t n);

/*
 * Packet loss in percent, 100 * (sent - rcvd) / sent; NaN when sent <= 0
 * or either count is unknown (negative). Not clamped: a probe that reports
 * more replies than requests gives a negative figure, as Sagan does.
 */
double ap_stats_loss_pct(int64_t sent, int64_t rcvd);

#endif

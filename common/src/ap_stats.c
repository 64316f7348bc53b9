/* SPDX-License-Identifier: MIT */
/* ap_stats: median, percentile, stddev, jitter and loss, all NaN-aware. */
#include "atlasperf/ap_stats.h"

#include <math.h>
#include <stdlib.h>

double ap_stats_round3(double v)
{
	if (!isfinite(v))
		return v;
	return round(v * 1000.0) / 1000.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double ap_stats_round6(double v)
{
	if (!isfinite(v))
		return v;
	return round(v * 1e6) / 1e6;
}

/* Insertion sort: Atlas arrays are a handful of packets, and this keeps
 * the sort allocation-free and stable; larger arrays go to qsort. */
void ap_stats_sort(double *v, size_t n)
{
	if (n > 32) {
		qsort(v, n, sizeof(*v), cmp_double);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		double x = v[i];
		size_t j = i;

		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

double ap_stats_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	ap_stats_sort(v, n);
	if (n % 2 == 1)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

double ap_stats_percentile_sorted(const double *sorted, size_t n, double p)
{
	double rank;
	size_t idx;

	if (n == 0 || !(p >= 0.0 && p <= 100.0))
		return NAN;
	rank = ceil(p / 100.0 * (double)n);
	if (rank < 1.0)
		rank = 1.0;
	idx = (size_t)rank;
	if (idx > n)
		idx = n;
	return sorted[idx - 1];
}

double ap_stats_mean(const double *v, size_t n)
{
	double sum = 0.0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	return sum / (double)n;
}

double ap_stats_stddev(const double *v, size_t n)
{
	double mean, acc = 0.0;

	if (n == 0)
		return NAN;
	mean = ap_stats_mean(v, n);
	for (size_t i = 0; i < n; i++)
		acc += (v[i] - mean) * (v[i] - mean);
	return sqrt(acc / (double)n);
}

double ap_stats_jitter(const double *v, size_t n)
{
	double acc = 0.0;

	if (n < 2)
		return NAN;
	for (size_t i = 1; i < n; i++)
		acc += fabs(v[i] - v[i - 1]);
	return acc / (double)(n - 1);
}

double ap_stats_min(const double *v, size_t n)
{
	double m;

	if (n == 0)
		return NAN;
	m = v[0];
	for (size_t i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

double ap_stats_max(const double *v, size_t n)
{
	double m;

	if (n == 0)
		return NAN;
	m = v[0];
	for (size_t i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

double ap_stats_loss_pct(int64_t sent, int64_t rcvd)
{
	if (sent <= 0 || rcvd < 0)
		return NAN;
	return 100.0 * (double)(sent - rcvd) / (double)sent;
}

/* SPDX-License-Identifier: MIT */
/*
 * dns_abuf (internal): the 12-byte DNS message header of a DNS result's
 * base64 `abuf` (RFC 1035 4.1.1). Only the header: RCODE and the four
 * section counts are all atlasperf reports, and they need no RR parsing.
 */
#ifndef ATLASPERF_DNS_ABUF_INT_H
#define ATLASPERF_DNS_ABUF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN 12

struct dns_abuf_hdr {
	int64_t id;      /* message ID */
	int rcode;       /* RCODE, the low 4 bits of the flags (0..15) */
	bool qr;         /* set in a response */
	int64_t qdcount, ancount, nscount, arcount;
	size_t msg_len;  /* decoded message length in bytes */
};

/*
 * Decodes the base64 text b64 (standard alphabet, '=' padding required,
 * whitespace ignored) and reads the header. Returns true and fills h; on
 * bad base64 or a message shorter than 12 bytes returns false and sets
 * every field of h to -1 (msg_len to 0, qr to false). b64 is borrowed;
 * NULL is treated as bad input.
 */
bool dns_abuf_header(const char *b64, struct dns_abuf_hdr *h);

#endif

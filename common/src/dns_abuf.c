/* SPDX-License-Identifier: MIT */
/*
 * dns_abuf: base64 decoding of a DNS result's `abuf` and the fixed 12-byte
 * header it starts with. The whole text is validated (as Sagan's decoder
 * rejects a bad abuf outright), but only the header bytes are kept.
 */
#include "dns_abuf_int.h"

/* The value of a base64 symbol, -1 for anything else. */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void set_unknown(struct dns_abuf_hdr *h)
{
	h->id = -1;
	h->rcode = -1;
	h->qr = false;
	h->qdcount = h->ancount = h->nscount = h->arcount = -1;
	h->msg_len = 0;
}

static int64_t be16(const unsigned char *p)
{
	return (int64_t)(((unsigned)p[0] << 8) | p[1]);
}

/*
 * Decodes groups of 4 symbols. A group may end in one or two '=' (it then
 * carries 2 or 1 bytes) and must be the last one; a trailing partial group
 * is an error, as in Python's base64.b64decode that Sagan uses.
 */
static bool decode(const char *s, unsigned char *hdr, size_t *total)
{
	int quad[4];
	size_t nq = 0, kept = 0, len = 0;
	bool ended = false;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		size_t nbytes;
		unsigned long acc;

		if (is_space(c))
			continue;
		if (ended)
			return false; /* data after the padded group */
		if (c == '=') {
			quad[nq++] = -2;
		} else {
			int v = b64_value(c);

			if (v < 0)
				return false;
			/* a symbol after '=' inside one group */
			if (nq > 0 && quad[nq - 1] == -2)
				return false;
			quad[nq++] = v;
		}
		if (nq < 4)
			continue;
		nq = 0;
		if (quad[0] < 0 || quad[1] < 0)
			return false;
		nbytes = quad[2] < 0 ? 1 : (quad[3] < 0 ? 2 : 3);
		ended = nbytes < 3;
		acc = ((unsigned long)quad[0] << 18) |
		      ((unsigned long)quad[1] << 12) |
		      ((unsigned long)(quad[2] < 0 ? 0 : quad[2]) << 6) |
		      (unsigned long)(quad[3] < 0 ? 0 : quad[3]);
		for (size_t i = 0; i < nbytes; i++) {
			unsigned char b =
				(unsigned char)((acc >> (16 - 8 * i)) & 0xff);

			if (kept < DNS_HEADER_LEN)
				hdr[kept++] = b;
		}
		len += nbytes;
	}
	if (nq != 0)
		return false;
	*total = len;
	return true;
}

bool dns_abuf_header(const char *b64, struct dns_abuf_hdr *h)
{
	unsigned char hdr[DNS_HEADER_LEN];
	size_t len = 0;

	set_unknown(h);
	if (b64 == NULL || !decode(b64, hdr, &len) || len < DNS_HEADER_LEN)
		return false;
	h->id = be16(hdr);
	h->qr = (hdr[2] & 0x80) != 0;
	h->rcode = hdr[3] & 0x0f;
	h->qdcount = be16(hdr + 4);
	h->ancount = be16(hdr + 6);
	h->nscount = be16(hdr + 8);
	h->arcount = be16(hdr + 10);
	h->msg_len = len;
	return true;
}

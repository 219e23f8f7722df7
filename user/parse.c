// SPDX-License-Identifier: GPL-2.0
/*
 * parse.c - the launcher's argument values: sizes with K/M/G, seconds,
 * addresses, format and mode names.  Pure functions, unit-tested on the host.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

/* A size with an optional K, M or G suffix; false if malformed. */
bool parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return false;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (v > (~0ULL >> shift))
		return false;		/* would overflow */
	*out = v << shift;
	return *end == '\0';
}

/*
 * Seconds as timeout(1) takes them, "2" or "0.25", kept in milliseconds:
 * at most three decimals, more than 0 and at most a day.  (Parsed by
 * hand, not strtod(), so that "1e3", "inf" and the locale's comma are
 * refused rather than guessed at.)
 */
bool parse_seconds(const char *s, unsigned int *ms)
{
	unsigned long long v = 0;
	unsigned int decimals = 0;
	bool dot = false, digits = false;

	for (; *s; s++) {
		if (*s == '.' && !dot) {
			dot = true;
			continue;
		}
		if (*s < '0' || *s > '9' || (dot && ++decimals > 3) || v > 86400000)
			return false;
		v = v * 10 + (*s - '0');
		digits = true;
	}
	for (; decimals < 3; decimals++)
		v *= 10;
	if (!digits || !v || v > 86400000)
		return false;
	*ms = v;
	return true;
}

bool parse_addr(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && end != s && *end == '\0' && *s != '-';
}

/* The index of @s in @names, or -1. */
static int lookup(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

int parse_format(const char *s, enum image_format *f)
{
	static const char * const names[] = { "auto", "flat", "elf", "multiboot", "linux" };
	int i = lookup(s, names, 5);

	if (i >= 0)
		*f = i;
	return i < 0 ? -1 : 0;
}

int parse_mode(const char *s, enum minivm_mode *m)
{
	static const char * const names[] = { "real", "protected", "paged", "long" };
	int i = lookup(s, names, 4);

	if (i >= 0)
		*m = i;
	return i < 0 ? -1 : 0;
}

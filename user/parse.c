// SPDX-License-Identifier: GPL-2.0
/*
 * parse.c - the launcher's argument values: sizes with K/M/G, addresses,
 * format and mode names.  Pure functions, unit-tested on the host.
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

/* SPDX-License-Identifier: GPL-2.0 */
/* tap.h - the few lines of TAP the host unit tests print. */
#ifndef UNIT_TAP_H
#define UNIT_TAP_H

#include <stdbool.h>
#include <stdio.h>

static int tap_nr, tap_failed;

static inline void check(bool ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++tap_nr, what);
	tap_failed += !ok;
}

/* Print the plan last: TAP allows it, and nobody has to count by hand. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_nr);
	return tap_failed ? 1 : 0;
}

#endif /* UNIT_TAP_H */

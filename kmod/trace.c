// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - the one place minivm's tracepoints (trace.h) are instantiated.
 * run.c fires them.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"

/* invariant: assert(), the check of what a header's contract requires,
 * on in every build.
 *
 * SQLite's habit: a precondition a header states (money_split's weights
 * are >= 0, time_split_hours' parts sum to its quantity, a dedup window
 * stays in order) is assert()ed where it is relied on, so a caller that
 * breaks it stops at once, naming the broken rule, rather than billing a
 * wrong fen. They guard money, so they are never compiled out: a build
 * with NDEBUG stops here. An assert is for the program's own mistakes;
 * bad input still gets its clear error, never an assert. Pure. */
#ifndef GPUMETER_INVARIANT_H
#define GPUMETER_INVARIANT_H

#ifdef NDEBUG
#error "gpumeter keeps assert() on in every build (core/invariant.h): build without -DNDEBUG"
#endif

#include <assert.h>

#endif

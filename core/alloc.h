/* alloc: memory that is there or the process stops.
 *
 * gpumeter has nothing useful to do without memory it asked for (a batch
 * half-built, a bill without its lines), so running out aborts at once
 * instead of a NULL check after every call. ALLOC_GROW makes room for one
 * more element of a growable array, doubling from `first`. Thread-safe. */
#ifndef GPUMETER_ALLOC_H
#define GPUMETER_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
/* p resized to n elements of size, the product checked for overflow. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Ensures ptr (an array of count elements, room for cap) has room for one
 * more: cap doubles, starting at first. count and cap are lvalues. */
#define ALLOC_GROW(ptr, count, cap, first)                                                         \
    do {                                                                                           \
        if ((size_t)(count) >= (size_t)(cap)) {                                                    \
            (cap) = (cap) ? (cap)*2 : (first);                                                     \
            (ptr) = xreallocarray((ptr), (size_t)(cap), sizeof *(ptr));                            \
        }                                                                                          \
    } while (0)

#endif

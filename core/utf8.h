/* utf8: strict UTF-8, and what text may name something that keys money.
 *
 * Strict means RFC 3629 as PostgreSQL enforces it: no overlong forms, no
 * surrogates (U+D800-U+DFFF), nothing above U+10FFFF, no NUL. cJSON checks
 * none of this and yajl only the byte pattern, so every byte gpumeter takes
 * from outside (events, labels, documents, API parameters) goes through
 * here before PostgreSQL can refuse it and take a whole batch down with it.
 *
 * An identifier (an account, source, cluster, site, model, vendor, job, a
 * node name) is also free of control characters (C0, DEL, C1) and of the
 * bidirectional formatting characters that make one name display as
 * another (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069).
 * Pure functions; thread-safe. */
#ifndef GPUMETER_UTF8_H
#define GPUMETER_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1-4) of the well-formed sequence at s[0..n), its code point in
 * *cp; 0 when s does not start with one. */
int utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Appends code point cp (not a surrogate, <= U+10FFFF) as UTF-8; returns
 * the bytes written (1-4). */
int utf8_encode(uint32_t cp, char out[4]);

/* True when s[0..n) is strict UTF-8 (a NUL byte is not). */
bool utf8_valid(const char *s, size_t n);

/* NULL when s[0..n) may be an identifier, else why not ("is not valid
 * UTF-8", "contains a control character", "contains a bidirectional
 * formatting character"). Length limits are the caller's. */
const char *utf8_ident_problem(const char *s, size_t n);

/* NULL when s[0..n) is text a person wrote for a record (an actor, a
 * note, a reason): an identifier by the rules above that has something
 * visible in it; else why not, as for utf8_ident_problem, or "is empty",
 * "is blank (only spaces or invisible characters)". Length limits are the
 * caller's, in code points (utf8_chars). */
const char *utf8_text_problem(const char *s, size_t n);
/* The number of code points in s[0..n), which must be valid UTF-8. */
size_t utf8_chars(const char *s, size_t n);

#endif

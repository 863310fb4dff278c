/* suggest: "did you mean" for a word a person typed (a command, an option,
 * a customer's code), from the candidates that were possible.
 *
 * The distance is Damerau-Levenshtein in its optimal-string-alignment form
 * (insert, delete, substitute, or swap two adjacent characters, each 1),
 * over bytes: commands, options and codes are ASCII. A candidate is
 * suggested when it is the unique closest at a distance of at most
 * max(1, strlen(word) / 3): `statment` (8) -> `statement` (1 <= 2),
 * `alhpa` (5) -> `alpha` (a swap, 1 <= 1). Two candidates equally close
 * suggest neither (the person would be guessing between them); an exact
 * match is distance 0 and is suggested as itself.
 *
 * Pure, no state shared between threads: each caller owns its struct
 * suggest; best points at the caller's candidate string, which must live
 * until the result is read. */
#ifndef GPUMETER_SUGGEST_H
#define GPUMETER_SUGGEST_H

#include <stdbool.h>
#include <stddef.h>

#define SUGGEST_MAX_LEN 128 /* longer words or candidates are never suggested */

/* The distance between a and b, or SIZE_MAX when either is longer than
 * SUGGEST_MAX_LEN bytes. */
size_t suggest_distance(const char *a, const char *b);

struct suggest {
    const char *word;
    size_t limit;     /* max(1, strlen(word) / 3) */
    const char *best; /* closest so far within limit, NULL if none */
    size_t best_distance;
    bool tie; /* another, different candidate is as close as best */
};

void suggest_init(struct suggest *s, const char *word);
void suggest_offer(struct suggest *s, const char *candidate);
/* The unique closest candidate within the limit, or NULL. */
const char *suggest_result(const struct suggest *s);

/* Over a NULL-terminated array of candidates: suggest_result's answer. */
const char *suggest_among(const char *word, const char *const *candidates);

#endif

/* suggest: Damerau-Levenshtein (optimal string alignment) and the unique
 * closest candidate (see suggest.h). */
#include "suggest.h"

#include "invariant.h"

#include <stdint.h>
#include <string.h>

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

size_t suggest_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > SUGGEST_MAX_LEN || m > SUGGEST_MAX_LEN) return SIZE_MAX;
    /* three rows of the dynamic programme: i-2, i-1 and i */
    size_t rows[3][SUGGEST_MAX_LEN + 1];
    size_t *two = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                two[j - 2] + 1 < cur[j])
                cur[j] = two[j - 2] + 1;
        }
        size_t *t = two;
        two = prev;
        prev = cur;
        cur = t;
    }
    return prev[m];
}

void suggest_init(struct suggest *s, const char *word)
{
    assert(word);
    size_t third = strlen(word) / 3;
    *s = (struct suggest){.word = word, .limit = third > 1 ? third : 1, .best_distance = SIZE_MAX};
}

void suggest_offer(struct suggest *s, const char *candidate)
{
    if (!candidate || !candidate[0]) return;
    size_t d = suggest_distance(s->word, candidate);
    if (d > s->limit || d > s->best_distance) return;
    if (d == s->best_distance) {
        if (strcmp(candidate, s->best) != 0) s->tie = true; /* the same one twice is no tie */
        return;
    }
    s->best = candidate;
    s->best_distance = d;
    s->tie = false;
}

const char *suggest_result(const struct suggest *s)
{
    return s->tie ? NULL : s->best;
}

const char *suggest_among(const char *word, const char *const *candidates)
{
    struct suggest s;
    suggest_init(&s, word);
    for (const char *const *c = candidates; *c; c++)
        suggest_offer(&s, *c);
    return suggest_result(&s);
}

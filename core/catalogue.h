/* catalogue: the accelerator models gpumeter prices, and what telemetry
 * calls them.
 *
 * Telemetry reports the same accelerator many ways ("NVIDIA H800",
 * "H800 80GB HBM3", "A800-SXM4-80GB", "Ascend910B3", a Slurm gres type
 * "910b"). catalogue_find maps any of them to one catalogue entry: the
 * canonical model that plans price, its vendor, and whether it is a domestic
 * (Chinese-made) accelerator, which vouchers and subsidies ask about. The
 * rule: drop everything but letters and digits, ignore case and a leading
 * vendor name, and take the longest catalogue name (or alias) the rest
 * starts with. docs/plans.md lists the catalogue. Constant tables: thread-safe. */
#ifndef GPUMETER_CATALOGUE_H
#define GPUMETER_CATALOGUE_H

#include <stdbool.h>

struct accelerator {
    const char *model; /* canonical, as plans write it */
    const char *vendor;
    bool domestic;
};

/* NULL when the name matches no catalogue entry. */
const struct accelerator *catalogue_find(const char *reported);
/* The catalogue model a name that catalogue_find does not know is a typo
 * of ("H8O0" -> "H800"), by suggest.h's rule over the canonical names, or
 * NULL: for "did you mean" in an error. */
const char *catalogue_suggest(const char *name);
/* Whether a vendor ("nvidia", "huawei", ...) makes a catalogue model. */
bool catalogue_has_vendor(const char *vendor);
/* The vendor as a customer reads it: "NVIDIA", "Huawei"; the vendor itself
 * when it has no other name. */
const char *catalogue_vendor_name(const char *vendor);

#endif

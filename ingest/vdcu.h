/* vdcu: the shares of Hygon vDCUs, one DCU's compute units split between
 * pods (dcu-exporter's vdcu_* series), into the stated-share rule of
 * device.h.
 *
 * dcu-exporter labels every vdcu_* series with vdcu_minor_number, its
 * compute units (vdcu_computer_unit) and, when a pod holds it
 * (hygon.com/dcu-share, or a dynamic vDCU), dcu_pod_namespace/dcu_pod_name;
 * the card's own count is the value of its dcu_compute_unit_count series.
 * A pod's share of the card is the compute units of its vDCUs (each vDCU
 * once, however many series repeat it) over the card's, rounded down in
 * parts of DEVICE_SHARE_WHOLE, at most the whole; device_meter then bills
 * window x share and splits the card's energy by the same shares, what no
 * share covers stranded. A vDCU naming a pod on a card whose compute-unit
 * count the scrape lacks (or gives as 0) is a bad line, never a share
 * guessed. Not thread-safe: one parse owns a struct vdcu_shares. */
#ifndef GPUMETER_VDCU_H
#define GPUMETER_VDCU_H

#include "ingest/device.h"

#include <stddef.h>
#include <stdint.h>

struct vdcu_share; /* one vDCU held by a pod */
struct vdcu_card;  /* one card's compute units */

struct vdcu_shares {
    struct vdcu_share *v;
    size_t n, cap;
    struct vdcu_card *cards;
    size_t ncards, cards_cap;
};

/* vDCU vdcu (its units) of the card known by key, held by pod ns/pod,
 * seen on line lineno. */
void vdcu_note(struct vdcu_shares *s, const char *key, const char *vdcu, int64_t units,
               const char *ns, const char *pod, long lineno);
/* The card's compute units (dcu_compute_unit_count). */
void vdcu_card_units(struct vdcu_shares *s, const char *key, int64_t units);
/* States each pod's share on its card's reading in src->set (bad lines to
 * src->rejects), then frees what s holds. */
void vdcu_apply(struct vdcu_shares *s, struct device_source *src);

#endif

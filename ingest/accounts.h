/* accounts: the operator's mapping from hardware and jobs to accounts.
 *
 * Sources whose telemetry carries no tenant (nvidia-smi, Slurm job ids seen
 * by dcgm) look accounts up here. The file holds `kind:key account` lines,
 * kind one of gpu (a GPU UUID), node (a host name) or job (a Slurm job id);
 * `#` starts a comment. A `share:<account> cores|memory` line states instead
 * the basis of that account's shares of a shared GPU (collect hami reads
 * it: accounts_find(m, "share", account) is "cores", "memory" or NULL).
 * A bad line (an unknown kind, a basis other than cores or memory, a key
 * listed twice, a share: naming no account) rejects the whole file.
 * Thread-safety: a loaded map is read-only and may be read from any
 * thread; loading it is the caller's. */
#ifndef GPUMETER_ACCOUNTS_H
#define GPUMETER_ACCOUNTS_H

#include <stddef.h>

struct account_map;

/* NULL path gives an empty map. NULL with err filled ("path:line: why"). */
struct account_map *accounts_load(const char *path, char *err, size_t errlen);
/* The account for kind ("gpu", "node", "job") and key, or for kind "share"
 * the basis of account key; NULL when not listed (also for a NULL map). */
const char *accounts_find(const struct account_map *m, const char *kind, const char *key);
void accounts_free(struct account_map *m);

#endif

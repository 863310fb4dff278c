/* contract: the contract, site, voucher and subsidy document kinds
 * (docstore.h), named for their kind, and their commands.
 * Thread-safety: the kinds are read-only tables; the commands keep no state between calls. */
#ifndef GPUMETER_TERMS_CONTRACT_H
#define GPUMETER_TERMS_CONTRACT_H

#include "terms/docstore.h"

extern const struct doc_kind contract_kind, site_kind, voucher_kind, subsidy_kind;

#endif

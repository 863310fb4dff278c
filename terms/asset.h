/* asset: the tariff and asset document kinds (docstore.h), what the
 * operator pays for energy and hardware, and their commands
 * (`gpumeter tariff|asset apply|list|show`).
 * Thread-safety: each command runs on its own connection and keeps no state between calls. */
#ifndef GPUMETER_ASSET_H
#define GPUMETER_ASSET_H

#include "terms/docstore.h"

extern const struct doc_kind tariff_kind, asset_kind;

#endif

/* maintenance: the maintenance document kind (docstore.h,
 * maintenance_doc.h) and its commands (`gpumeter maintenance
 * apply|list|show|diff`). Applying a version writes its windows through
 * schema 048's maintenance_store, under the notice the configuration
 * states (maintenance.notice_hours), in the applying transaction, and
 * warns of each window not announced in time (maintenance_announced: an
 * unannounced outage, which excludes nothing). A version that would govern
 * a month whose SLA evidence a standing invoice carries is refused (exit
 * 2, each month and invoice named: docstore_frozen_months), as plans and
 * contracts are for issued months: the credit was computed with the
 * windows in effect.
 * Thread-safety: each command runs on its own connection and keeps no
 * state between calls. */
#ifndef GPUMETER_MAINTENANCE_H
#define GPUMETER_MAINTENANCE_H

#include "terms/docstore.h"

extern const struct doc_kind maintenance_kind;

#endif

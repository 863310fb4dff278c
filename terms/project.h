/* project: the project document kind (docstore.h, project_doc.h; issue
 * 37, docs/investor.md, "Projects") and its commands (`gpumeter project
 * apply|list|show|diff`). Applying checks against the database that every
 * asset has an asset document, every contract a contract document, and
 * that no asset or contract belongs to another project while this version
 * is in effect (schema 054, project_claims: the other project and its
 * version named). Nothing issued depends on a project, so a version may
 * be replaced at any time; every change is in audit_log. `project show`
 * lives in billing/project_show.c (commands.h), which prints the debt
 * schedule. Thread-safety: each command runs on its own connection and
 * keeps no state between calls. */
#ifndef GPUMETER_PROJECT_H
#define GPUMETER_PROJECT_H

#include "terms/docstore.h"

extern const struct doc_kind project_kind;

#endif

/* known: what a person is told when a code they typed names nothing:
 * `unknown customer 'alhpa'; did you mean 'alpha'?` (core/suggest.h's rule
 * over the codes stored; no suggestion when none is close or two are
 * equally close).
 *
 * One message for every command that takes a customer's or a document's
 * code (plan, contract, ...), so
 * that each says the same. Only on the error path: it reads the codes of
 * that length give or take the suggestion's limit. Logs nothing else and
 * changes nothing; the caller exits with its own code (1 today: a value
 * that names nothing is found out at run time). Main thread, or a thread's
 * own connection. */
#ifndef GPUMETER_KNOWN_H
#define GPUMETER_KNOWN_H

typedef struct pg_conn PGconn;

/* Logs the error for code of kind: "customer" (the customers' codes) or a
 * document kind ("plan", "contract", "site": the codes of that kind's
 * versions), with "did you mean" when one is close. A failed look-up of the
 * suggestions still logs the error. */
void known_missing(PGconn *conn, const char *kind, const char *code);

/* A document's accelerator model the catalogue does not know, reported at
 * path: `unknown accelerator model "H2O"; did you mean 'H20'?` (the
 * catalogue's canonical names, core/catalogue.h's catalogue_suggest). */
struct doc_check;
void known_model_error(struct doc_check *c, const char *path, const char *name);

#endif

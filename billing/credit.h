/* credit: `gpumeter invoice credit` (credit.c), a partial credit note
 * against an issued invoice, by amount or by lines; never more than remains
 * of the invoice (docs/invoices.md, "Partial credit notes"). It keeps the
 * lifecycle_ name of the invoice commands it sits beside (lifecycle.h),
 * whose numbering and audit it uses. A command: runs on the main thread,
 * not thread-safe. Returns the process exit code. */
#ifndef GPUMETER_CREDIT_H
#define GPUMETER_CREDIT_H

int lifecycle_credit(int argc, char **argv);

#endif

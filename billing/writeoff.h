/* writeoff: `gpumeter invoice write-off NUMBER --reason TEXT`, what is
 * open of an issued invoice written off (write_off debit, receivable
 * credit) through schema 033's invoice_write_off, with its reason and
 * actor on the audit row of the same transaction (docs/payments.md).
 * Returns the process exit code: 2 for bad usage or an invoice with
 * nothing open. A command: runs on the main thread. */
#ifndef GPUMETER_WRITEOFF_H
#define GPUMETER_WRITEOFF_H

int writeoff_invoice(int argc, char **argv);

#endif

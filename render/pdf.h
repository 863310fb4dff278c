/* pdf: a bill as a printable PDF with Chinese and English labels, fonts
 * embedded, cut to the characters it prints (Cairo and Pango, Noto Sans
 * CJK SC; render/font_subset.h): an invoice as a settlement
 * statement (结算单 Statement of charges; the fapiao is the tax system's),
 * marked 作废 VOID across each page when void, or a credit note with what it
 * credits as positive amounts (docs/invoices.md, "The PDF").
 * Reentrant: each call owns its document and its cut fonts' map (and
 * their files under $TMPDIR, removed when it returns); Pango's default
 * font map, which the characters are collected in, is per thread. */
#ifndef GPUMETER_PDF_H
#define GPUMETER_PDF_H

#include "core/config.h"
#include "pricing/bill.h"

#include <stdbool.h>

/* Writes b to path, seller as the operator. False after printing why. */
bool pdf_render(const struct bill *b, const struct seller *seller, const char *path);

/* The availability an invoice's SLA credit was computed from, as its
 * evidence pages print it (issue 36): rows of invoice_sla_evidence
 * (schema 050) summed by billing/sla_evidence.h, each figure already
 * formatted by the reports' rules (GPU-hours with 3 decimals, availability
 * in percent with 4 decimals, rounded down). Per month measured, in this
 * order: its days, its devices with downtime, then the month. */
enum sla_evidence_kind { SLA_EVIDENCE_DAY, SLA_EVIDENCE_DEVICE, SLA_EVIDENCE_MONTH };
struct sla_evidence_row {
    char month[8]; /* YYYY-MM measured */
    enum sla_evidence_kind kind;
    char key[192];  /* the day (YYYY-MM-DD), the device (site/node/device), "" for the month */
    char model[64]; /* a device's */
    char metered[24], maintenance[24], customer[24], downtime[24]; /* GPU-hours */
    char percent[16]; /* availability; "-" when nothing was metered */
    /* what the month's terms count as delivered (the sla's "excludes" of
     * the contract in effect for the month measured) */
    bool ex_maintenance, ex_customer;
};
/* A span of time a reserved device was not up (schema 052's
 * invoice_sla_span): consecutive windows with the same state, reasons and
 * class, times local to the contract's zone. */
struct sla_evidence_span {
    char month[8];  /* YYYY-MM measured */
    char key[200];  /* site/node/device */
    char model[64];
    char start[20], end[20]; /* YYYY-MM-DD HH:MM:SS */
    char state[12];          /* degraded, down */
    char hours[24];          /* GPU-hours */
    char reasons[280];       /* the codes, space-separated */
    char cls[16];            /* maintenance, customer (excluded), downtime */
};
struct sla_evidence {
    struct sla_evidence_row *rows;
    size_t n;
    struct sla_evidence_span *spans; /* by month, device, start */
    size_t nspans;
};

/* pdf_render, then, when ev has rows, the evidence pages: per month
 * measured, availability by day, the devices with downtime, the month's,
 * and the spans not up with their reasons, in Chinese and English,
 * numbered with the document's pages. */
bool pdf_render_with_evidence(const struct bill *b, const struct sla_evidence *ev,
                              const struct seller *seller, const char *path);

#endif

#!/usr/bin/env python3
"""Sums a FOCUS CSV's BilledCost per invoice (x_InvoiceId), exactly, with
Decimal: prints "NUMBER TOTAL" per invoice, sorted, for the test to compare
with the invoices' totals in PostgreSQL. Also prints "rows N"."""
import csv
import sys
from decimal import Decimal

sums, rows = {}, 0
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        rows += 1
        sums[row["x_InvoiceId"]] = sums.get(row["x_InvoiceId"], Decimal(0)) + Decimal(row["BilledCost"])
for number in sorted(sums):
    print(number, sums[number])
print("rows", rows)

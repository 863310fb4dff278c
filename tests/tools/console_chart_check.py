#!/usr/bin/env python3
"""Checks that a console chart draws what the API answered (issue 37's
investor charts, docs/console.md): what a driver printed of the chart
(console_customer.mjs chartData, JSON) against the API's JSON, rebuilt here
independently of app.js from the rule docs/console.md states.

    console_chart_check.py backlog API_JSON CHART_JSON
    console_chart_check.py index API_JSON CHART_JSON FROM TO

backlog: the months of the curve in order on the axis, the currency as
the axis's unit, two stacked series: each month's counted backlog, then its
in-default part. index: every month FROM..TO on the axis; one line per
model in the order the rows first name it (one currency); a month with no
row, or withheld ("insufficient"), null (a gap); a provisional month
{"value", "symbol": "diamond", "symbolSize": 12}; a final one its value.
The API's decimal strings become numbers as the chart's do (a float of the
decimal), compared exactly. Prints "equal", or the expected and what the
chart drew, and exits 1."""
import json
import sys


def months_between(a, b):
    y, m = map(int, a.split("-"))
    y1, m1 = map(int, b.split("-"))
    out = []
    while y * 12 + m <= y1 * 12 + m1:
        out.append("%04d-%02d" % (y, m))
        m += 1
        if m > 12:
            y, m = y + 1, 1
    return out


def backlog(api):
    ms = api["months"]
    return {"x": [x["month"] for x in ms], "unit": api["currency"],
            "series": [{"stack": "b", "data": [float(x["backlog"]) for x in ms]},
                       {"stack": "b", "data": [float(x["in_default"]) for x in ms]}]}


def index(api, a, b):
    rows = api["rows"]
    price = "price_per_million_tokens" if api["series"] == "tokens" else "price_per_gpu_hour"
    keys = []
    for r in rows:
        if r["model"] not in keys:
            keys.append(r["model"])
    def point(k, mo):
        r = next((r for r in rows if r["month"] == mo and r["model"] == k), None)
        if r is None or r[price] == "insufficient":
            return None
        v = float(r[price])
        return {"value": v, "symbol": "diamond", "symbolSize": 12} if r["status"] == "provisional" else v
    x = months_between(a, b)
    return {"x": x, "series": [{"name": k, "data": [point(k, mo) for mo in x]} for k in keys]}


def main():
    kind, api, chart = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
    if kind == "backlog":
        want = backlog(api)
        got = {"x": chart["x"], "unit": chart["unit"],
               "series": [{"stack": s["stack"], "data": s["data"]} for s in chart["series"]]}
    else:
        want = index(api, sys.argv[4], sys.argv[5])
        got = {"x": chart["x"], "series": [{"name": s["name"], "data": s["data"]} for s in chart["series"]]}
    if want == got:
        print("equal")
        return 0
    print("expected %s\ngot      %s" % (json.dumps(want), json.dumps(got)))
    return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks that a console chart draws what the API answered (issue 37's
investor charts, docs/console.md): what a driver printed of the chart
(console_customer.mjs chartData, JSON) against the API's JSON, rebuilt here
independently of app.js from the rule docs/console.md states.

    console_chart_check.py backlog API_JSON CHART_JSON
    console_chart_check.py index API_JSON CHART_JSON FROM TO [LANG]
    console_chart_check.py days ROWS_JSON CHART_JSON PERIOD SERIES VALUE UNIT

backlog: the months of the curve in order on the axis, the currency as
the axis's unit, two stacked series: each month's counted backlog, then its
in-default part. index: every month FROM..TO on the axis; one line per
model in the order the rows first name it (one currency); a month with no
row, or withheld ("insufficient"), null (a gap); a provisional month
{"value", "symbol": "diamond", "symbolSize": 12}; a final one its value.
days (issue 39, a customer's day charts): every day of PERIOD (YYYY-MM)
on the axis as en-GB writes it ("6 Oct"), a day without a row 0; UNIT the
axis's name; one stacked series per value of the rows' SERIES field (names
sorted), each day the sum of its rows' VALUE in the rows' order; when the
chart gathered series into "Other (n)" (its last series), the ones it kept
are the top len-1 by total (largest first, ties by name) in name order, n
is how many it gathered and each day of it is the sum of theirs, added
largest total first. ROWS_JSON is the API's rows (/v1/usage, a JSON list).
The API's decimal strings become numbers as the chart's do (a float of the
decimal), compared exactly. Prints "equal", or the expected and what the
chart drew, and exits 1."""
import calendar
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


# The token class the API names in English, as the Chinese page names it
# (app.js's term_ words, issue 39).
ZH_TERMS = {"any size": "不限参数规模"}


def index(api, a, b, lang="en"):
    rows = [dict(r, model=ZH_TERMS.get(r["model"], r["model"]) if lang == "zh" else r["model"]) for r in api["rows"]]
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


def days(rows, chart, period, field, value, unit):
    y, m = map(int, period.split("-"))
    last = calendar.monthrange(y, m)[1]
    axis = ["%04d-%02d-%02d" % (y, m, d) for d in range(1, last + 1)]
    names = sorted({r[field] for r in rows})
    data = {n: {} for n in names}
    for r in rows:
        day = r["time"][:10]
        data[r[field]][day] = data[r[field]].get(day, 0) + float(r[value])
    series = [{"name": n or "-", "stack": "all", "data": [data[n].get(d, 0) for d in axis]} for n in names]
    drawn = chart["series"]
    if len(drawn) < len(series) and drawn and drawn[-1]["name"].startswith("Other ("):
        by_total = sorted(series, key=lambda s: (-sum(s["data"]), s["name"]))
        keep = {s["name"] for s in by_total[:len(drawn) - 1]}
        rest = by_total[len(drawn) - 1:]
        other = [0 for _ in axis]
        for i in range(len(axis)):
            for s in rest:
                other[i] = other[i] + s["data"][i]
        series = [s for s in series if s["name"] in keep] + [
            {"name": "Other (%d)" % len(rest), "stack": "all", "data": other}]
    label = ["%d %s" % (int(d[8:]), calendar.month_abbr[m]) for d in axis]
    return {"x": label, "unit": unit, "series": series}


def main():
    kind, api, chart = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
    if kind == "days":
        want = days(api, chart, *sys.argv[4:8])
        got = {"x": chart["x"], "unit": chart.get("unit"),
               "series": [{"name": s["name"], "stack": s["stack"], "data": s["data"]} for s in chart["series"]]}
    elif kind == "backlog":
        want = backlog(api)
        got = {"x": chart["x"], "unit": chart.get("unit"),
               "series": [{"stack": s["stack"], "data": s["data"]} for s in chart["series"]]}
    else:
        want = index(api, *sys.argv[4:7])
        got = {"x": chart["x"], "series": [{"name": s["name"], "data": s["data"]} for s in chart["series"]]}
    if want == got:
        print("equal")
        return 0
    print("expected %s\ngot      %s" % (json.dumps(want), json.dumps(got)))
    return 1


if __name__ == "__main__":
    sys.exit(main())

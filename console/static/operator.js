/* gpumeter console: the operator's pages (issue 39, docs/console.md#the-operators-pages).
 * An operator key reads the fleet and no customer's money (docs/api.md#roles):
 * what each model earned and how busy it was (yield), idle capacity by day,
 * whole nodes and fragments, the contract calendar, and the fleet's health
 * (app.js's fleet view, whose per-customer credits the API leaves out for
 * this key). Every figure is the API's own string, shown as it comes;
 * data-* attributes carry the raw values for the tests. */
"use strict";

Object.assign(WORDS.en, {
  operator: "Operator", operatorT: "The fleet this month",
  opYield: "Yield by accelerator model", opIdle: "Idle capacity by day (GPU-hours)",
  opFragments: "Idle fragments by model (the month)", fragmentsHint: "Whole idle nodes can take an 8-GPU job; stranded GPUs are idle but scattered over busy nodes.",
  idleWholeH: "Idle, whole nodes (GPU-h)", idleStrandedH: "Idle, stranded (GPU-h)",
  opCalendar: "Contract calendar", calFrom: "from", gpuHoursCommitted: "Committed GPU-hours", busyLastMonth: "GPUs busy last month (ending)",
  noYield: "Nothing was installed or allocated in this month.", noIdle: "No capacity was collected in this month.",
  opNoMoney: "An operator key sees no customer's invoices, statements, payments or receivables.",
  availabilityPct: "Available %",
  fleetCreditsTotal: "SLA credits, all customers together (issued invoices)",
});
Object.assign(WORDS.zh, {
  operator: "运维", operatorT: "本月机群",
  opYield: "按加速卡型号的收益", opIdle: "每日闲置容量（卡时）",
  opFragments: "按型号的闲置碎片（本月）", fragmentsHint: "整机闲置可承接 8 卡作业；碎片闲置指分散在繁忙节点上的空闲 GPU。",
  idleWholeH: "整机闲置（卡时）", idleStrandedH: "碎片闲置（卡时）",
  opCalendar: "合同日历", calFrom: "起始", gpuHoursCommitted: "承诺卡时", busyLastMonth: "到期客户上月占用 GPU",
  noYield: "本月没有已安装或已分配的容量。", noIdle: "本月没有采集到容量数据。",
  opNoMoney: "运维密钥看不到任何客户的发票、账单、付款或应收款。",
  availabilityPct: "可用率 %",
  fleetCreditsTotal: "SLA 赔付，全部客户合计（已开具发票）",
});

/* Idle GPU-milliseconds per model over the month's days: the one sum this
 * console makes (the capacity report has no month grain), of integers,
 * exactly (BigInt), shown in GPU-hours to 0.001, half up; the milliseconds
 * ride along in data-ms (docs/console.md#the-operators-pages). */
function idleByModel(rows) {
  const by = new Map();
  for (const r of rows) {
    const m = by.get(r.model) || { whole: 0n, stranded: 0n };
    m.whole += BigInt(r.idle_whole_8gpu_ms);
    m.stranded += BigInt(r.idle_stranded_ms);
    by.set(r.model, m);
  }
  const hours = (ms) => { const milli = (ms + 1800n) / 3600n; return `${milli / 1000n}.${String(milli % 1000n).padStart(3, "0")}`; };
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([model, m]) => ({
    model, whole_ms: m.whole, stranded_ms: m.stranded, whole: hours(m.whole), stranded: hours(m.stranded),
  }));
}

async function operatorView(params) {
  const { bar, period } = await toolbar("operator", params, false);
  const [yld, cap, cal] = await Promise.all([
    api(`/v1/operator/yield?period=${period}`),
    api(`/v1/operator/capacity?from=${period}-01&to=${lastDay(period)}&by=day`),
    api(`/v1/operator/contracts?from=${period}&horizon=6`),
  ]);
  const grid = el("div", { class: "grid" });
  const c = yld.currency;
  grid.append(el("section", { class: "card wide", id: "op-yield" }, el("h2", {}, `${t("opYield")} · ${c}`),
    yld.rows.length
      ? barChart("op-yield", yld.rows.map((r) => r.model), [{ name: t("revenue"), data: yld.rows.map((r) => Number(r.revenue)) }, { name: t("margin"), data: yld.rows.map((r) => Number(r.margin)) }], c)
      : el("p", { class: "muted" }, t("noYield")),
    table([t("model"), t("installed"), t("allocated"), t("utilisation"), t("availabilityPct"), t("revenue"), t("margin")], yld.rows.map((r) => el("tr", { "data-yield": r.model },
      td(r.model), td(num(r.installed_gpu_hours), { class: "num", "data-value": r.installed_gpu_hours }), td(num(r.allocated_gpu_hours), { class: "num", "data-value": r.allocated_gpu_hours }),
      /* no GPU installed: the API's "-" (Intl would print NaN) */
      td(r.utilisation_pct === "-" ? "-" : num(r.utilisation_pct), { class: "num", "data-value": r.utilisation_pct }),
      /* no health collected: no availability (the API's ppm is null) */
      td(r.availability_ppm === null || r.availability_ppm === undefined ? "-" : exact(r.availability_percent), { class: "num" }),
      td(money(r.revenue, c), { class: "num", "data-value": r.revenue }), td(money(r.margin, c), { class: "num", "data-value": r.margin }))), { name: "op-yield", num: [1, 2, 3, 4, 5, 6] })));
  const frag = idleByModel(cap.rows);
  grid.append(el("section", { class: "card wide", id: "op-fragments" }, el("h2", {}, t("opFragments")), el("p", { class: "sub" }, t("fragmentsHint")),
    frag.length ? table([t("model"), t("idleWholeH"), t("idleStrandedH")], frag.map((f) => el("tr", { "data-fragments": f.model },
      td(f.model), td(num(f.whole), { class: "num", "data-ms": String(f.whole_ms) }), td(num(f.stranded), { class: "num", "data-ms": String(f.stranded_ms) }))),
    { name: "op-fragments", num: [1, 2] }) : el("p", { class: "muted" }, t("noIdle"))));
  const daily = cap.rows.flatMap((r) => [{ time: r.day, s: `${r.model} ${t("idleWhole")}`, q: r.idle_whole_8gpu_ms }, { time: r.day, s: `${r.model} ${t("idleStranded")}`, q: r.idle_stranded_ms }]);
  grid.append(el("section", { class: "card wide", id: "op-idle" }, el("h2", {}, t("opIdle")), dayChart("op-idle", period, daily, (r) => r.s, (r) => r.q / 3600000, gpuHoursUnit()),
    el("details", {}, el("summary", {}, t("table")),
      table([t("day"), t("model"), t("installed"), t("allocated"), t("idleWhole"), t("idleStranded")], cap.rows.map((r) => el("tr", { "data-capacity": `${r.day} ${r.model}` },
        td(dateName(r.day)), td(r.model), td(num(r.installed_gpu_hours), { class: "num" }), td(num(r.allocated_gpu_hours), { class: "num" }),
        td(num(r.idle_whole_8gpu_gpu_hours), { class: "num" }), td(num(r.idle_stranded_gpu_hours), { class: "num" }))), { name: "op-capacity", num: [2, 3, 4, 5] }))));
  grid.append(el("section", { class: "card wide", id: "op-calendar" }, el("h2", {}, `${t("opCalendar")} · ${t("calFrom")} ${monthName(cal.from)}`),
    table([t("month"), t("contracts"), t("committed"), t("gpuHoursCommitted"), t("ending"), t("busyLastMonth")], cal.months.map((m) => el("tr", { "data-month": m.month },
      td(monthName(m.month)), td(m.contracts, { class: "num", "data-value": m.contracts }),
      td(m.committed.map((x) => money(x.amount, x.currency)).join(", ") || "-"),
      td(num(m.gpu_hours), { class: "num", "data-value": m.gpu_hours }),
      td(m.ending.join(", ") || "-"),
      td(m.gpus_busy_last_month.map((g) => `${g.model} ${num(g.gpus)}`).join(", ") || "-"))), { name: "op-calendar", num: [1, 3] })));
  grid.append(el("p", { class: "muted wide", id: "op-no-money" }, t("opNoMoney")));
  show(el("h1", {}, `${t("operatorT")} · ${monthName(period)}`), bar, grid);
}

registerView("operator", ["operator"], operatorView);
registerView("fleet", ["operator"], fleetView);

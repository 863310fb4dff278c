/* gpumeter console: plans and their approval (issue 39, docs/console.md
 * "Plans"). Sales edits a plan version as tables (prices by model,
 * time-of-use bands, tokens by model size) and proposes it; finance
 * approves or rejects proposals (never its own key's); both compare two
 * versions side by side with the changes marked, and simulate a pending
 * proposal on a customer's month before it is approved. Every write goes
 * through the API (POST /v1/proposals, /v1/proposals/decide) with the
 * session's CSRF token (app.js withCsrf); the API validates with the CLI's
 * validators and answers each problem with its JSON path and code, shown
 * at its field in the console's language. */
"use strict";

Object.assign(WORDS.en, {
  plans: "Plans", planEditor: "Edit a plan version", pickPlan: "Plan", fromVersion: "Start from version", name: "Name", effectiveFrom: "Takes effect on", currencyF: "Currency",
  gpuPrices: "GPU-hour prices by model", bands: "Time-of-use bands", band: "Band", fromHour: "From (hour)", toHour: "To (hour)", multiplier: "Multiplier", tokenBrackets: "Tokens by model size", upToParams: "Models up to (parameters)", anySize: "any size", tiered: "tiered (kept as is)",
  addRow: "Add a row", removeRow: "Remove", propose: "Propose this version", proposedOk: "Proposed as proposal {id}: it takes effect when finance approves it.", unchangedOk: "The same as the stored version: nothing to propose.", fixFields: "Correct the marked fields: nothing was proposed.",
  history: "Versions side by side", compare: "Compare", with: "with", path: "Field", changedOnly: "Only changed fields", noChange: "The two versions are the same.",
  proposals: "Proposals", proposalId: "No.", proposedBy: "Proposed by", proposedAt: "Proposed (UTC)", decidedBy: "Decided by", decidedAt: "Decided (UTC)", approve: "Approve", reject: "Reject", rejectReason: "Reason for rejecting", stale: "stale: versions changed since", pending: "pending", approved: "approved", rejected: "rejected", noProposals: "No proposals.", simulateIt: "Simulate", approvedOk: "Proposal {id} approved: version {v}.", rejectedOk: "Proposal {id} rejected.",
  band_peak: "peak", band_valley: "valley", band_flat: "flat", band_night: "night",
  p_required: "Required.", p_unknown_field: "Not a field of this document.", p_negative: "Must not be negative.", p_unknown_model: "Unknown accelerator model.", p_overlap: "Overlaps another band.", p_unknown_currency: "Unknown currency.", p_unknown_customer: "Unknown customer.", p_frozen: "Would price a month already invoiced: choose a later date.", p_invalid_value: "Not a valid value here.", p_invalid: "Not valid.",
});
Object.assign(WORDS.zh, {
  plans: "方案", planEditor: "编辑方案版本", pickPlan: "方案", fromVersion: "基于版本", name: "名称", effectiveFrom: "生效日", currencyF: "币种",
  gpuPrices: "按型号的 GPU 卡时单价", bands: "分时段", band: "时段", fromHour: "起（时）", toHour: "止（时）", multiplier: "倍率", tokenBrackets: "按模型规模的 Token 单价", upToParams: "模型参数量上限", anySize: "不限规模", tiered: "阶梯价（保持不变）",
  addRow: "添加一行", removeRow: "删除", propose: "提交此版本审批", proposedOk: "已提交为第 {id} 号提案：财务批准后生效。", unchangedOk: "与已存版本相同，无需提交。", fixFields: "请更正标出的字段：未提交任何内容。",
  history: "版本对照", compare: "对比", with: "与", path: "字段", changedOnly: "只看改动", noChange: "两个版本相同。",
  proposals: "提案", proposalId: "编号", proposedBy: "提出人", proposedAt: "提出时间（UTC）", decidedBy: "审批人", decidedAt: "审批时间（UTC）", approve: "批准", reject: "驳回", rejectReason: "驳回原因", stale: "已过期：其后版本已变", pending: "待审批", approved: "已批准", rejected: "已驳回", noProposals: "没有提案。", simulateIt: "模拟", approvedOk: "第 {id} 号提案已批准：版本{v}。", rejectedOk: "第 {id} 号提案已驳回。",
  created: "已创建", replaced: "已替换", unchanged: "未变",
  band_peak: "峰时", band_valley: "谷时", band_flat: "平时", band_night: "夜间",
  p_required: "必填。", p_unknown_field: "文档中没有此字段。", p_negative: "不能为负数。", p_unknown_model: "未知的加速卡型号。", p_overlap: "与其他时段重叠。", p_unknown_currency: "未知币种。", p_unknown_customer: "未知客户。", p_frozen: "会重新计价已开票的月份：请选更晚的日期。", p_invalid_value: "此处的值无效。", p_invalid: "无效。",
});
Object.assign(WORDS.en, { created: "created", replaced: "replaced", unchanged: "unchanged", contract: "Contract", proposalOf: "Plan or contract" });
Object.assign(WORDS.zh, { contract: "合同", proposalOf: "方案或合同" });

/* A document's scalar leaves as [JSON path, value], in document order. */
function leaves(doc, path, out) {
  const o = out || [];
  const p = path || "$";
  if (Array.isArray(doc)) doc.forEach((v, i) => leaves(v, `${p}[${i}]`, o));
  else if (doc && typeof doc === "object") for (const [k, v] of Object.entries(doc)) leaves(v, `${p}.${k}`, o);
  else o.push([p, doc]);
  return o;
}

/* An input bound to obj[key]: numbers stay numbers, money stays a string. */
function field(obj, key, path, attrs) {
  const number = typeof obj[key] === "number";
  const input = el("input", Object.assign({ value: obj[key] === undefined ? "" : String(obj[key]), "data-path": path, inputmode: number ? "numeric" : null }, attrs || {}));
  input.addEventListener("input", () => {
    const v = input.value.trim();
    obj[key] = number && /^-?[0-9]+$/.test(v) ? Number(v) : v;
  });
  return input;
}

/* An editable table of the objects in list (columns: [key, word]), each
 * row's inputs carrying their JSON path under base; rows can be added
 * (blank, of template) and removed. redraw() after a change of rows. */
function rowsTable(name, list, base, columns, template, redraw) {
  const rows = list.map((row, i) => el("tr", { "data-path": `${base}[${i}]` },
    columns.map(([key]) => td(typeof row[key] === "object" && row[key] !== null ? el("span", { class: "muted" }, t("tiered")) : field(row, key, `${base}[${i}].${key}`, { "aria-label": t(columns.find((c) => c[0] === key)[1]) }))),
    td(el("button", { type: "button", class: "link", onclick: () => { list.splice(i, 1); redraw(); } }, t("removeRow")))));
  const add = template ? el("button", { type: "button", "data-add": name, onclick: () => { list.push(structuredClone(template)); redraw(); } }, t("addRow")) : null;
  const shown = table([...columns.map(([, w]) => t(w)), ""], rows, { name });
  /* no button, no node: replaceChildren, unlike el, writes a null as "null" */
  return add ? [shown, add] : [shown];
}

/* The problems of a 422 at their fields: the input of the path, else the
 * row or table holding it; every one also listed under the form. */
function markProblems(form, problems, list) {
  form.querySelectorAll(".field-error").forEach((e) => e.classList.remove("field-error"));
  form.querySelectorAll(".problem").forEach((e) => e.remove());
  list.replaceChildren();
  for (const p of problems) {
    const words = Object.hasOwn(WORDS[lang], `p_${p.code}`) ? t(`p_${p.code}`) : p.message;
    let at = null;
    for (let path = p.path; path; ) {
      at = form.querySelector(`[data-path="${CSS.escape(path)}"]`);
      const shorter = path.replace(/(\.[^.[\]]+|\[[0-9]+\])$/, "");
      if (at || shorter === path) break;
      path = shorter;
    }
    const note = el("span", { class: "problem", "data-problem": p.path, "data-code": p.code }, words);
    if (at && at.tagName === "INPUT") {
      at.classList.add("field-error");
      at.after(note);
    } else if (at) {
      at.classList.add("field-error");
    }
    list.append(el("li", {}, `${p.path}: `, words));
  }
}

async function post(path, body) {
  const res = await fetch(path, withCsrf({ method: "POST", headers: { "Content-Type": "application/json" }, body }));
  if (res.status === 401) throw new SignedOut();
  const json = await res.json().catch(() => null);
  return { status: res.status, json };
}

/* Proposes the document body() gives (kind plan or contract) when form is
 * submitted: the API's problems at their fields, else the proposal's
 * number in result and the proposals card redrawn. */
function onPropose(form, kind, body, problems, result) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    result.textContent = t("loading");
    try {
      const r = await post(`/v1/proposals?kind=${kind}`, JSON.stringify(body()));
      if (r.status === 422 && r.json && r.json.error.problems) {
        markProblems(form, r.json.error.problems, problems);
        result.textContent = t("fixFields");
        result.className = "error";
        return;
      }
      markProblems(form, [], problems);
      if (r.status >= 300) throw new Error(r.json && r.json.error ? `${r.status} ${r.json.error.code}: ${r.json.error.message}` : `${r.status}`);
      result.className = "";
      result.textContent = r.json.status === "unchanged" ? t("unchangedOk") : fill("proposedOk", { id: r.json.proposal });
      result.dataset.proposal = r.json.proposal || "";
      await drawProposals();
    } catch (e) {
      if (e instanceof SignedOut) return signinView(t("ended"));
      result.className = "error";
      result.textContent = e.message;
    }
  });
}

function editorCard(plans, params) {
  const codes = plans.map((p) => p.code);
  const code = codes.includes(params.get("plan")) ? params.get("plan") : codes[0];
  const plan = plans.find((p) => p.code === code);
  const from = plan.versions.find((v) => v.effective_from === params.get("from")) || plan.versions.at(-1);
  const doc = structuredClone(from.document);
  const pick = el("select", { id: "plan-pick" }, codes.map((c) => el("option", { value: c, selected: c === code }, c)));
  const base = el("select", { id: "plan-base" }, plan.versions.map((v) => el("option", { value: v.effective_from, selected: v === from }, dateName(v.effective_from))));
  const reload = () => go("plans", { plan: pick.value, from: pick.value === code ? base.value : "" });
  pick.addEventListener("change", reload);
  base.addEventListener("change", reload);
  const body = el("div", { id: "plan-form-body" });
  const problems = el("ul", { class: "problems", id: "problems" });
  const result = el("p", { id: "propose-result" });
  const form = el("form", { id: "plan-form", "data-path": "$" }, body, problems, el("button", { class: "primary", type: "submit", id: "propose" }, t("propose")), result);
  function draw() {
    const gpu = doc.gpu_hours || null;
    const tokens = doc.tokens || null;
    const bands = (gpu && gpu.time_of_use) || [];
    body.replaceChildren(
      el("div", { class: "toolbar" },
        el("label", {}, t("name"), field(doc, "name", "$.name", { id: "plan-name", class: "wide-input" })),
        el("label", {}, t("effectiveFrom"), field(doc, "effective_from", "$.effective_from", { id: "plan-from", type: "date" })),
        el("label", {}, t("currencyF"), field(doc, "currency", "$.currency", { id: "plan-currency", size: 4 }))),
      ...(gpu && gpu.prices ? [el("h3", {}, t("gpuPrices")), ...rowsTable("prices", gpu.prices, "$.gpu_hours.prices", [["model", "model"], ["unit_price", "unitPrice"]], { model: "", unit_price: "" }, draw)] : []),
      ...(gpu ? [el("h3", {}, t("bands")), ...rowsTable("bands", bands, "$.gpu_hours.time_of_use", [["band", "band"], ["from", "fromHour"], ["to", "toHour"], ["multiplier", "multiplier"]], { band: "", from: 0, to: 0, multiplier: "1" }, () => {
        /* a plan without bands has no time_of_use at all, never an empty one */
        if (bands.length) gpu.time_of_use = bands; else delete gpu.time_of_use;
        draw();
      })] : []),
      ...(tokens && tokens.brackets ? [el("h3", {}, t("tokenBrackets")), ...rowsTable("brackets", tokens.brackets, "$.tokens.brackets", [["up_to_params", "upToParams"], ["unit_price", "unitPrice"]], null, draw)] : []));
    body.querySelectorAll('[data-path$=".up_to_params"]').forEach((i) => { if (!i.value) i.placeholder = t("anySize"); });
  }
  draw();
  onPropose(form, "plan", () => doc, problems, result);
  return el("section", { class: "card wide", "data-card": "editor" }, el("h2", {}, t("planEditor")),
    el("div", { class: "toolbar" }, el("label", {}, t("pickPlan"), pick), el("label", {}, t("fromVersion"), base)), form);
}

/* Documents side by side (a plan's versions, or a version and a
 * proposal): every field of any of them, a row marked where they differ.
 * The values are the documents' own words, shown as written. */
function docsTable(name, docs, heads) {
  const maps = docs.map((d) => new Map(leaves(d)));
  const paths = [...new Set(maps.flatMap((m) => [...m.keys()]))];
  const show = (v) => (v === undefined ? "—" : String(v));
  const rows = paths.map((p) => {
    const vals = maps.map((m) => show(m.get(p)));
    const changed = vals.some((v) => v !== vals[0]);
    return el("tr", { class: changed ? "changed" : null, "data-diff": p, "data-changed": changed ? "true" : null }, td(p, { class: "path" }), ...vals.map((v) => td(v, { translate: "no" })));
  });
  return table([t("path"), ...heads], rows, { name });
}
function diffTable(name, left, right, heads) {
  return docsTable(name, [left, right], heads);
}

/* The versions of one of items (plans or contracts, each {code,
 * versions}: wanted, else the first) compared two at a time. */
function historyCard(items, wanted) {
  const code = items.some((p) => p.code === wanted) ? wanted : items[0].code;
  const vs = items.find((p) => p.code === code).versions;
  const left = el("select", { id: "diff-a" }, vs.map((v, i) => el("option", { value: i, selected: i === Math.max(0, vs.length - 2) }, dateName(v.effective_from))));
  const right = el("select", { id: "diff-b" }, vs.map((v, i) => el("option", { value: i, selected: i === vs.length - 1 }, dateName(v.effective_from))));
  const only = el("input", { type: "checkbox", id: "diff-only", checked: true });
  const out = el("div", { id: "diff" });
  const draw = () => {
    const tbl = diffTable("diff", vs[left.value].document, vs[right.value].document, [dateName(vs[left.value].effective_from), dateName(vs[right.value].effective_from)]);
    if (only.checked) tbl.querySelectorAll("tbody tr:not(.changed)").forEach((r) => r.remove());
    out.replaceChildren(tbl.querySelector("tbody tr") ? tbl : el("p", { class: "muted" }, t("noChange")));
  };
  [left, right, only].forEach((x) => x.addEventListener("change", draw));
  draw();
  return el("section", { class: "card wide", "data-card": "history" }, el("h2", {}, `${t("history")} · ${code}`),
    el("div", { class: "toolbar" }, el("label", {}, t("compare"), left), el("label", {}, t("with"), right), el("label", {}, only, t("changedOnly"))), out);
}

let proposalsBox = null;
let simTarget = null;

/* The proposals, with finance's decisions and a simulation of each. */
async function drawProposals() {
  if (!proposalsBox) return;
  const list = (await api("/v1/proposals")).proposals;
  const now = { plan: (await api("/v1/plans")).plans, contract: (await api("/v1/contracts")).contracts };
  const note = el("p", { id: "decision-result" });
  const out = el("div", { id: "proposal-simulation" });
  const rows = list.map((p) => {
    const cur = now[p.kind].find((x) => x.code === p.code);
    const stored = cur && cur.versions.find((v) => v.effective_from === p.effective_from);
    const actions = [];
    if (p.kind === "plan" && simTarget) actions.push(el("button", { type: "button", "data-simulate": p.id, onclick: () => simulate(p, out) }, t("simulateIt")));
    if (me.role === "finance" && p.status === "pending") {
      const reason = el("input", { placeholder: t("rejectReason"), "data-reason": p.id, size: 14 });
      actions.push(el("button", { type: "button", class: "primary", "data-approve": p.id, onclick: () => decide(p.id, "approve", "", note) }, t("approve")),
        reason, el("button", { type: "button", "data-reject": p.id, onclick: () => decide(p.id, "reject", reason.value, note) }, t("reject")));
    }
    return [el("tr", { "data-proposal": p.id, "data-status": p.status },
      td(String(p.id)), td(`${t(p.kind)} ${p.code}`), td(dateName(p.effective_from)),
      td(el("span", { class: `pill ${p.status}` }, t(p.status)), p.stale ? el("span", { class: "problem" }, ` ${t("stale")}`) : null),
      td(p.proposed_by), td(p.proposed_at), td(p.decided_by || "—"), td(p.decided_at || "—"), td(p.reason || ""), td(actions)),
    el("tr", { class: "diff-row" }, el("td", { colspan: 10 }, el("details", {}, el("summary", {}, t("compare")), diffTable(`proposal-${p.id}`, stored ? stored.document : (cur ? cur.versions.at(-1).document : {}), p.document, [t("current"), t("proposedCol")]))))];
  });
  proposalsBox.replaceChildren(list.length ? table([t("proposalId"), t("proposalOf"), t("effectiveFrom"), t("status"), t("proposedBy"), t("proposedAt"), t("decidedBy"), t("decidedAt"), t("reason"), ""], rows.flat(), { name: "proposals" }) : el("p", { class: "muted" }, t("noProposals")), note, out);
}

async function decide(id, decision, reason, note) {
  const q = new URLSearchParams({ id, decision });
  if (reason) q.set("reason", reason);
  try {
    const r = await post(`/v1/proposals/decide?${q}`, "");
    if (r.status !== 200) throw new Error(r.json && r.json.error ? `${r.status} ${r.json.error.code}: ${r.json.error.message}` : `${r.status}`);
    await drawProposals();
    const msg = document.getElementById("decision-result");
    msg.className = "";
    msg.textContent = decision === "approve" ? fill("approvedOk", { id, v: t(r.json.version) }) : fill("rejectedOk", { id });
  } catch (e) {
    if (e instanceof SignedOut) return signinView(t("ended"));
    note.className = "error";
    note.textContent = e.message;
  }
}

/* A proposal priced on the chosen customer's month, beside the current
 * plan: the API's simulation (POST /v1/simulate), line by line, its usage
 * lines grouped by model, then band, as the API orders them
 * (billing/simulate.c, the one grouping of the CLI's too). */
async function simulate(p, out) {
  const { customer, period } = simTarget;
  out.replaceChildren(el("p", { class: "muted" }, t("loading")));
  try {
    const q = new URLSearchParams({ customer, period });
    const r = await api(`/v1/simulate?${q}`, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(p.document) });
    const c = r.currency;
    out.replaceChildren(el("h3", {}, `${t("simulate")} · #${p.id} · ${customer} · ${monthName(period)}`),
      table([t("line"), t("model"), t("band"), t("quantity"), t("current"), t("proposedCol"), t("difference")], r.rows.map((x) => el("tr", { class: x.total ? "total" : null, "data-row": x.line },
        td(x.total ? t(x.line) : (lang === "zh" ? x.description_zh : x.description_en) || x.line), td(x.model || ""), td(x.band ? t(`band_${x.band}`) : ""),
        td(x.quantity ? `${x.quantity} ${meters.has(x.meter) ? meterLabel(meters.get(x.meter)) : x.unit}` : "", { class: "num", "data-quantity": x.quantity || null }),
        td(x.current === null ? "-" : money(x.current, c), { class: "num", "data-minor": x.current_minor }),
        td(x.proposed === null ? "-" : money(x.proposed, c), { class: "num", "data-minor": x.proposed_minor }), td(money(x.difference, c), { class: `num${x.difference_minor < 0 ? " neg" : ""}`, "data-minor": x.difference_minor }))), { name: "proposal-simulation", num: [3, 4, 5, 6] }));
  } catch (e) {
    if (e instanceof SignedOut) return signinView(t("ended"));
    out.replaceChildren(el("p", { class: "error" }, e.message));
  }
}

async function plansView(params) {
  const { bar, period, customer } = await toolbar("plans", params, true);
  simTarget = { customer, period };
  const plans = (await api("/v1/plans")).plans;
  proposalsBox = el("div", { id: "proposals" });
  const cards = [];
  if (plans.length && me.role === "sales") cards.push(editorCard(plans, params));
  cards.push(el("section", { class: "card wide", "data-card": "proposals" }, el("h2", {}, t("proposals")), proposalsBox));
  if (plans.length) cards.push(historyCard(plans, params.get("plan")));
  if (plans.length && me.role === "finance") cards.push(editorCard(plans, params));
  show(el("h1", {}, t("plans")), bar, el("div", { class: "grid" }, cards));
  await drawProposals();
}

registerView("plans", ["sales", "finance"], plansView);

/* gpumeter console: contracts and their approval (issue 39, docs/console.md
 * "Contracts"). Sales loads a contract's version into a form (customer,
 * plan, dates, tax, the commitment's take-or-pay terms, the accounts whose
 * usage it bills) and proposes a new version; finance approves it in the
 * proposals card (never its own key's), and it takes effect through the
 * same store as `contract approve` (schema 073). Both compare versions side
 * by side. The helpers are plans.js's: field, rowsTable, markProblems,
 * onPropose, historyCard, drawProposals (one of each); the API's problems are
 * shown at their fields in the console's language. */
"use strict";

Object.assign(WORDS.en, {
  contractTerms: "Contracts", contractEditor: "Edit a contract version", pickContract: "Contract", customerF: "Customer", planF: "Plan", untilF: "Ends on", taxRate: "Tax rate (fraction)", timeZone: "Time zone", billingBasis: "Billing basis",
  commitmentT: "Commitment (take or pay)", commitAmount: "Amount a period", commitHours: "GPU hours a period", shortfallPrice: "Shortfall price a GPU hour", makeupPeriods: "Make-up periods", carryPeriods: "Carry-forward periods", addCommitment: "Add a commitment", noCommitment: "No commitment.",
  accountsT: "Accounts billed under it", jobPrefix: "Jobs starting with", fromDay: "From", untilDay: "Until", keptAsIs: "Kept as they are (edit with the CLI): {keys}.",
});
Object.assign(WORDS.zh, {
  contractTerms: "合同", contractEditor: "编辑合同版本", pickContract: "合同", customerF: "客户", planF: "价格方案", untilF: "终止日", taxRate: "税率（小数）", timeZone: "时区", billingBasis: "计费依据",
  commitmentT: "承诺消费（照付不议）", commitAmount: "每期承诺金额", commitHours: "每期承诺卡时", shortfallPrice: "不足部分每卡时单价", makeupPeriods: "补足期数", carryPeriods: "结转期数", addCommitment: "添加承诺消费", noCommitment: "无承诺消费。",
  accountsT: "按此合同计费的账户", jobPrefix: "任务名前缀", fromDay: "起", untilDay: "止", keptAsIs: "以下条款保持不变（请用命令行修改）：{keys}。",
});

/* The form's fields, by document key: [key, word, input attributes]. */
const CONTRACT_FIELDS = [["customer", "customerF", {}], ["plan", "planF", {}], ["effective_from", "effectiveFrom", { type: "date" }], ["until", "untilF", { type: "date" }],
  ["currency", "currencyF", { size: 4 }], ["tax_rate", "taxRate", { size: 6 }], ["time_zone", "timeZone", {}], ["billing_basis", "billingBasis", {}]];
const COMMITMENT_FIELDS = [["amount", "commitAmount"], ["gpu_hours", "commitHours"], ["shortfall_price", "shortfallPrice"], ["makeup_periods", "makeupPeriods"], ["carry_forward_periods", "carryPeriods"]];

/* The commitment's whole numbers: typed into a new commitment they are
 * text until proposed. */
const WHOLE_NUMBERS = new Set(["gpu_hours", "makeup_periods", "carry_forward_periods"]);

/* The document as proposed: a field left empty is absent (an optional
 * date or prefix), never an empty string the validators would refuse; a
 * whole number typed as digits is a number. */
function pruned(doc) {
  if (Array.isArray(doc)) return doc.map(pruned);
  if (!doc || typeof doc !== "object") return doc;
  return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== "")
    .map(([k, v]) => [k, WHOLE_NUMBERS.has(k) && typeof v === "string" && /^[0-9]+$/.test(v) ? Number(v) : pruned(v)]));
}

function contractEditorCard(contracts, params) {
  const codes = contracts.map((c) => c.code);
  const code = codes.includes(params.get("contract")) ? params.get("contract") : codes[0];
  const versions = contracts.find((c) => c.code === code).versions;
  const from = versions.find((v) => v.effective_from === params.get("from")) || versions.at(-1);
  const doc = structuredClone(from.document);
  const pick = el("select", { id: "contract-pick" }, codes.map((c) => el("option", { value: c, selected: c === code }, c)));
  const base = el("select", { id: "contract-base" }, versions.map((v) => el("option", { value: v.effective_from, selected: v === from }, dateName(v.effective_from))));
  const reload = () => go("contractTerms", { contract: pick.value, from: pick.value === code ? base.value : "" });
  pick.addEventListener("change", reload);
  base.addEventListener("change", reload);
  const body = el("div", { id: "contract-form-body" });
  const problems = el("ul", { class: "problems", id: "problems" });
  const result = el("p", { id: "propose-result" });
  const form = el("form", { id: "contract-form", "data-path": "$" }, body, problems, el("button", { class: "primary", type: "submit", id: "propose" }, t("propose")), result);
  const shown = new Set(["contract", "accounts", "commitment", ...CONTRACT_FIELDS.map(([k]) => k)]);
  function draw() {
    const kept = Object.keys(doc).filter((k) => !shown.has(k));
    const commitment = doc.commitment
      ? el("div", { class: "toolbar", "data-path": "$.commitment" }, COMMITMENT_FIELDS.map(([k, w]) => el("label", {}, t(w), field(doc.commitment, k, `$.commitment.${k}`, { id: `contract-commitment-${k}`, size: 10 }))))
      : el("p", { class: "muted" }, t("noCommitment"), " ", el("button", { type: "button", id: "add-commitment", onclick: () => { doc.commitment = { amount: "" }; draw(); } }, t("addCommitment")));
    body.replaceChildren(
      el("div", { class: "toolbar" }, CONTRACT_FIELDS.map(([k, w, attrs]) => el("label", {}, t(w), field(doc, k, `$.${k}`, Object.assign({ id: `contract-${k.replace(/_/g, "-")}` }, attrs))))),
      el("h3", {}, t("commitmentT")), commitment,
      el("h3", {}, t("accountsT")), ...rowsTable("accounts", doc.accounts || (doc.accounts = []), "$.accounts", [["account", "account"], ["job_prefix", "jobPrefix"], ["from", "fromDay"], ["until", "untilDay"]], { account: "", job_prefix: "", from: "", until: "" }, draw),
      kept.length ? el("p", { class: "muted", id: "contract-kept" }, fill("keptAsIs", { keys: kept.join(", ") })) : "");
  }
  draw();
  onPropose(form, "contract", () => pruned(doc), problems, result);
  return el("section", { class: "card wide", "data-card": "editor" }, el("h2", {}, t("contractEditor")),
    el("div", { class: "toolbar" }, el("label", {}, t("pickContract"), pick), el("label", {}, t("fromVersion"), base)), form);
}

async function contractsView(params) {
  const contracts = (await api("/v1/contracts")).contracts;
  simTarget = null;
  proposalsBox = el("div", { id: "proposals" });
  const cards = [];
  if (contracts.length && me.role === "sales") cards.push(contractEditorCard(contracts, params));
  cards.push(el("section", { class: "card wide", "data-card": "proposals" }, el("h2", {}, t("proposals")), proposalsBox));
  if (contracts.length) cards.push(historyCard(contracts, params.get("contract")));
  show(el("h1", {}, t("contractTerms")), el("div", { class: "grid" }, cards));
  await drawProposals();
}

registerView("contractTerms", ["sales", "finance"], contractsView);

/* gpumeter console: a customer's own API keys and its documents (issue 39,
 * docs/console.md#a-customers-keys-and-documents).
 * Keys: the customer's keys with when each was last used (the API records
 * it to the minute), a read-only key made for its finance system (the
 * secret shown once, with a copy button), any other key revoked. Writes go
 * through app.js's api(), which adds the session's X-CSRF-Token; a
 * read-only key sees the list only. Documents: a month picker of every
 * month with an issued invoice, and that month's invoices (PDF, CSV, JSON)
 * and usage (CSV), each the API's own bytes. */
"use strict";

Object.assign(WORDS.en, {
  keys: "API keys", keysT: "Your API keys", keyId: "Key id", label: "Label", access: "Access", created: "Created", lastUsed: "Last used", keyState: "State",
  readOnly: "read-only", fullAccess: "full (can manage keys)", active: "active", revokedOn: "revoked", never: "never", thisKey: "this session's key",
  revoke: "Revoke", confirmRevoke: "Revoke key {id} ({label})? Anything using it stops working at once.",
  newKey: "A read-only key for your finance system", newKeyHint: "It reads your statements, invoices and usage and can change nothing. The key is shown once: copy it into the system that will use it.",
  labelHint: "What it is for, e.g. ERP", create: "Create read-only key", copy: "Copy", copied: "Copied", shownOnce: "Shown only now; only its fingerprint is kept.",
  readOnlyHere: "You signed in with a read-only key: it can list keys but not create or revoke them.",
  lastUsedHint: "Last use is recorded to the minute.",
  documents: "Downloads", documentsT: "Invoices and usage by month", pickMonth: "Issued month", noIssued: "No month has an issued invoice yet.",
  invoicePdf: "PDF", invoiceCsv: "CSV", invoiceJson: "JSON", usageCsv: "Usage of the month (CSV)",
});
Object.assign(WORDS.zh, {
  keys: "API 密钥", keysT: "您的 API 密钥", keyId: "密钥 ID", label: "用途", access: "权限", created: "创建时间", lastUsed: "最近使用", keyState: "状态",
  readOnly: "只读", fullAccess: "完全（可管理密钥）", active: "有效", revokedOn: "已吊销", never: "从未", thisKey: "当前会话的密钥",
  revoke: "吊销", confirmRevoke: "吊销密钥 {id}（{label}）？使用它的系统将立即无法访问。",
  newKey: "为财务系统创建只读密钥", newKeyHint: "只读密钥可读取您的账单、发票和用量，不能做任何修改。密钥只显示这一次：请复制到将使用它的系统中。",
  labelHint: "用途，例如 ERP", create: "创建只读密钥", copy: "复制", copied: "已复制", shownOnce: "仅此一次显示；系统只保存其指纹。",
  readOnlyHere: "您使用只读密钥登录：可以查看密钥，但不能创建或吊销。",
  lastUsedHint: "最近使用时间精确到分钟。",
  documents: "下载", documentsT: "按月份下载发票与用量", pickMonth: "已开票月份", noIssued: "尚无已开具发票的月份。",
  invoicePdf: "PDF", invoiceCsv: "CSV", invoiceJson: "JSON", usageCsv: "本月用量（CSV）",
});

/* A UTC time of the API as the reader's local date and time, to the minute. */
function whenName(utc) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(utc));
}

function newKeyCard(onMade) {
  const input = el("input", { type: "text", id: "key-label", maxlength: "64", placeholder: t("labelHint"), required: true });
  const out = el("div", { id: "new-key" });
  const form = el("form", { class: "toolbar", id: "key-create" }, el("label", {}, t("label"), input), el("button", { class: "primary", type: "submit" }, t("create")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const made = await api(`/v1/keys?${new URLSearchParams({ label: input.value })}`, { method: "POST" });
      input.value = "";
      const secret = el("code", { id: "new-key-secret", class: "secret" }, made.key);
      const copy = el("button", { type: "button", id: "copy-key" }, t("copy"));
      copy.addEventListener("click", async () => {
        await navigator.clipboard.writeText(made.key).catch(() => window.getSelection().selectAllChildren(secret));
        copy.textContent = t("copied");
      });
      out.replaceChildren(el("p", {}, secret, " ", copy), el("p", { class: "sub" }, t("shownOnce")));
      onMade();
    } catch (e) {
      if (e instanceof SignedOut) throw e;
      out.replaceChildren(el("p", { class: "error", id: "key-error" }, e.message));
    }
  });
  return el("section", { class: "card wide", id: "key-new" }, el("h2", {}, t("newKey")), el("p", { class: "sub" }, t("newKeyHint")), form, out);
}

async function keysView() {
  const list = await api("/v1/keys");
  const tableCard = el("section", { class: "card wide", id: "keys" });
  const draw = async (fresh) => {
    const l = fresh ? await api("/v1/keys") : list;
    const rows = l.keys.map((k) => {
      const mine = k.id === l.current;
      const act = k.revoked_at || mine || me.read_only ? null : el("button", { type: "button", "data-revoke": k.id }, t("revoke"));
      if (act) act.addEventListener("click", async () => {
        if (!window.confirm(t("confirmRevoke").replace("{id}", k.id).replace("{label}", k.label))) return;
        await api(`/v1/keys/${k.id}`, { method: "DELETE" }).catch(fail);
        draw(true).catch(fail);
      });
      return el("tr", { "data-key": k.id, class: k.revoked_at ? "revoked" : null },
        td(el("code", {}, k.id)), td(k.label), td(k.read_only ? t("readOnly") : t("fullAccess")), td(whenName(k.created_at)),
        td(k.last_used_at ? whenName(k.last_used_at) : t("never"), { "data-field": "last-used", "data-utc": k.last_used_at }),
        td(k.revoked_at ? `${t("revokedOn")} ${whenName(k.revoked_at)}` : mine ? t("thisKey") : t("active"), { "data-field": "state" }), td(act));
    });
    tableCard.replaceChildren(el("h2", {}, t("keysT")),
      table([t("keyId"), t("label"), t("access"), t("created"), t("lastUsed"), t("keyState"), ""], rows, { name: "keys" }),
      el("p", { class: "sub" }, t("lastUsedHint")));
  };
  await draw(false);
  const grid = el("div", { class: "grid" }, tableCard,
    me.read_only ? el("p", { class: "muted wide", id: "read-only-note" }, t("readOnlyHere")) : newKeyCard(() => draw(true).catch(fail)));
  show(el("h1", {}, `${t("keys")} · ${me.customer}`), grid);
}

async function documentsView(params) {
  const all = await api("/v1/invoices?page_size=1000");
  const months = [...new Set(all.invoices.filter((i) => i.status !== "draft").map((i) => i.period.slice(0, 7)))].sort().reverse();
  if (!months.length) return show(el("h1", {}, t("documentsT")), el("p", { class: "muted" }, t("noIssued")));
  const period = months.includes(params.get("period")) ? params.get("period") : months[0];
  const pick = el("select", { id: "doc-month" }, months.map((m) => el("option", { value: m, selected: m === period }, monthName(m))));
  pick.addEventListener("change", () => go("documents", { period: pick.value }));
  const link = (n, f) => el("a", { href: `/v1/invoices/${encodeURIComponent(n)}?format=${f}`, download: `${n}.${f}`, "data-format": f }, t(`invoice${f[0].toUpperCase()}${f.slice(1)}`));
  const rows = all.invoices.filter((i) => i.period.slice(0, 7) === period && i.status !== "draft").map((i) => el("tr", { "data-invoice": i.number },
    td(i.number), td(t(i.kind)), td(pill(i.status)), td(money(i.total, i.currency), { class: "num", "data-minor": i.total_minor }),
    td([link(i.number, "pdf"), " · ", link(i.number, "csv"), " · ", link(i.number, "json")])));
  const csv = el("button", { class: "primary", type: "button", id: "usage-csv" }, t("usageCsv"));
  csv.addEventListener("click", () => usageCsv(me.customer, period).catch(fail));
  show(el("h1", {}, `${t("documentsT")} · ${me.customer}`),
    el("form", { class: "toolbar" }, el("label", {}, t("pickMonth"), pick)),
    el("div", { class: "grid" }, el("section", { class: "card wide", id: "documents" }, el("h2", {}, monthName(period)),
      table([t("number"), t("kind"), t("status"), t("total"), ""], rows, { name: "documents", num: [3] }), el("p", {}, csv))));
}

registerView("documents", ["customer"], documentsView);
registerView("keys", ["customer"], keysView);

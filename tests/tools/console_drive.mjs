// Drives the web console in Debian's headless Chromium (playwright-core,
// pinned in console/package-lock.json) as its three kinds of user, and
// prints what a person would read, one "name value" line each, for
// tests/integration/test_console.sh to compare with the CLI. Screenshots
// of every view go to OUT. Console errors other than the 401, 403 and 422
// answers the scenario provokes are reported.
//
// node console_drive.mjs URL PERIOD OUT GPUMETER CUSTOMER_KEY OTHER_CUSTOMER FINANCE_KEY SALES_KEY PLAN_FILE
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chartData } from "./console_customer.mjs";

const require = createRequire(new URL("../../console/", import.meta.url));
const { chromium } = require("playwright-core");
const [url, period, out, gpumeter, customerKey, other, financeKey, salesKey, planFile] = process.argv.slice(2);

const say = (name, value) => console.log(`${name} ${value}`);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const errors = [];

async function open(width) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: "en-GB", acceptDownloads: true });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  // a customer without an SLA: /v1/availability answers 404 (issue 36), expected too
  page.on("console", (m) => { if (m.type() === "error" && !/ (401|403|422) /.test(m.text()) && !(/ 404 /.test(m.text()) && /\/v1\/availability\?/.test(m.location().url))) errors.push(m.text()); });
  return { context, page };
}
async function ready(page, view) {
  await page.waitForFunction((v) => document.body.dataset.ready === v, view, { timeout: 20000 });
  await page.waitForTimeout(300); // charts draw on the next frame
}
async function signIn(page, key, view) {
  await page.goto(url);
  await page.waitForSelector("#key");
  await page.fill("#key", key);
  await page.click("#signin button");
  await ready(page, view);
}
async function view(page, hash, name) {
  // the marker of the view drawn before: cleared first, so that a
  // hashchange the page has not handled yet is never taken for this view
  await page.evaluate(() => { delete document.body.dataset.ready; });
  await page.goto(`${url}${hash}`);
  await ready(page, name);
}
const minor = (page, sel) => page.$eval(sel, (e) => e.dataset.minor).catch(() => "none");
const text = (page, sel) => page.$eval(sel, (e) => e.textContent.trim()).catch(() => "none");
const status = (page, path, init) => page.evaluate(async ([p, i]) => (await fetch(p, i)).status, [path, init || {}]);

// ---- a customer ----
{
  const { context, page } = await open(1280);
  await signIn(page, customerKey, "customer");
  await view(page, `#/customer?period=${period}`, "customer");
  say("customer.heading", await text(page, "h1"));
  for (const f of ["subtotal", "tax", "total", "due"]) {
    say(`customer.${f}`, await minor(page, `[data-table=statement] [data-field=${f}]`));
    say(`customer.${f}.text`, (await text(page, `[data-table=statement] [data-field=${f}]`)).replace(/\s/g, ""));
  }
  say("customer.lines", await page.$$eval("[data-table=statement] tbody tr:not(.total):not(.credit):not(.balance)", (rows) => rows.length - 2));
  // receivables (issue 34): the ledger's balances under the statement, and the credit limit
  for (const f of ["deposit_held", "prepaid_balance"]) say(`customer.${f}`, await minor(page, `[data-table=statement] [data-field=${f}]`));
  say("customer.credit", await text(page, "[data-field=credit]"));
  // an issued invoice with a partial credit: what was credited and what remains, beside the total
  for (const f of ["credited", "remaining"]) {
    say(`customer.${f}`, await minor(page, `[data-table=statement] [data-field=${f}]`));
    say(`customer.${f}.row`, await page.$eval(`[data-table=statement] [data-field=${f}]`, (e) => [...e.closest("tr").cells].map((c) => c.textContent.trim()).filter(Boolean).join(" ")).catch(() => "none"));
  }
  say("customer.invoices.credited", await page.$$eval("[data-table=invoices] [data-invoice]", (rows) => rows.map((r) => `${r.dataset.invoice}=${(r.querySelector("[data-field=credited]")?.textContent ?? "none").replace(/\s/g, "")}/${(r.querySelector("[data-field=remaining]")?.textContent ?? "none").replace(/\s/g, "")}`).join(",")));
  say("customer.line1.price", await text(page, "[data-table=statement] tbody tr [data-field=unit-price]"));
  say("customer.line1", await page.$eval("[data-table=statement] tbody tr td", (e) => e.textContent));
  say("customer.line1.quantity", await text(page, "[data-table=statement] tbody tr td:nth-child(2)"));
  say("customer.source", await page.$$eval("[data-source=issued]", (e) => e.map((x) => x.textContent).join("|")));
  say("customer.invoices", await page.$$eval("[data-table=invoices] [data-invoice]", (rows) => rows.map((r) => `${r.dataset.invoice}=${r.querySelector("[data-minor]").dataset.minor}`).join(",")));
  say("customer.invoices.due", await page.$$eval("[data-table=invoices] [data-invoice]", (rows) => rows.map((r) => `${r.dataset.invoice}=${r.querySelector("[data-field=due-on]").dataset.date ?? "none"}/${r.querySelector("[data-field=state]").textContent}`).join(",")));
  say("customer.charts", await page.$$eval("[data-chart] canvas", (c) => c.length));
  // hover the tokens chart across its days until the tooltip names the job with markup
  {
    const box = await page.$eval("[data-chart=tokens]", (e) => { e.scrollIntoView(); const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; });
    let found = false;
    for (let x = box.x + 30; x < box.x + box.w - 5 && !found; x += 5) {
      await page.mouse.move(x, box.y + box.h * 0.7);
      found = await page.$eval("[data-chart=tokens]", (e) => e.innerText.includes("onerror"));
    }
    say("customer.tooltip", `${found} ${await page.evaluate(() => document.querySelectorAll("img").length)} ${await page.title()}`);
  }
  say("customer.makeup", await minor(page, "[data-field=makeup]"));
  // the month's usage in the units people read, as the page shows it
  say("customer.usage", await page.$$eval("[data-table=usage] [data-usage]", (rows) => rows.map((r) => `${r.dataset.usage}=${r.querySelector("[data-exact]").dataset.exact}`).join(",")));
  say("customer.usage.text", await page.$$eval("[data-table=usage] [data-usage] [data-exact]", (c) => c.map((x) => x.textContent).join("|")));
  await page.screenshot({ path: `${out}/console-customer.png`, fullPage: true });
  // the invoice's PDF through the session
  const pdf = await page.$eval("[data-table=invoices] a", (a) => a.href);
  say("customer.pdf", await page.evaluate(async (h) => { const r = await fetch(h); return `${r.status} ${r.headers.get("content-type")} ${(await r.arrayBuffer()).byteLength > 1000}`; }, pdf));
  // the usage CSV, as downloaded
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#csv")]);
  const csv = readFileSync(await download.path(), "utf8").trim().split("\n");
  say("customer.csv.head", csv[0]);
  say("customer.csv.rows", csv.length - 1);
  say("customer.csv.gpu", csv.find((l) => l.split(",")[3] === "gpu_ms"));
  say("customer.csv.tokens", csv.slice(1).filter((l) => l.split(",")[3] === "tokens").reduce((s, l) => s + BigInt(l.split(",")[4]), 0n));
  // another customer's numbers: refused by the API, and the view stays its own
  say("customer.other.statement", await status(page, `/v1/statement?customer=${other}&period=${period}`));
  say("customer.other.usage", await status(page, `/v1/usage?customer=${other}&from=${period}-01&to=${period}-28`));
  say("customer.other.invoices", await status(page, `/v1/invoices?customer=${other}`));
  say("customer.finance", await status(page, `/v1/finance/month?period=${period}`));
  await view(page, `#/customer?period=${period}&customer=${other}`, "customer");
  say("customer.other.heading", await text(page, "h1"));
  await page.goto(`${url}#/finance?period=${period}`);
  await page.waitForTimeout(500);
  say("customer.nav", await page.$$eval("#nav a", (a) => a.map((x) => x.dataset.view).join(",")));
  // what the browser keeps: an HttpOnly SameSite=Strict cookie, no key
  const [cookie] = await context.cookies();
  say("cookie", `${cookie.name} httpOnly=${cookie.httpOnly} sameSite=${cookie.sameSite} secure=${cookie.secure}`);
  say("cookie.script", JSON.stringify(await page.evaluate(() => document.cookie)));
  say("key.stored", await page.evaluate(() => JSON.stringify(localStorage).includes("gmk_") || JSON.stringify(sessionStorage).includes("gmk_")));
  // in Chinese
  await view(page, `#/customer?period=${period}`, "customer");
  await page.click("#lang");
  await ready(page, "customer");
  say("customer.zh.total", (await text(page, "[data-table=statement] [data-field=total]")).replace(/\s/g, ""));
  say("customer.zh.heading", await text(page, "[data-table=statement] thead"));
  say("customer.zh.credited", await page.$eval("[data-table=statement] [data-field=credited]", (e) => [...e.closest("tr").cells].map((c) => c.textContent.trim()).filter(Boolean).join(" ")).catch(() => "none"));
  await page.screenshot({ path: `${out}/console-customer-zh.png`, fullPage: true });
  await page.click("#lang");
  // the key is revoked: the session ends on its next request
  const id = customerKey.split("_")[1];
  execFileSync(gpumeter, ["customer", "key", "revoke", id], { stdio: "ignore" });
  say("revoked.me", await status(page, "/v1/me"));
  say("revoked.again", await status(page, "/v1/me"));
  await page.reload();
  await page.waitForSelector("#signin");
  say("revoked.view", await page.$eval("#signin", () => "sign-in"));
  // the ended session's cookie, presented again, is refused
  await context.addCookies([{ ...cookie }]);
  say("revoked.cookie", await status(page, "/v1/me"));
  await context.close();
}

// ---- on a phone ----
{
  const { context, page } = await open(390);
  await signIn(page, financeKey, "finance");
  await view(page, `#/customer?period=${period}&customer=${other}`, "customer");
  say("phone.voucher", await page.$eval("[data-voucher] [data-field=remaining]", (e) => `${e.closest("tr").dataset.voucher} ${e.dataset.minor}`).catch(() => "none"));
  say("phone.overflow", await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth));
  await page.screenshot({ path: `${out}/console-phone.png`, fullPage: true });
  await context.close();
}

// ---- finance ----
{
  const { context, page } = await open(1280);
  await signIn(page, financeKey, "finance");
  await view(page, `#/finance?period=${period}`, "finance");
  say("finance.invoices", await page.$$eval("[data-table=month] [data-invoice]", (rows) => rows.map((r) => `${r.dataset.invoice}=${r.querySelector("[data-minor]").dataset.minor}`).join(",")));
  say("finance.totals", await page.$$eval("[data-table=totals] [data-total]", (rows) => rows.map((r) => `${r.dataset.total.replace(" ", ":")}=${r.querySelector("[data-minor]").dataset.minor}`).join(",")));
  say("finance.not_billed", await page.$$eval("[data-table=not-billed] tbody tr", (rows) => rows.map((r) => r.textContent).join("|")).catch(() => "none"));
  say("finance.claims", await page.$$eval("[data-table=claims] [data-program]", (rows) => rows.map((r) => `${r.dataset.program}=${r.querySelector("[data-minor]").dataset.minor}`).join(",")).catch(() => "none"));
  say("finance.yield.rows", await page.$$eval("[data-table=yield] tbody tr", (r) => r.length).catch(() => 0));
  say("finance.contracts.rows", await page.$$eval("[data-table=contracts] tbody tr", (r) => r.length).catch(() => 0));
  say("finance.charts", await page.$$eval("[data-chart] canvas", (c) => c.length));
  // receivables (issue 34): the aging card, each row's open amount in minor units
  say("finance.aging", await page.$$eval("[data-table=aging] [data-aging]", (rows) => rows.map((r) => `${r.dataset.aging.replace(" ", ":")}=${r.querySelector("[data-field=open]").dataset.minor}`).join(",")).catch(() => "none"));
  // the money audit trail: each row's invoice, action and actor as text; markup in it never runs
  say("finance.audit", await page.$$eval("[data-table=audit] [data-audit]", (rows) => rows.map((r) => r.dataset.audit).join(",")));
  say("finance.audit.hostile", await page.$$eval("[data-table=audit] [data-audit]", (rows) => rows.filter((r) => r.dataset.audit.endsWith(" correct")).map((r) => [...r.cells].slice(1).map((c) => c.textContent).join("|")).join("")));
  say("finance.audit.credit", await page.$$eval("[data-table=audit] [data-audit]", (rows) => rows.filter((r) => r.dataset.audit.endsWith(" credit")).map((r) => r.cells[5].textContent).join("")));
  say("finance.unapplied", await page.$$eval("[data-table=unapplied] [data-payment]", (rows) => rows.map((r) => `${r.dataset.payment} ${r.querySelector("[data-minor]").dataset.minor} ${r.cells[3].textContent}`).join(",")).catch(() => "none"));
  say("finance.notifications", await page.$$eval("[data-table=notifications] [data-notification]", (rows) => rows.map((r) => `${r.dataset.notification} ${r.cells[1].textContent} ${r.cells[4].textContent} ${r.cells[5].textContent}`).join(",")).catch(() => "none"));
  say("finance.audit.markup", await page.evaluate(() => `${document.querySelectorAll("main img, main script, main b").length} ${document.title}`));
  await page.screenshot({ path: `${out}/console-finance.png`, fullPage: true });
  await view(page, `#/customer?period=${period}&customer=${other}`, "customer");
  say("finance.customer.due", await minor(page, "[data-table=statement] [data-field=due]"));
  say("finance.markup", await page.evaluate(() => `${[...document.querySelectorAll("#customer option")].find((o) => o.value === "evil").textContent} ${document.querySelectorAll("main img, main b").length} ${document.title}`));
  await page.screenshot({ path: `${out}/console-finance-customer.png`, fullPage: true });
  // sign out ends the session on the server, not only in the browser
  const [cookie] = await context.cookies();
  await page.click("#signout");
  await page.waitForSelector("#signin");
  say("signout.me", await status(page, "/v1/me"));
  await context.addCookies([{ ...cookie }]);
  say("signout.cookie", await status(page, "/v1/me"));
  await context.close();
}

// ---- the fleet's health (issue 36) ----
{
  const { context, page } = await open(1280);
  await signIn(page, financeKey, "finance");
  await view(page, `#/fleet?period=${period}`, "fleet");
  say("fleet.nav", await page.$$eval("#nav a", (a) => a.map((x) => x.dataset.view).join(",")));
  say("fleet.devices", await page.$$eval("[data-table=fleet-devices] [data-device]", (rows) => rows.map((r) => r.dataset.device).join(",")));
  say("fleet.reasons", await page.$$eval("[data-table=fleet-reasons] [data-reason]", (rows) => rows.map((r) => r.dataset.reason).join(",")));
  say("fleet.availability", await page.$$eval("[data-table=fleet-availability] [data-availability]", (rows) => rows.map((r) => `${r.dataset.availability}=${r.querySelector("[data-ppm]").dataset.ppm}`).join(",")).catch(() => "none"));
  say("fleet.credits", await page.$$eval("[data-table=fleet-credits] [data-credit]", (rows) => rows.map((r) => `${r.dataset.credit}=${r.querySelector("[data-field=sla_credits]").textContent.replace(/\s/g, "")}`).join(",")));
  say("fleet.charts", await page.$$eval("[data-chart^=fleet] canvas", (c) => c.length));
  say("fleet.markup", await page.evaluate(() => document.querySelectorAll("main b, main img, main script").length));
  await page.screenshot({ path: `${out}/console-fleet.png`, fullPage: true });
  await page.click("#lang");
  await ready(page, "fleet");
  say("fleet.zh.heading", await text(page, "main h1"));
  say("fleet.zh.credits", await text(page, "[data-table=fleet-credits] thead"));
  await page.screenshot({ path: `${out}/console-fleet-zh.png`, fullPage: true });
  await page.click("#lang");
  await context.close();
}

// ---- sales ----
{
  const { context, page } = await open(1280);
  await signIn(page, salesKey, "sales");
  await view(page, `#/sales?period=${period}&customer=${other}`, "sales");
  say("sales.nav", await page.$$eval("#nav a", (a) => a.map((x) => x.dataset.view).join(",")));
  say("sales.plans", await page.$$eval("[data-plan]", (rows) => rows.map((r) => r.dataset.plan).join(",")));
  say("sales.json", await page.$$eval("main pre, main .doc", (e) => e.length));
  say("sales.field", await page.$$eval("[data-table^=plan-] [data-diff='$.currency'] td", (c) => c.map((x) => x.textContent).join("|")));
  await page.fill("#proposed", readFileSync(planFile, "utf8"));
  await page.click("#simulate");
  await page.waitForSelector("[data-table=simulation]", { timeout: 20000 });
  say("sales.simulation", await page.$$eval("[data-table=simulation] [data-row]", (rows) => rows.map((r) => { const m = [...r.querySelectorAll("[data-minor]")].map((x) => x.dataset.minor); return `${r.dataset.row}=${m.join("/")}`; }).join(";")));
  say("sales.source", await page.$$eval("#simulation [data-source=issued]", (e) => e.map((x) => x.textContent).join("|")));
  await page.screenshot({ path: `${out}/console-sales.png`, fullPage: true });
  await page.fill("#proposed", '{"plan": "x", "plan": "y"}');
  await page.click("#simulate");
  await page.waitForSelector("#simulation .error");
  say("sales.bad", await text(page, "#simulation .error"));
  say("sales.statement", await status(page, `/v1/statement?customer=${other}&period=${period}`));
  await context.close();
}

// ---- every page in both languages (issue 39): charts and words ----
// A finance key opens each view in English and in Chinese, screenshots
// each (OUT/console-all-VIEW-LANG.png), prints what the customer's day
// charts draw ("chart.NAME {...}", chartData: the axis, its unit, each
// series) and, in Chinese, every Latin-letter word a person would read
// that is not on the allow-list below ("latin.VIEW word|word...", "none"
// when there is none): the page's text (commands in backticks and the CLI
// lines after "gpumeter" are code), the options of its pickers, and what
// its charts draw (legend, axis names and labels); and each chart's unit
// ("units.VIEW.LANG chart=unit,...").
{
  const { context, page } = await open(1280);
  await signIn(page, financeKey, "finance");
  // units, acronyms and names that stay as they are in Chinese; a word
  // with a digit, "-", "_", ".", ":", "/" or "@" is a code (a model, an
  // invoice number, an account) and is never a word here
  const allow = new Set(["GPU", "CNY", "CN", "kWh", "PUE", "SLA", "DSO", "PDF", "CSV", "API", "UTC", "Token", "JSON", "XID",
    "DCGM", "GiB", "mJ", "Ascend",
    // the vendors as core/catalogue.c names them
    "NVIDIA", "Huawei", "Cambricon", "Kunlunxin", "Hygon", "MetaX", "Iluvatar", "CoreX", "Moore", "Threads", "CFADS", "DSCR", "NPV", "IRR", "EN", "gpumeter", "x"]);
  const codes = await page.evaluate(async () => (await (await fetch("/v1/customers")).json()).customers.flatMap((c) => [c.code, c.name]));
  for (const c of codes) for (const w of String(c).match(/[A-Za-z]+/g) || []) allow.add(w);
  const latin = async () => {
    const texts = await page.evaluate(() => {
      /* translate="no": text the page shows as another party wrote it (a
       * bank's remittance, an actor's reason), HTML's own mark for it */
      const skip = (e) => e.closest("pre, textarea, script, style, [hidden], [translate=no]");
      const out = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) if (!skip(n.parentElement) && n.parentElement.getClientRects().length) out.push(n.textContent);
      for (const o of document.querySelectorAll("main option")) out.push(o.textContent);
      for (const d of document.querySelectorAll("[data-chart]")) {
        const c = window.echarts && window.echarts.getInstanceByDom(d);
        if (!c) continue;
        const o = c.getOption();
        out.push(...o.series.map((x) => x.name), ...o.yAxis.map((y) => y.name || ""), ...o.xAxis.flatMap((x) => x.data || []));
      }
      return out;
    });
    const words = new Map(); /* word -> the first text it is in */
    for (const t of texts) {
      const plain = t.replace(/`[^`]*`/g, " ").replace(/gpumeter [^）)。]*/g, " ");
      for (const raw of plain.split(/[\s·,，、；;（）()《》「」“”"'：|]+/)) {
        const tok = raw.replace(/^:+|:+$/g, ""); /* "customer:" is a word, "xid:79" a code */
        if (!tok || /[0-9_.:/@=<>$-]/.test(tok)) continue;
        for (const w of tok.match(/[A-Za-z]+/g) || []) if (!allow.has(w) && !words.has(w)) words.set(w, t.trim().slice(0, 60));
      }
    }
    return words.size ? [...words.keys()].sort().map((w) => `${w} (in "${words.get(w)}")`).join("|") : "none";
  };
  const pages = [["customer", `#/customer?period=${period}&customer=gamma`], ["finance", `#/finance?period=${period}`],
    ["fleet", `#/fleet?period=${period}`], ["investor", `#/investor?period=${period}`], ["index", `#/index?to=${period}`],
    ["sales", `#/sales?period=${period}&customer=${other}`]];
  for (const lang of ["en", "zh"]) {
    await page.evaluate((l) => localStorage.setItem("gm_lang", l), lang);
    for (const [v, hash] of pages) {
      await view(page, hash, v);
      await page.reload();
      await ready(page, v);
      if (v === "sales" && lang === "zh") {
        // a proposal with time-of-use bands (docs/plans.md): its lines name
        // the bands, and the hours no band covers ("flat"), in Chinese
        const plan = JSON.parse(readFileSync(planFile, "utf8"));
        plan.gpu_hours.time_of_use = [{ band: "peak", from: 8, to: 12, multiplier: "1.5" }, { band: "night", from: 22, to: 6, multiplier: "0.5" }];
        await page.fill("#proposed", JSON.stringify(plan));
        await page.click("#simulate");
        await page.waitForSelector("[data-table=simulation]", { timeout: 20000 });
        say("bands.zh", await page.$$eval("[data-table=simulation] [data-row] td:first-child", (c) => c.map((x) => x.textContent).filter((x) => /H800/.test(x)).join("|")));
      }
      if (lang === "zh") say(`latin.${v}`, await latin());
      // every chart's value axis names its unit ("name=unit", a chart without one "name=none")
      say(`units.${v}.${lang}`, await page.evaluate(() => [...document.querySelectorAll("[data-chart]")].map((d) => {
        const c = window.echarts && window.echarts.getInstanceByDom(d);
        return `${d.dataset.chart}=${(c && c.getOption().yAxis[0].name) || "none"}`;
      }).join(",") || "no chart"));
      if (v === "customer" && lang === "en") for (const c of ["gpu", "tokens", "energy"]) say(`chart.${c}`, JSON.stringify(await chartData(page, c)));
      await page.screenshot({ path: `${out}/console-all-${v}-${lang}.png`, fullPage: true });
    }
  }
  await context.close();
}

say("page.errors", errors.length ? errors.join(" | ") : "none");
await browser.close();

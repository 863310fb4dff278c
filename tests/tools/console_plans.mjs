// Drives the console's plans page (console/static/plans.js) in Debian's
// headless Chromium as a sales user and a finance user, and prints what a
// person would read, one "name value" line each, for
// tests/integration/test_console_plans.sh to compare with the CLI and the
// database. Screenshots (editor, diff, approval; English and Chinese) go
// to OUT. The 401 of the sign-in page and the 403 and 422 answers the
// scenario provokes are expected; any other console error is reported.
//
// node console_plans.mjs URL OUT SALES_KEY FINANCE_KEY CUSTOMER PERIOD
import { createRequire } from "node:module";

const require = createRequire(new URL("../../console/", import.meta.url));
const { chromium } = require("playwright-core");
const [url, out, salesKey, financeKey, customer, period] = process.argv.slice(2);

const say = (name, value) => console.log(`${name} ${value}`);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const errors = [];
const PRICE = '[data-path="$.gpu_hours.prices[0].unit_price"]';
const PROBLEM = '[data-problem="$.gpu_hours.prices[0].unit_price"]';

async function open() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: "en-GB" });
  await context.addInitScript(() => localStorage.setItem("gm_lang", "en"));
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error" && !/ (401|403|422) /.test(m.text())) errors.push(m.text()); });
  return { context, page };
}
async function ready(page, view) {
  await page.waitForFunction((v) => document.body.dataset.ready === v, view, { timeout: 30000 });
}
async function signIn(page, key, home) {
  await page.goto(url);
  await page.waitForSelector("#key");
  await page.fill("#key", key);
  await page.click("#signin button");
  await ready(page, home);
}
async function plans(page) {
  await page.evaluate(() => { delete document.body.dataset.ready; });
  await page.goto(`${url}#/plans?customer=${customer}&period=${period}&plan=gpu-standard`);
  await ready(page, "plans");
}
async function toLang(page, l, view = "plans") {
  if ((await page.evaluate(() => document.documentElement.lang)) === (l === "zh" ? "zh-CN" : "en")) return;
  await page.click("#lang");
  await ready(page, view);
}
async function contractsPage(page, again) {
  await page.evaluate(() => { delete document.body.dataset.ready; });
  /* the same address again does not navigate: reload it */
  if (again) await page.reload();
  else await page.goto(`${url}#/contractTerms?contract=alpha-2026`);
  await ready(page, "contractTerms");
}
const text = (page, sel) => page.$eval(sel, (e) => e.textContent.trim()).catch(() => "none");

// ---- sales: an invalid price first, at its field in both languages; then a version ----
{
  const { context, page } = await open();
  await signIn(page, salesKey, "sales");
  /* a plan whose token rows have no "add a row" button: text nodes
   * reading "null" anywhere in its form (replaceChildren writes null so) */
  await page.evaluate(() => { delete document.body.dataset.ready; });
  await page.goto(`${url}#/plans?customer=${customer}&period=${period}&plan=token-training`);
  await ready(page, "plans");
  say("sales.tokens.nulls", await page.$eval("#plan-form", (f) => {
    const w = document.createTreeWalker(f, NodeFilter.SHOW_TEXT);
    let n = 0;
    for (let t = w.nextNode(); t; t = w.nextNode()) n += t.textContent.trim() === "null";
    return `${f.querySelectorAll("[data-path^='$.tokens.brackets']").length > 0} ${n}`;
  }));
  await plans(page);
  for (const l of ["en", "zh"]) {
    await toLang(page, l);
    await page.fill(PRICE, "-1");
    await page.click("#propose");
    await page.waitForSelector(PROBLEM, { timeout: 20000 });
    say(`sales.problem.${l}`, await text(page, PROBLEM));
    say(`sales.problem.${l}.marked`, await page.$eval(PRICE, (e) => e.classList.contains("field-error")));
    say(`sales.result.${l}`, await text(page, "#propose-result"));
    await page.screenshot({ path: `${out}/plans-editor-error-${l}.png`, fullPage: true });
  }
  await toLang(page, "en");
  await page.fill(PRICE, "15.00");
  await page.fill("#plan-from", "2026-10-01");
  await page.fill("#plan-name", "GPU-hour standard, October 2026");
  await page.click("#propose");
  await page.waitForFunction(() => /proposal [0-9]+/.test(document.getElementById("propose-result").textContent), null, { timeout: 20000 })
    .catch(async (e) => { say("sales.stuck", `${await text(page, "#propose-result")} ${await text(page, "#problems")}`); throw e; });
  say("sales.proposal", await page.$eval("#propose-result", (e) => e.dataset.proposal));
  say("sales.problems.after", await page.$$eval(".problem[data-problem]", (e) => e.length));
  // a cross-site-style write: the cookie goes, the CSRF token does not
  say("csrf.status", await page.evaluate(async () => (await fetch("/v1/proposals", { method: "POST", credentials: "same-origin", body: "{}" })).status));
  await page.click("[data-card=proposals] details summary");
  say("sales.diff.changed", await page.$$eval("[data-card=proposals] [data-changed=true]", (rows) => rows.map((r) => r.dataset.diff).join(",")));
  await page.screenshot({ path: `${out}/plans-proposal-diff-en.png`, fullPage: true });
  await toLang(page, "zh");
  await page.click("[data-card=proposals] details summary");
  await page.screenshot({ path: `${out}/plans-proposal-diff-zh.png`, fullPage: true });
  say("sales.approve.buttons", await page.$$eval("[data-approve]", (b) => b.length));
  await context.close();
}

// ---- finance: simulates the proposal, approves it ----
{
  const { context, page } = await open();
  await signIn(page, financeKey, "finance");
  await plans(page);
  const id = await page.$eval("[data-status=pending]", (r) => r.dataset.proposal);
  await page.click(`[data-simulate="${id}"]`);
  await page.waitForSelector("[data-table=proposal-simulation]", { timeout: 30000 });
  say("finance.simulation", await page.$$eval("[data-table=proposal-simulation] [data-row]", (rows) => rows.map((r) => { const m = [...r.querySelectorAll("[data-minor]")].map((x) => x.dataset.minor); return `${r.dataset.row}=${m.join("/")}`; }).join(";")));
  say("finance.quantities", await page.$$eval("[data-table=proposal-simulation] [data-quantity]", (q) => q.map((x) => `${x.parentElement.cells[1].textContent} ${x.textContent}`).join(",")));
  await page.screenshot({ path: `${out}/plans-approval-en.png`, fullPage: true });
  await toLang(page, "zh");
  await page.click(`[data-simulate="${id}"]`);
  await page.waitForSelector("[data-table=proposal-simulation]", { timeout: 30000 });
  await page.screenshot({ path: `${out}/plans-approval-zh.png`, fullPage: true });
  await page.click(`[data-approve="${id}"]`);
  await page.waitForSelector(`[data-proposal="${id}"][data-status=approved]`, { timeout: 20000 });
  say("finance.decision", await text(page, "#decision-result"));
  say("finance.status", await page.$eval(`[data-proposal="${id}"]`, (r) => r.dataset.status));
  await context.close();
}

// ---- contracts (contracts.js): sales proposes a version in the form, finance approves it ----
const TAX = "#contract-tax-rate", TAX_PROBLEM = '[data-problem="$.tax_rate"]';
{
  const { context, page } = await open();
  await signIn(page, salesKey, "sales");
  await contractsPage(page);
  say("contract.form.customer", await page.$eval("#contract-customer", (e) => e.value));
  for (const l of ["en", "zh"]) {
    await toLang(page, l, "contractTerms");
    await page.fill(TAX, "2");
    await page.click("#propose");
    await page.waitForSelector(TAX_PROBLEM, { timeout: 20000 });
    say(`contract.problem.${l}`, await text(page, TAX_PROBLEM));
    say(`contract.problem.${l}.marked`, await page.$eval(TAX, (e) => e.classList.contains("field-error")));
    await page.screenshot({ path: `${out}/contracts-form-error-${l}.png`, fullPage: true });
  }
  await toLang(page, "en", "contractTerms");
  await page.fill(TAX, "0.06");
  await page.fill("#contract-effective-from", "2026-11-01");
  await page.click("#add-commitment");
  await page.fill("#contract-commitment-amount", "5000.00");
  await page.fill("#contract-commitment-makeup_periods", "2");
  await page.click("[data-add=accounts]");
  await page.fill('[data-path="$.accounts[1].account"]', "ns-alpha-lab");
  await page.click("#propose");
  await page.waitForFunction(() => /proposal [0-9]+/.test(document.getElementById("propose-result").textContent), null, { timeout: 20000 })
    .catch(async (e) => { say("contract.stuck", `${await text(page, "#propose-result")} ${await text(page, "#problems")}`); throw e; });
  say("contract.proposal", await page.$eval("#propose-result", (e) => e.dataset.proposal));
  await page.screenshot({ path: `${out}/contracts-form-en.png`, fullPage: true });
  await toLang(page, "zh", "contractTerms");
  await page.screenshot({ path: `${out}/contracts-form-zh.png`, fullPage: true });
  await context.close();
}
{
  const { context, page } = await open();
  await signIn(page, financeKey, "finance");
  await contractsPage(page);
  const id = await page.$eval("[data-status=pending]", (r) => r.dataset.proposal);
  await page.click(`[data-approve="${id}"]`);
  await page.waitForSelector(`[data-proposal="${id}"][data-status=approved]`, { timeout: 20000 });
  say("contract.decision", await text(page, "#decision-result"));
  await contractsPage(page, true);
  say("contract.history.changed", await page.$$eval("[data-card=history] [data-changed=true]", (rows) => rows.map((r) => r.dataset.diff).join(",")));
  await page.screenshot({ path: `${out}/contracts-history-en.png`, fullPage: true });
  await toLang(page, "zh", "contractTerms");
  await page.screenshot({ path: `${out}/contracts-history-zh.png`, fullPage: true });
  await context.close();
}

await browser.close();
say("errors", errors.length ? errors.join(" | ") : "none");

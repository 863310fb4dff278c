// The operator's pages and a customer's keys and downloads in Debian's
// headless Chromium (playwright-core, pinned in console/package-lock.json),
// one browser, for tests/integration/test_console_roles.sh. Prints what a
// person reads, one "name value" line each: the operator's tabs (nav), its
// yield, fragments and calendar tables as the raw values the page holds,
// its fleet page's credit rows (fleetcredits), where #/customer lands it
// (customerpage) and what its session gets from customer routes
// (operatorapi); then the customer's new key (newkey) and curl's status
// with it (curlbefore), the key's row after revoking it on the page
// (keyrow), whether its own key has a revoke button (ownrevoke), the
// utilisation cells of a yield whose API rows say "-" (noinstalled), the
// answers to key creation through the session without the CSRF token
// (csrfmissing) and from another origin (csrforigin), the months offered
// for download (months); downloads are saved to DIR/download-*. Then
// "errors N" (page and console errors but the expected 401 before sign-in,
// the 403s asked for here and /v1/availability's 404 for a customer without
// an SLA, as console_customer.mjs). Screenshots: OUT/roles-PAGE-LANG.png.
//
// node console_roles.mjs URL OPERATOR_KEY CUSTOMER_KEY PERIOD OUT DIR
import { execFileSync } from "node:child_process";
import { launch, signInOn } from "./console_customer.mjs";

const [url, operatorKey, customerKey, period, out, dir] = process.argv.slice(2);
const browser = await launch();
const errors = [];
const say = (name, value) => console.log(`${name} ${value}`);
const signIn = (key, home) => signInOn(browser, url, key, home, errors, / 403 /);
const ready = (page, v) => page.waitForFunction((x) => document.body.dataset.ready === x, v, { timeout: 30000 });
async function open(page, view, hash) {
  await page.evaluate(() => delete document.body.dataset.ready);
  await page.evaluate((h) => { location.hash = h; }, hash);
  await ready(page, view);
}
/* both languages of the page now shown, as screenshots */
async function shots(page, view, name) {
  for (const lang of ["en", "zh"]) {
    if (lang === "zh") {
      await page.evaluate(() => delete document.body.dataset.ready);
      await page.click("#lang");
      await ready(page, view);
    }
    await page.waitForTimeout(300); /* charts draw on the next frames; only for the picture */
    await page.screenshot({ path: `${out}/roles-${name}-${lang}.png`, fullPage: true });
  }
  await page.evaluate(() => delete document.body.dataset.ready);
  await page.click("#lang");
  await ready(page, view);
}
const attr = (page, sel, f) => page.$$eval(sel, (trs, fn) => trs.map((r) => new Function("r", fn)(r)).join(";"), f);

// ---- the operator ----
{
  const { context, page } = await signIn(operatorKey, "operator");
  say("nav", (await page.$$eval("#nav a", (as) => as.map((a) => a.dataset.view))).join(" "));
  await open(page, "operator", `#/operator?period=${period}`);
  say("yield", await attr(page, "[data-table=op-yield] tbody tr",
    "return [r.dataset.yield, ...[1, 2, 3, 5, 6].map((i) => r.cells[i].dataset.value)].join('|')"));
  say("fragments", await attr(page, "[data-table=op-fragments] tbody tr",
    "return [r.dataset.fragments, r.cells[1].dataset.ms, r.cells[2].dataset.ms].join('|')"));
  say("calendar", await attr(page, "[data-table=op-calendar] tbody tr",
    "return [r.dataset.month, r.cells[1].dataset.value, r.cells[3].dataset.value].join('|')"));
  await shots(page, "operator", "operator");
  await open(page, "fleet", `#/fleet?period=${period}`);
  say("fleetcredits", await attr(page, "[data-table=fleet-credits] tbody tr", "return r.dataset.credit"));
  await shots(page, "fleet", "fleet");
  /* a model without installed GPUs: the API's utilisation is "-" */
  await page.route(/\/v1\/operator\/yield/, async (route) => {
    const res = await route.fetch();
    const j = await res.json();
    j.rows = j.rows.map((r) => ({ ...r, utilisation_pct: "-" }));
    await route.fulfill({ response: res, json: j });
  });
  await open(page, "operator", `#/operator?period=${period}`);
  say("noinstalled", await attr(page, "[data-table=op-yield] tbody tr", "return r.cells[3].textContent"));
  await page.unrouteAll();
  await page.evaluate(() => delete document.body.dataset.ready);
  await page.evaluate(() => { location.hash = "#/customer"; });
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30000 });
  say("customerpage", await page.evaluate(() => document.body.dataset.ready));
  const statuses = await page.evaluate((p) => Promise.all(
    ["/v1/invoices", `/v1/statement?period=${p}&customer=alpha`, "/v1/receivables", `/v1/finance/month?period=${p}`]
      .map((u) => fetch(u).then((r) => r.status))), period);
  say("operatorapi", statuses.join(" "));
  await context.close();
}

// ---- the customer: keys ----
{
  const { context, page } = await signIn(customerKey, "customer");
  await open(page, "keys", "#/keys");
  const own = customerKey.split("_")[1];
  say("ownrevoke", (await page.$(`[data-revoke="${own}"]`)) ? "shown" : "none");
  await page.fill("#key-label", "finance system");
  await page.click("#key-create button");
  await page.waitForSelector("#new-key-secret");
  const key = await page.$eval("#new-key-secret", (e) => e.textContent);
  say("newkey", key);
  const id = key.split("_")[1];
  await page.waitForSelector(`[data-key="${id}"]`);
  await shots(page, "keys", "keys-made");
  say("curlbefore", execFileSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", `Authorization: Bearer ${key}`, `${url}v1/invoices`]).toString());
  /* a use the list can show: the page read again */
  await open(page, "customer", "#/customer");
  await open(page, "keys", "#/keys");
  page.once("dialog", (d) => d.accept());
  await page.click(`[data-revoke="${id}"]`);
  await page.waitForFunction((k) => { const r = document.querySelector(`[data-key="${k}"]`); return r && r.classList.contains("revoked"); }, id, { timeout: 30000 });
  say("keyrow", await page.$eval(`[data-key="${id}"]`, (r) =>
    `${r.querySelector("[data-field=last-used]").dataset.utc ? "used" : "never"} ${r.classList.contains("revoked") ? "revoked" : "live"}`));
  await shots(page, "keys", "keys");
  /* CSRF: the session's cookie without the token, then with it from elsewhere */
  const cookie = (await context.cookies()).find((c) => c.name === "gm_session").value;
  const csrf = await page.evaluate(() => fetch("/v1/me").then((r) => r.json()).then((m) => m.csrf));
  const post = (headers) => fetch(`${url}v1/keys?label=forged`, { method: "POST", headers: Object.assign({ Cookie: `gm_session=${cookie}` }, headers) })
    .then(async (r) => `${r.status} ${(await r.json()).error.code}`);
  say("csrfmissing", await post({}));
  say("csrforigin", await post({ "X-CSRF-Token": csrf, Origin: "http://evil.example" }));

  // ---- downloads ----
  await open(page, "documents", "#/documents");
  say("months", (await page.$$eval("#doc-month option", (os) => os.map((o) => o.value))).join(" "));
  await open(page, "documents", `#/documents?period=${period}`);
  const number = await page.$eval("[data-table=documents] tbody tr", (r) => r.dataset.invoice);
  const [pdf] = await Promise.all([page.waitForEvent("download"), page.click(`[data-invoice="${number}"] a[data-format=pdf]`)]);
  await pdf.saveAs(`${dir}/download-${number}.pdf`);
  const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#usage-csv")]);
  await csv.saveAs(`${dir}/download-usage.csv`);
  await shots(page, "documents", "documents");
  await context.close();
}
for (const e of errors) console.error(e);
say("errors", errors.length);
await browser.close();

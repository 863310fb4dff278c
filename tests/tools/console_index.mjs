// Signs in to the web console in Debian's headless Chromium with a finance
// key, opens the price index page (issue 37: the realised compute price
// index by model over the months) for FROM..TO, the GPU-hour series gross,
// in English and in Chinese, then picks the token series, net, in the
// page's own form, and prints what a person reads and what the chart
// draws, for tests/integration/test_price_index_series.sh. Per view
// (gpu_hours-gross, tokens-net) and language: "nav.VIEW.LANG ..." (the
// page's tab), "title.VIEW.LANG ...", "sub.VIEW.LANG ..." (the unit and
// the minimum), "chart.VIEW.LANG {...}" (the months, the axis's unit and
// each model's line, a gap null, a provisional month an object with its
// value, as JSON; "none: " and what the card says instead when every
// month is withheld), "rows.VIEW.LANG month|model|...;..." (the table of the
// index), "revisions.VIEW.LANG ...;..." (the published revisions), then
// "errors N" (page and console errors but the expected ones,
// console_customer.mjs). Screenshots go to OUT/index-VIEW-LANG.png.
//
// node console_index.mjs URL FINANCE_KEY FROM TO OUT
import { chartData, signedIn } from "./console_customer.mjs";

const [url, key, from, to, out] = process.argv.slice(2);
const { browser, page, errors, toggleLanguage } =
  await signedIn(url, key, "finance", "index", `#/index?from=${from}&to=${to}`);
const rows = (sel) => page.$$eval(sel, (trs) => trs.map((r) => [...r.cells].map((c) => c.textContent.trim()).join("|")).join(";"));
const text = (sel) => page.$eval(sel, (e) => e.textContent.trim()).catch(() => "none");
const print = async (view, lang) => {
  console.log(`nav.${view}.${lang} ${await text("[data-view=index]")}`);
  console.log(`title.${view}.${lang} ${await text("main h1")}`);
  console.log(`sub.${view}.${lang} ${await text("[data-card=index] .sub")}`);
  /* a range with every month withheld has no chart, a sentence instead (issue 39) */
  console.log(`chart.${view}.${lang} ${(await page.$("[data-chart=index]")) ? JSON.stringify(await chartData(page, "index")) : `none: ${await text("[data-empty=index]")}`}`);
  console.log(`rows.${view}.${lang} ${await rows("[data-table=index-rows] tbody tr")}`);
  console.log(`revisions.${view}.${lang} ${await rows("[data-table=index-revisions] tbody tr")}`);
  await page.screenshot({ path: `${out}/index-${view}-${lang}.png`, fullPage: true });
};
await print("gpu_hours-gross", "en");
await toggleLanguage();
await print("gpu_hours-gross", "zh");
/* the series and basis chosen in the page's form, as a person would */
await page.selectOption("#series", "tokens");
await page.selectOption("#basis", "net");
await page.evaluate(() => delete document.body.dataset.ready);
await page.click("main form.toolbar button[type=submit]");
await page.waitForFunction(() => document.body.dataset.ready === "index", null, { timeout: 20000 });
await print("tokens-net", "zh");
await toggleLanguage();
await print("tokens-net", "en");
for (const e of errors) console.error(e);
console.log(`errors ${errors.length}`);
await browser.close();

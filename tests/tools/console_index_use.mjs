// Signs in to the web console in Debian's headless Chromium (playwright-core,
// pinned in console/package-lock.json) with a customer key, opens its month
// in English and then in Chinese, and prints what a person reads of the
// statement's lines priced or settled at the price index (issue 37), for
// tests/integration/test_index_swap.sh and test_index_linked.sh: per
// language "index.LANG description|amount;..." (each line that carries an
// index note: its description cell, note included, and its amount),
// "note.LANG month|value|published_at;..." (the note's data attributes:
// what the API gave), "lines.LANG N" (the statement's lines), then
// "errors N" (page and console errors but the expected ones,
// console_customer.mjs). Screenshots of the statement go to
// OUT/index-use-LANG.png.
//
// node console_index.mjs URL PERIOD CUSTOMER_KEY OUT
import { customerMonth } from "./console_customer.mjs";

const [url, period, key, out] = process.argv.slice(2);
const { browser, page, errors, toggleLanguage } = await customerMonth(url, key, period);
const noted = "[data-table=statement] tbody tr:has([data-index-month])";
for (const lang of ["en", "zh"]) {
  if (lang === "zh") await toggleLanguage();
  console.log(`index.${lang} ${await page.$$eval(noted, (trs) => trs.map((r) =>
    `${r.cells[0].textContent.trim()}|${r.cells[3].textContent.trim()}`).join(";"))}`);
  console.log(`note.${lang} ${await page.$$eval("[data-table=statement] [data-index-month]", (ds) => ds.map((d) =>
    `${d.dataset.indexMonth}|${d.dataset.indexValue}|${d.dataset.publishedAt}`).join(";"))}`);
  console.log(`lines.${lang} ${await page.$$eval("[data-table=statement] tbody tr", (trs) => trs.length)}`);
  console.log(`prices.${lang} ${await page.$$eval("[data-table=statement] [data-field=unit-price]", (ts) =>
    ts.map((t) => t.textContent.trim()).filter(Boolean).join(";"))}`);
  const card = await page.$("section:has([data-table=statement])");
  if (card) await card.screenshot({ path: `${out}/index-use-${lang}.png` });
}
for (const e of errors) console.error(e);
console.log(`errors ${errors.length}`);
await browser.close();

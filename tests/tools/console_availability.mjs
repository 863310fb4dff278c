// Signs in to the web console in Debian's headless Chromium (playwright-core,
// pinned in console/package-lock.json) with a customer key, opens its month
// in English and then in Chinese, and prints the availability card (issue
// 36) as a person reads it, for tests/integration/test_sla_report.sh: per
// language "figure.LANG ...", "days.LANG day|percent;...", "windows.LANG
// device|start|end|state|reasons|excluded;...", "empty.LANG ..." (the text
// shown without an SLA), "rule.LANG ..." (the rule the card states, from
// the terms' excludes), "chart.LANG N" (canvases drawn), then "errors N"
// (page and console errors but the expected ones, console_customer.mjs).
// Screenshots of the card go to OUT/availability-LANG.png.
//
// node console_availability.mjs URL PERIOD CUSTOMER_KEY OUT
import { customerMonth } from "./console_customer.mjs";

const [url, period, key, out] = process.argv.slice(2);
const { browser, page, errors, toggleLanguage } = await customerMonth(url, key, period);
const rows = (sel) => page.$$eval(sel, (trs) => trs.map((r) => [...r.cells].map((c) => c.textContent.trim()).join("|")).join(";"));
const text = (sel) => page.$eval(sel, (e) => e.textContent.trim()).catch(() => "none");
// the chart draws on the next frame: wait for its canvas when there is a chart
const chart = async () => {
  if (!(await page.$("[data-chart=availability]"))) return 0;
  await page.waitForSelector("[data-chart=availability] canvas", { timeout: 10000 });
  return page.$$eval("[data-chart=availability] canvas", (c) => c.length);
};

for (const lang of ["en", "zh"]) {
  if (lang === "zh") await toggleLanguage();
  console.log(`figure.${lang} ${await text("[data-figure=availability]")}`);
  console.log(`days.${lang} ${await rows("[data-table=availability-days] tbody tr")}`);
  console.log(`windows.${lang} ${await rows("[data-table=availability-windows] tbody tr")}`);
  console.log(`empty.${lang} ${await text("[data-empty=availability]")}`);
  console.log(`rule.${lang} ${await text("[data-rule=availability]")}`);
  console.log(`chart.${lang} ${await chart()}`);
  const card = await page.$("[data-card=availability]");
  if (card) await card.screenshot({ path: `${out}/availability-${lang}.png` });
}
for (const e of errors) console.error(e);
console.log(`errors ${errors.length}`);
await browser.close();

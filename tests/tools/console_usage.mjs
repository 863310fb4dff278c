// Signs in to the web console in Debian's headless Chromium (playwright-core,
// pinned in console/package-lock.json) with a customer key, opens its page
// for one month in English and then in Chinese, and prints the usage card as
// a person reads it, for tests/integration/test_gpu_memory.sh: per language,
// "usage.LANG meter|name|quantity;..." in the card's order and
// "statement.LANG quantity" (the first statement line's), then
// "errors N" (page errors and console errors but the expected ones,
// console_customer.mjs).
//
// node console_usage.mjs URL PERIOD CUSTOMER_KEY
import { customerMonth } from "./console_customer.mjs";

const [url, period, key] = process.argv.slice(2);
const { browser, page, errors, toggleLanguage } = await customerMonth(url, key, period);
const statement = () => page.$eval("[data-table=statement] tbody tr [data-field=quantity]", (e) => e.textContent.trim()).catch(() => "none");
const usage = () => page.$$eval("[data-table=usage] [data-usage]", (rows) =>
  rows.map((r) => [r.dataset.usage, ...[...r.cells].slice(0, 2).map((c) => c.textContent.trim())].join("|")).join(";"));

console.log(`usage.en ${await usage()}`);
console.log(`statement.en ${await statement()}`);
await toggleLanguage();
console.log(`usage.zh ${await usage()}`);
console.log(`statement.zh ${await statement()}`);
for (const e of errors) console.error(e);
console.log(`errors ${errors.length}`);
await browser.close();

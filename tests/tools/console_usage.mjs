// Signs in to the web console in Debian's headless Chromium (playwright-core,
// pinned in console/package-lock.json) with a customer key, opens its page
// for one month in English and then in Chinese, and prints the usage card as
// a person reads it, for tests/integration/test_gpu_memory.sh: per language,
// "usage.LANG meter|name|quantity;..." in the card's order and
// "statement.LANG quantity" (the first statement line's), then
// "errors N" (page errors and console errors but the 401 before sign-in).
//
// node console_usage.mjs URL PERIOD CUSTOMER_KEY
import { createRequire } from "node:module";

const require = createRequire(new URL("../../console/", import.meta.url));
const { chromium } = require("playwright-core");
const [url, period, key] = process.argv.slice(2);

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
const page = await context.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));
// the page asks /v1/me before sign-in: that 401 is expected, every other error is not
page.on("console", (m) => { if (m.type() === "error" && !/ 401 /.test(m.text())) errors.push(m.text()); });
const ready = () => page.waitForFunction(() => document.body.dataset.ready === "customer", null, { timeout: 20000 });
const statement = () => page.$eval("[data-table=statement] tbody tr [data-field=quantity]", (e) => e.textContent.trim()).catch(() => "none");
const usage = () => page.$$eval("[data-table=usage] [data-usage]", (rows) =>
  rows.map((r) => [r.dataset.usage, ...[...r.cells].slice(0, 2).map((c) => c.textContent.trim())].join("|")).join(";"));

await page.goto(url);
await page.evaluate(() => localStorage.setItem("gm_lang", "en"));
await page.goto(url);
await page.waitForSelector("#key");
await page.fill("#key", key);
await page.click("#signin button");
await ready();
// the month's page, loaded afresh: no view of the sign-in still drawing
await page.evaluate((p) => { location.hash = `#/customer?period=${p}`; }, period);
await page.reload();
await ready();
console.log(`usage.en ${await usage()}`);
console.log(`statement.en ${await statement()}`);
await page.evaluate(() => delete document.body.dataset.ready);
await page.click("#lang");
await ready();
console.log(`usage.zh ${await usage()}`);
console.log(`statement.zh ${await statement()}`);
for (const e of errors) console.error(e);
console.log(`errors ${errors.length}`);
await browser.close();

// Signs in to the web console in Debian's headless Chromium (playwright-core,
// pinned in console/package-lock.json) with a finance key, opens the
// investor's page (issue 37) for a project and month in English and then in
// Chinese, and prints what a person reads, for
// tests/integration/test_report_project.sh: per language "nav.LANG ..."
// (the page's tab), "title.LANG ...", "sub.LANG ..." (version and
// currency), "month.LANG figure|value;..." (the month's table),
// "schedule.LANG period|from|due|opening|...;..." (the debt schedule),
// "empty.LANG ..." (what is said instead, if anything), then "errors N"
// (page and console errors but the 401 of /v1/me before sign-in).
// Screenshots go to OUT/investor-LANG.png.
//
// node console_investor.mjs URL FINANCE_KEY PROJECT PERIOD OUT
import { createRequire } from "node:module";

const require = createRequire(new URL("../../console/", import.meta.url));
const { chromium } = require("playwright-core");

const [url, key, project, period, out] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
const page = await context.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));
page.on("console", (m) => { if (m.type() === "error" && !/ 401 /.test(m.text())) errors.push(m.text()); });
const ready = (view) => page.waitForFunction((v) => document.body.dataset.ready === v, view, { timeout: 20000 });
await page.goto(url);
await page.evaluate(() => localStorage.setItem("gm_lang", "en"));
await page.goto(url);
await page.waitForSelector("#key");
await page.fill("#key", key);
await page.click("#signin button");
await ready("finance");
await page.evaluate(([p, m]) => { location.hash = `#/investor?project=${p}&period=${m}`; }, [project, period]);
await page.reload();
await ready("investor");

const rows = (sel) => page.$$eval(sel, (trs) => trs.map((r) => [...r.cells].map((c) => c.textContent.trim()).join("|")).join(";"));
const text = (sel) => page.$eval(sel, (e) => e.textContent.trim()).catch(() => "none");
for (const lang of ["en", "zh"]) {
  if (lang === "zh") {
    await page.evaluate(() => delete document.body.dataset.ready);
    await page.click("#lang");
    await ready("investor");
  }
  console.log(`nav.${lang} ${await text("[data-view=investor]")}`);
  console.log(`title.${lang} ${await text("main h1")}`);
  console.log(`sub.${lang} ${await text("[data-card=investor-month] .sub")}`);
  console.log(`month.${lang} ${await rows("[data-table=investor-month] tbody tr")}`);
  console.log(`schedule.${lang} ${await rows("[data-table=debt-schedule] tbody tr")}`);
  console.log(`empty.${lang} ${await text("[data-empty]")}`);
  await page.screenshot({ path: `${out}/investor-${lang}.png`, fullPage: true });
}
for (const e of errors) console.error(e);
console.log(`errors ${errors.length}`);
await browser.close();

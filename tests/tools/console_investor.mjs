// Signs in to the web console in Debian's headless Chromium (playwright-core,
// pinned in console/package-lock.json) with a finance key, opens the
// investor's page (issue 37) for a project and month in English and then in
// Chinese, and prints what a person reads, for
// tests/integration/test_report_project.sh: per language "nav.LANG ..."
// (the page's tab), "title.LANG ...", "sub.LANG ..." (version and
// currency), "month.LANG figure|value;..." (the month's table),
// "schedule.LANG period|from|due|opening|...;..." (the debt schedule),
// "empty.LANG ..." (what is said instead, if anything), then "errors N"
// (page and console errors but the expected ones, console_customer.mjs).
// Screenshots go to OUT/investor-LANG.png.
//
// node console_investor.mjs URL FINANCE_KEY PROJECT PERIOD OUT
import { signedIn } from "./console_customer.mjs";

const [url, key, project, period, out] = process.argv.slice(2);
const { browser, page, errors, toggleLanguage } =
  await signedIn(url, key, "finance", "investor", `#/investor?project=${project}&period=${period}`);
const rows = (sel) => page.$$eval(sel, (trs) => trs.map((r) => [...r.cells].map((c) => c.textContent.trim()).join("|")).join(";"));
const text = (sel) => page.$eval(sel, (e) => e.textContent.trim()).catch(() => "none");
for (const lang of ["en", "zh"]) {
  if (lang === "zh") await toggleLanguage();
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

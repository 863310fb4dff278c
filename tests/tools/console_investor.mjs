// Signs in to the web console in Debian's headless Chromium (playwright-core,
// pinned in console/package-lock.json) with a finance key, opens the
// investor's page (issue 37) for a project and month in English and then in
// Chinese, and prints what a person reads, for
// tests/integration/test_report_project.sh: per language "nav.LANG ..."
// (the page's tab), "title.LANG ...", "sub.LANG ..." (version and
// currency), "month.LANG figure|value;..." (the month's table),
// "schedule.LANG period|from|due|opening|...;..." (the debt schedule),
// "backlog.LANG month|contracts|backlog|in default;..." (the backlog
// curve's table), "backlogchart.LANG {...}" (what its chart draws: the
// months, the axis's unit, each series, as JSON), "empty.LANG ..." (what
// is said instead, if anything, each joined by " | "), then "errors N"
// (page and console errors but the expected ones, console_customer.mjs).
// Screenshots go to OUT/investor-LANG.png, or OUT/investor-NAME-LANG.png
// when NAME is given.
//
// node console_investor.mjs URL FINANCE_KEY PROJECT PERIOD OUT [NAME]
import { chartData, signedIn } from "./console_customer.mjs";

const [url, key, project, period, out, name] = process.argv.slice(2);
const { browser, page, errors, toggleLanguage } =
  await signedIn(url, key, "finance", "investor", `#/investor?project=${project}&period=${period}`);
const rows = (sel) => page.$$eval(sel, (trs) => trs.map((r) => [...r.cells].map((c) => c.textContent.trim()).join("|")).join(";"));
const text = (sel) => page.$eval(sel, (e) => e.textContent.trim()).catch(() => "none");
const texts = (sel) => page.$$eval(sel, (es) => es.map((e) => e.textContent.trim()).join(" | ")).then((s) => s || "none");
for (const lang of ["en", "zh"]) {
  if (lang === "zh") await toggleLanguage();
  console.log(`nav.${lang} ${await text("[data-view=investor]")}`);
  console.log(`title.${lang} ${await text("main h1")}`);
  console.log(`sub.${lang} ${await text("[data-card=investor-month] .sub")}`);
  console.log(`month.${lang} ${await rows("[data-table=investor-month] tbody tr")}`);
  console.log(`schedule.${lang} ${await rows("[data-table=debt-schedule] tbody tr")}`);
  console.log(`backlog.${lang} ${await rows("[data-table=backlog] tbody tr")}`);
  if (await page.$("[data-chart=backlog]")) console.log(`backlogchart.${lang} ${JSON.stringify(await chartData(page, "backlog"))}`);
  console.log(`empty.${lang} ${await texts("[data-empty]")}`);
  await page.screenshot({ path: `${out}/investor-${name ? `${name}-` : ""}${lang}.png`, fullPage: true });
}
for (const e of errors) console.error(e);
console.log(`errors ${errors.length}`);
await browser.close();

// What the console drivers share (console_usage.mjs,
// console_availability.mjs, console_investor.mjs): Debian's headless
// Chromium (playwright-core, pinned in console/package-lock.json) signed
// in with a key, on one view in English, freshly loaded; the page and
// console errors collected but the expected ones: the 401 of /v1/me before
// sign-in and, for a customer without an SLA, the 404 of /v1/availability
// (issue 36).
import { createRequire } from "node:module";

const require = createRequire(new URL("../../console/", import.meta.url));
const { chromium } = require("playwright-core");

export function launch() {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
}

/* A new context of browser signed in with key, in English, on its home
 * view; page and console errors (but the expected ones, and any status
 * in also, e.g. / 403 /) collected into errors. */
export async function signInOn(browser, url, key, home, errors, also) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB", acceptDownloads: true });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  const expected = (m) => / 401 /.test(m.text()) || (also && also.test(m.text())) || (/ 404 /.test(m.text()) && /\/v1\/availability\?/.test(m.location().url));
  page.on("console", (m) => { if (m.type() === "error" && !expected(m)) errors.push(m.text()); });
  await page.goto(url);
  await page.evaluate(() => localStorage.setItem("gm_lang", "en"));
  await page.goto(url);
  await page.waitForSelector("#key");
  await page.fill("#key", key);
  await page.click("#signin button");
  await page.waitForFunction((x) => document.body.dataset.ready === x, home, { timeout: 20000 });
  return { context, page };
}

/* Signed in with key (whose home view is home), then on view at hash
 * (`#/VIEW?...`), loaded afresh: no view of the sign-in still drawing. */
export async function signedIn(url, key, home, view, hash) {
  const browser = await launch();
  const errors = [];
  const { page } = await signInOn(browser, url, key, home, errors);
  const ready = (v) => page.waitForFunction((x) => document.body.dataset.ready === x, v, { timeout: 20000 });
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.reload();
  await ready(view);
  /* switches the page to the other language and waits for it to redraw */
  const toggleLanguage = async () => {
    await page.evaluate(() => delete document.body.dataset.ready);
    await page.click("#lang");
    await ready(view);
  };
  return { browser, page, errors, toggleLanguage };
}

/* A customer key on its month's page. */
export async function customerMonth(url, key, period) {
  return signedIn(url, key, "customer", "customer", `#/customer?period=${period}`);
}

/* What the ECharts chart data-chart=name draws, as the page gave it to
 * ECharts (issue 37's investor charts): the category axis, the value
 * axis's name (its unit), the legend and each series' name and data, a
 * gap as null. Waits for the chart, which draws on the frame after the
 * view is ready. */
export async function chartData(page, name) {
  const sel = `[data-chart="${name}"]`;
  await page.waitForFunction((s) => { const d = document.querySelector(s); return d && window.echarts.getInstanceByDom(d); }, sel, { timeout: 20000 });
  return page.$eval(sel, (d) => {
    const o = window.echarts.getInstanceByDom(d).getOption();
    return { x: o.xAxis[0].data, unit: o.yAxis[0].name, legend: o.series.map((s) => s.name),
      series: o.series.map((s) => ({ name: s.name, stack: s.stack || null, data: s.data })) };
  });
}

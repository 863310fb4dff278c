// What the console drivers of a customer's month share (console_usage.mjs,
// console_availability.mjs): Debian's headless Chromium (playwright-core,
// pinned in console/package-lock.json) signed in with a customer key, on
// the customer's page for one month in English, freshly loaded; the page
// and console errors collected but the expected ones: the 401 of /v1/me
// before sign-in and, for a customer without an SLA, the 404 of
// /v1/availability (issue 36).
import { createRequire } from "node:module";

const require = createRequire(new URL("../../console/", import.meta.url));
const { chromium } = require("playwright-core");

export async function customerMonth(url, key, period) {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const expected = (m) => / 401 /.test(m.text()) || (/ 404 /.test(m.text()) && /\/v1\/availability\?/.test(m.location().url));
  page.on("console", (m) => { if (m.type() === "error" && !expected(m)) errors.push(m.text()); });
  const ready = () => page.waitForFunction(() => document.body.dataset.ready === "customer", null, { timeout: 20000 });
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
  /* switches the page to the other language and waits for it to redraw */
  const toggleLanguage = async () => {
    await page.evaluate(() => delete document.body.dataset.ready);
    await page.click("#lang");
    await ready();
  };
  return { browser, page, errors, toggleLanguage };
}

// The browser side of the end-to-end tests: contexts, the console's pages, sign-in and screenshots.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after } from "node:test";
import { chromium } from "playwright-core";
import { mintCode, userOf } from "./api-client.mjs";
import { bounded, config, SESSION_COOKIE, TIMEOUTS, uniqueIp, VIEWS } from "./config.mjs";

let browserPromise = null;

/** The Chromium that run.mjs started, connected once per test file. */
export function browser() {
  browserPromise ??= chromium.connect(config.wsEndpoint, { timeout: 30_000 });
  return browserPromise;
}

after(async () => {
  if (browserPromise) await (await browserPromise.catch(() => null))?.close();
});

/**
 * A fresh browser context (no cookies, no storage) with a client address of its own. Options are
 * Playwright's `newContext` options (e.g. `viewport`), plus `clock: true` to install Playwright's
 * fake clock before any page script runs (then `page.clock.fastForward("01:01")`).
 */
export async function newContext({ clock = false, ...options } = {}) {
  const context = await (
    await browser()
  ).newContext({
    baseURL: config.baseUrl,
    viewport: { width: 1280, height: 800 },
    ...options,
    extraHTTPHeaders: { "CF-Connecting-IP": uniqueIp(), ...options.extraHTTPHeaders },
  });
  context.setDefaultTimeout(TIMEOUTS.action);
  context.setDefaultNavigationTimeout(TIMEOUTS.navigation);
  if (clock) await context.clock.install();
  return context;
}

const slug = (s) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 80);

/**
 * Runs `fn({ page, context, errors })` in a fresh context and closes it afterwards. On failure it
 * saves a screenshot to screenshots/failures/<test>.png and prints the page's URL and console
 * errors as test diagnostics. `errors` collects uncaught page errors and console errors as they
 * happen. Options go to `newContext`.
 */
export async function withPage(t, fn, options = {}) {
  const context = await newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console error: ${msg.text()}`);
  });
  try {
    return await bounded(() => fn({ page, context, errors }), TIMEOUTS.test, `the test ran over ${TIMEOUTS.test} ms`);
  } catch (err) {
    const file = join(config.screenshotsDir, "failures", `${slug(t.fullName ?? t.name)}.png`);
    try {
      mkdirSync(join(config.screenshotsDir, "failures"), { recursive: true });
      await page.screenshot({ path: file, fullPage: true, timeout: 10_000 });
      t.diagnostic(`failure screenshot: ${file}`);
    } catch {}
    t.diagnostic(`page: ${page.url()}`);
    for (const line of errors.slice(-10)) t.diagnostic(line);
    throw err;
  } finally {
    await context.close().catch(() => {});
  }
}

/** Two (or more) users side by side, each in a context of their own: `withPages(t, 2, ([a, b]) => …)`. */
export async function withPages(t, count, fn, options = {}) {
  const contexts = await Promise.all(Array.from({ length: count }, () => newContext(options)));
  const pages = await Promise.all(contexts.map((c) => c.newPage()));
  try {
    return await bounded(
      () => fn(pages.map((page, i) => ({ page, context: contexts[i] }))),
      TIMEOUTS.test,
      `the test ran over ${TIMEOUTS.test} ms`,
    );
  } catch (err) {
    mkdirSync(join(config.screenshotsDir, "failures"), { recursive: true });
    for (const [i, page] of pages.entries()) {
      const file = join(config.screenshotsDir, "failures", `${slug(t.fullName ?? t.name)}-${i + 1}.png`);
      try {
        await page.screenshot({ path: file, fullPage: true, timeout: 10_000 });
        t.diagnostic(`failure screenshot: ${file} (${page.url()})`);
      } catch {}
    }
    throw err;
  } finally {
    await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  }
}

// ---------------------------------------------------------------------------------------------
// The console's pages.

/** The sign-in page's controls. */
export function signInPage(page) {
  return {
    codeInput: page.getByRole("textbox", { name: "Authorization code" }),
    codeButton: page.getByRole("button", { name: "Sign in with code", exact: true }),
    username: page.getByLabel("Username", { exact: true }),
    password: page.getByLabel("Password", { exact: true }),
    passwordButton: page.getByRole("button", { name: "Sign in", exact: true }),
    /** An error from the API, as the console shows it. */
    alert: page.getByRole("alert"),
    /** "You have signed out.", "Your session has expired…". */
    notice: page.locator(".sign-in").getByRole("status"),
  };
}

/** The signed-in console's frame: the "Main" navigation, its links, and the sign-out button. */
export function shell(page) {
  const nav = page.getByRole("navigation", { name: "Main" });
  return {
    nav,
    link: (label) => nav.getByRole("link", { name: label, exact: true }),
    signOut: page.getByRole("button", { name: "Sign out", exact: true }),
    main: page.locator("main#main"),
  };
}

/** Opens the console at `path` on a signed-out context and waits for the sign-in page (its session check done). */
export async function openSignIn(page, path = "/") {
  await page.goto(path);
  await waitForSignInPage(page);
}

export async function waitForSignInPage(page, timeout = TIMEOUTS.console) {
  try {
    await signInPage(page).codeInput.waitFor({ state: "visible", timeout });
  } catch (err) {
    throw new Error(
      `the sign-in page did not appear within ${timeout} ms at ${page.url()}; the page shows: ${await visibleText(page)}`,
      {
        cause: err,
      },
    );
  }
}

/** Waits for the signed-in console: the "Main" navigation with a view rendered. */
export async function waitForConsole(page, timeout = TIMEOUTS.console) {
  try {
    await shell(page).nav.waitFor({ state: "visible", timeout });
  } catch (err) {
    throw new Error(
      `the console did not appear within ${timeout} ms at ${page.url()}; the page shows: ${await visibleText(page)}`,
      {
        cause: err,
      },
    );
  }
}

async function visibleText(page) {
  const text = await page
    .locator("body")
    .innerText({ timeout: 2_000 })
    .catch(() => "(unreadable)");
  return JSON.stringify(text.replace(/\s+/g, " ").trim().slice(0, 300));
}

/** Signs in through the sign-in page with a fresh code for `who` and waits for the console. */
export async function signInWithCode(page, who = "admin") {
  const code = await mintCode(who);
  await openSignIn(page);
  const form = signInPage(page);
  await form.codeInput.fill(code);
  await form.codeButton.click();
  await waitForConsole(page);
}

/** Signs in through the sign-in page with `who`'s username and password and waits for the console. */
export async function signInWithPassword(page, who = "admin") {
  const user = userOf(who);
  await openSignIn(page);
  const form = signInPage(page);
  await form.username.fill(user.username);
  await form.password.fill(user.password);
  await form.passwordButton.click();
  await waitForConsole(page);
}

/** The context's `qecnet_session` cookie (all its attributes), or undefined. */
export async function sessionCookie(context) {
  return (await context.cookies(config.baseUrl)).find((c) => c.name === SESSION_COOKIE);
}

/**
 * Goes to a view inside the running app, as a user does: a click on its navigation link (no page
 * load, so no new session check), or for views without one, the router's own history update.
 * Waits for the view's document title. `view` is a path ("/mesh", "/incidents/inc_…") or a VIEWS entry.
 */
export async function goToView(page, view) {
  const v = typeof view === "string" ? (VIEWS.find((x) => x.path === view) ?? { path: view }) : view;
  const link = v.label ? shell(page).link(v.label) : null;
  if (link && (await link.isVisible())) await link.click();
  else
    await page.evaluate((path) => {
      history.pushState(null, "", path);
      dispatchEvent(new PopStateEvent("popstate"));
    }, v.path);
  await page.waitForURL((url) => url.pathname === v.path, { timeout: TIMEOUTS.action });
  if (v.title) await page.waitForFunction((title) => document.title === title, v.title, { timeout: TIMEOUTS.action });
}

/**
 * Waits (at most `timeout` ms, without failing) until the view shows no loading indicator, so a
 * screenshot shows data rather than "Loading…". Returns whether it settled.
 */
export async function settle(page, timeout = 10_000) {
  const settled = await page
    .waitForFunction(() => !document.querySelector("main .loading, main [aria-busy='true']"), null, { timeout })
    .then(() => true)
    .catch(() => false);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return settled;
}

/** Saves a screenshot of the page under test/e2e/screenshots/<name>.png and returns its path. */
export async function screenshot(page, name, { fullPage = true } = {}) {
  const path = join(config.screenshotsDir, `${name}.png`);
  await page.screenshot({ path, fullPage, animations: "disabled", caret: "hide", timeout: 20_000 });
  return path;
}

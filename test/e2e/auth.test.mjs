// Signing in and out of the operator console: by code, by password, a wrong code, the session
// cookie's attributes, sign-out, and a session ended on the server while the console is open.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  api,
  mintCode,
  openSignIn,
  SESSION_COOKIE,
  sessionCookie,
  shell,
  signInPage,
  signInWithCode,
  signInWithPassword,
  users,
  VIEWS,
  waitForConsole,
  waitForSignInPage,
  withPage,
} from "./helpers.mjs";

const NAV_LABELS = VIEWS.map((v) => v.label);

async function assertConsoleShell(page) {
  const { nav, link, signOut } = shell(page);
  assert.ok(await nav.isVisible(), "the Main navigation is visible");
  for (const label of NAV_LABELS) assert.ok(await link(label).isVisible(), `navigation link "${label}"`);
  assert.ok(await signOut.isVisible(), 'the "Sign out" button is visible');
}

test("sign in with an authorization code lands in the console", (t) =>
  withPage(t, async ({ page }) => {
    const code = await mintCode("admin");
    await openSignIn(page);
    const form = signInPage(page);
    await form.codeInput.fill(code);
    await form.codeButton.click();
    await waitForConsole(page);
    await assertConsoleShell(page);
    assert.equal(new URL(page.url()).pathname, "/live", "signing in at / opens the live view");
    assert.equal(await shell(page).link("Live threats").getAttribute("aria-current"), "page");
    // The code was one use: a second exchange is refused.
    const again = await api("/api/auth", { method: "POST", body: { code } });
    assert.equal(again.status, 401, `a used code is refused: ${JSON.stringify(again.body)}`);
  }));

test("the session cookie is HttpOnly, Secure and SameSite=Strict, and invisible to scripts", (t) =>
  withPage(t, async ({ page, context }) => {
    await signInWithCode(page, "viewer");
    const cookie = await sessionCookie(context);
    assert.ok(cookie, `a ${SESSION_COOKIE} cookie is set`);
    assert.equal(cookie.httpOnly, true, "HttpOnly");
    assert.equal(cookie.secure, true, "Secure");
    assert.equal(cookie.sameSite, "Strict", "SameSite=Strict");
    assert.equal(cookie.path, "/", "Path=/");
    const documentCookie = await page.evaluate(() => document.cookie);
    assert.ok(!documentCookie.includes(SESSION_COOKIE), `document.cookie must not show it: ${JSON.stringify(documentCookie)}`);
    assert.ok(!documentCookie.includes(cookie.value), "document.cookie must not contain its value");
  }));

test("sign in with username and password lands in the console", (t) =>
  withPage(t, async ({ page, context }) => {
    await signInWithPassword(page, "analyst");
    await assertConsoleShell(page);
    assert.equal(new URL(page.url()).pathname, "/live");
    assert.ok(
      await page.getByRole("banner").getByText(users.analyst.username).isVisible(),
      "the header names the signed-in user",
    );
    // A password sign-in holds an access token in memory, not the console's cookie.
    assert.equal(await sessionCookie(context), undefined, "no session cookie for a password sign-in");
  }));

test("a wrong authorization code shows an error and stays on the sign-in page", (t) =>
  withPage(t, async ({ page, context }) => {
    await openSignIn(page);
    const form = signInPage(page);
    await form.codeInput.fill("qac_this-is-not-a-real-code");
    await form.codeButton.click();
    await form.alert.waitFor({ state: "visible" });
    const message = await form.alert.innerText();
    assert.match(message, /401|invalid/i, `the error names the refusal: ${JSON.stringify(message)}`);
    assert.ok(await form.codeInput.isVisible(), "the code form is still there");
    assert.ok(await form.codeButton.isEnabled(), "and can be used again");
    assert.equal(await shell(page).nav.count(), 0, "no console navigation");
    assert.equal(await sessionCookie(context), undefined, "no session cookie");
  }));

test("sign out returns to the sign-in page and the old cookie no longer authorizes", (t) =>
  withPage(t, async ({ page, context }) => {
    await signInWithCode(page, "responder");
    const cookie = await sessionCookie(context);
    assert.ok(cookie, "signed in with a session cookie");
    const old = `${cookie.name}=${cookie.value}`;
    assert.deepEqual(
      (await api("/api/auth", { cookie: old })).body,
      { authorized: true },
      "the cookie authorizes before sign-out",
    );

    await shell(page).signOut.click();
    await waitForSignInPage(page);
    const { notice } = signInPage(page);
    await notice.waitFor({ state: "visible" });
    assert.match(await notice.innerText(), /signed out/i);
    assert.equal(await shell(page).nav.count(), 0, "no console navigation after sign-out");
    assert.equal(await sessionCookie(context), undefined, "the browser dropped the cookie");

    const check = await api("/api/auth", { cookie: old });
    assert.equal(check.status, 200);
    assert.deepEqual(check.body, { authorized: false }, "the old cookie is revoked server-side");
    const me = await api("/auth/me", { cookie: old });
    assert.equal(me.status, 401, "and is refused by the API");
  }));

test("a session ended on the server shows a clear message on the console's next request or check", (t) =>
  withPage(
    t,
    async ({ page, context }) => {
      await signInWithCode(page, "analyst");
      const cookie = await sessionCookie(context);
      assert.ok(cookie, "signed in with a session cookie");
      // Signed out from elsewhere: the same cookie, another client.
      const ended = await api("/api/auth", { method: "DELETE", cookie: `${cookie.name}=${cookie.value}` });
      assert.deepEqual(ended.body, { authorized: false }, "DELETE /api/auth ends the session");

      // The next request: a view that loads data gets a 401 and ends the session in the console.
      await shell(page).link("Incidents").click();
      const { notice } = signInPage(page);
      let via = "the next API request";
      const shown = await notice
        .waitFor({ state: "visible", timeout: 5_000 })
        .then(() => true)
        .catch(() => false);
      if (!shown) {
        // The check: the console checks its session every 60 s; the fake clock makes that now.
        via = "the 60-second session check";
        await page.clock.fastForward("01:05");
        await notice.waitFor({ state: "visible", timeout: 15_000 });
      }
      t.diagnostic(`expiry noticed by ${via}`);
      assert.match(await notice.innerText(), /session/i, "the message says the session ended");
      assert.match(await notice.innerText(), /expired|ended/i);
      await waitForSignInPage(page);
      assert.equal(await shell(page).nav.count(), 0, "the console is gone");
    },
    { clock: true },
  ));

test("a session ended on the server is noticed by the console's periodic check, without any navigation", (t) =>
  withPage(
    t,
    async ({ page, context }) => {
      await signInWithCode(page, "viewer");
      const cookie = await sessionCookie(context);
      assert.ok(cookie, "signed in with a session cookie");
      const refused = [];
      page.on("response", (r) => {
        if (r.status() === 401) refused.push(new URL(r.url()).pathname);
      });
      const ended = await api("/api/auth", { method: "DELETE", cookie: `${cookie.name}=${cookie.value}` });
      assert.deepEqual(ended.body, { authorized: false }, "DELETE /api/auth ends the session");

      // The console checks its session once a minute; the fake clock brings that minute now.
      await page.clock.fastForward("01:05");
      const { notice } = signInPage(page);
      await notice.waitFor({ state: "visible", timeout: 15_000 });
      t.diagnostic(`refused with 401: ${refused.join(", ") || "nothing"}`);
      assert.match(await notice.innerText(), /session/i, "the message says the session ended");
      assert.match(await notice.innerText(), /expired|ended/i);
      await waitForSignInPage(page);
      assert.equal(await shell(page).nav.count(), 0, "the console is gone");
    },
    { clock: true },
  ));

// A screenshot of each main view at a desktop and a tablet size, into test/e2e/screenshots/
// (gitignored): <view>-<width>x<height>.png. Each size is one sign-in; the views are reached through
// the navigation, as a user would. A view that throws (an uncaught page error) fails its test; API
// errors the view shows are reported as diagnostics.
import assert from "node:assert/strict";
import { test } from "node:test";
import { goToView, screenshot, settle, shell, signInWithCode, VIEWS, withPage } from "./helpers.mjs";

const SIZES = [
  { width: 1280, height: 800 },
  { width: 768, height: 1024 },
];

for (const viewport of SIZES) {
  const size = `${viewport.width}x${viewport.height}`;
  test(`screenshots of the main views at ${size}`, (t) =>
    withPage(
      t,
      async ({ page, errors }) => {
        await signInWithCode(page, "admin");
        for (const view of VIEWS) {
          await t.test(`${view.path} at ${size}`, async (st) => {
            const before = errors.length;
            await goToView(page, view);
            assert.ok(await shell(page).main.isVisible(), "the view renders in <main>");
            if (!(await settle(page))) st.diagnostic(`${view.path} still showed a loading indicator after 10 s`);
            const alerts = await shell(page).main.getByRole("alert").allInnerTexts();
            for (const a of alerts) st.diagnostic(`${view.path} shows an error: ${a.replace(/\s+/g, " ").slice(0, 200)}`);
            const file = await screenshot(page, `${view.name}-${size}`);
            st.diagnostic(`saved ${file}`);
            const pageErrors = errors.slice(before).filter((e) => e.startsWith("page error"));
            assert.deepEqual(pageErrors, [], `${view.path} threw in the browser`);
          });
        }
      },
      { viewport },
    ));
}

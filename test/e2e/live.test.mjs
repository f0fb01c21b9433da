// A simulated threat event appears on the live feed within seconds. The tenant is in simulation
// mode, so its hub generates an event every few seconds; nothing has to be injected.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, goToView, latestEvents, shell, signInWithCode, userClient, withPage } from "./helpers.mjs";

test("a simulated event appears on the live feed within seconds", (t) =>
  withPage(t, async ({ page }) => {
    const viewer = await userClient("viewer");
    await signInWithCode(page, "viewer");
    await goToView(page, "/live");
    const feed = shell(page).main.getByRole("list", { name: "Live event feed" });
    await feed.waitFor({ state: "visible" });
    const openedAt = Date.now();

    // An event the stream produced after the feed opened, as the API recorded it.
    const event = await eventually(
      async () => {
        const [newest] = await latestEvents(viewer, 1);
        assert.ok(newest && newest.timestamp >= openedAt, "no new event yet");
        return newest;
      },
      { timeout: 30_000, interval: 500, message: "the simulated stream produced an event" },
    );
    t.diagnostic(
      `event ${event.id} (${event.severity}, ${event.country}) generated ${event.timestamp - openedAt} ms after the feed opened`,
    );

    const item = feed.locator(`[data-event-id="${event.id}"]`);
    await item.waitFor({ state: "visible", timeout: 10_000 });
    assert.match(await item.innerText(), new RegExp(event.country));
    assert.ok(Date.now() - event.timestamp < 15_000, "shown within seconds of being generated");
  }));

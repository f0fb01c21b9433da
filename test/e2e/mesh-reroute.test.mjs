// Reroute between two nodes and see the route. POST /api/reroute answers the shortest path by link
// weight over live links; the view must show the hops it answered, as text and on the graph.
import assert from "node:assert/strict";
import { test } from "node:test";
import { goToView, shell, signInWithCode, withPage } from "./helpers.mjs";

// Nodes no other test isolates (mesh-isolate.test.mjs uses lng-04), in different clusters.
const SOURCE = "access-02";
const TARGET = "comms-05";

test("rerouting between two nodes shows the route", (t) =>
  withPage(t, async ({ page }) => {
    await signInWithCode(page, "responder");
    await goToView(page, "/mesh");

    const main = shell(page).main;
    await main.getByLabel("Source node").selectOption(SOURCE);
    await main.getByLabel("Target node").selectOption(TARGET);
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/reroute" && r.request().method() === "POST");
    await main.getByRole("button", { name: "Reroute", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Reroute", exact: true }).click();

    // The route the API answered to the view's own request, shown hop by hop.
    const res = await answer;
    assert.equal(res.status(), 200, `POST /api/reroute → ${res.status()}`);
    const { newRoute } = await res.json();
    assert.ok(newRoute.length >= 2 && newRoute[0] === SOURCE && newRoute.at(-1) === TARGET, `a route: ${newRoute}`);
    const shown = main.getByText(/New route:/);
    await shown.waitFor({ state: "visible" });
    assert.equal((await shown.innerText()).replace(/\s+/g, " ").trim(), `New route: ${newRoute.join(" → ")}`);
    // Drawn on the graph: one highlighted link per hop.
    assert.equal(await page.locator(".mesh-svg line.mesh-link.on-route").count(), newRoute.length - 1);
  }));

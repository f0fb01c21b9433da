// Isolate a node and see its state change. The tenant has the 30-node demo mesh
// (scripts/demo-mesh.mjs): grid-01 and defense-01 are protected (isolating them needs a second
// person's approval); any other node isolates at once. Commands need the responder role or above.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, goToView, meshNode, shell, signInWithCode, userClient, withPage } from "./helpers.mjs";

// Each scenario uses nodes no other test touches, so the files can run in any order.
const NODE = "lng-04";

test("isolating a node shows it ISOLATED", (t) =>
  withPage(t, async ({ page }) => {
    const responder = await userClient("responder");
    assert.notEqual((await meshNode(responder, NODE)).state, "ISOLATED", `${NODE} starts connected`);
    await signInWithCode(page, "responder");
    await goToView(page, "/mesh");

    const main = shell(page).main;
    await main.getByRole("button", { name: `Isolate ${NODE}`, exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Isolate node", exact: true }).click();

    // The node's row offers the way back instead, and the API agrees.
    await main.getByRole("button", { name: `Request return ${NODE}`, exact: true }).waitFor({ state: "visible" });
    await eventually(async () => assert.equal((await meshNode(responder, NODE)).state, "ISOLATED"), {
      message: `${NODE} is ISOLATED in the API`,
    });
    const row = main.locator(`tr[data-node-id="${NODE}"]`);
    assert.match(await row.innerText(), /ISOLATED/);
    // The graph shows it too: the node's state and its links drawn severed.
    await page.locator(`.mesh-svg g.mesh-node[data-node-id="${NODE}"][data-state="ISOLATED"]`).waitFor({ state: "visible" });
  }));

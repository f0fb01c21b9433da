// An analyst requests a remediation and a second user approves it, each in a browser of their own.
// Analysts may preview and propose (the API holds the action for approval); a responder or admin
// other than the requester approves, and the effect is real: the address lands on the blocklist.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  createIncident,
  eventually,
  goToView,
  shell,
  signInWithCode,
  signInWithPassword,
  userClient,
  withPages,
} from "./helpers.mjs";

const BLOCKED_IP = "203.0.113.77";

const executeAnswer = (page) =>
  page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/remediation/execute" && r.request().method() === "POST");

test("an analyst's remediation request is approved by a second user", (t) =>
  withPages(t, 2, async ([analyst, responder]) => {
    const incident = await createIncident("analyst", { description: `Brute force from ${BLOCKED_IP}` });

    // The analyst (password sign-in) previews the block, then requests it.
    await signInWithPassword(analyst.page, "analyst");
    await goToView(analyst.page, `/incidents/${incident.id}`);
    const form = shell(analyst.page).main.getByRole("form", { name: "Remediation request" });
    await form.getByLabel("Action").selectOption("block_ip");
    await form.getByLabel("ip_addresses").fill(BLOCKED_IP);
    const previewed = executeAnswer(analyst.page);
    await form.getByRole("button", { name: "Preview (dry run)" }).click();
    assert.equal((await previewed).status(), 200, "the dry run answers the plan");
    await form.locator('[data-testid=remediation-answer][data-status="dry_run"]').waitFor({ state: "visible" });
    assert.ok(await form.getByRole("button", { name: "Execute now" }).isDisabled(), "an analyst cannot run it at once");

    const requested = executeAnswer(analyst.page);
    await form.getByRole("button", { name: "Request remediation" }).click();
    const res = await requested;
    assert.equal(res.status(), 202, `the request waits for approval (HTTP ${res.status()})`);
    const { action } = (await res.json()).data;
    assert.equal(action.status, "pending_approval");
    const mine = shell(analyst.page).main.getByRole("button", { name: `Approve block_ip ${action.id}` });
    await mine.waitFor({ state: "visible" });
    assert.ok(await mine.isDisabled(), "the requester cannot approve their own request");

    // A responder (authorization code) finds it on the incident and approves it.
    await signInWithCode(responder.page, "responder");
    await goToView(responder.page, `/incidents/${incident.id}`);
    await shell(responder.page)
      .main.getByRole("button", { name: `Approve block_ip ${action.id}` })
      .click();
    await responder.page.getByRole("dialog").getByRole("button", { name: "Approve and run" }).click();

    // Completed, with a real effect, and the analyst's page shows it without a reload.
    const admin = await userClient("admin");
    await eventually(async () => assert.equal((await admin.get(`/api/v1/remediation/${action.id}`)).action.status, "completed"), {
      message: "the approved remediation completed",
    });
    const blocklist = await admin.get("/api/v1/blocklist");
    assert.ok(JSON.stringify(blocklist).includes(BLOCKED_IP), `${BLOCKED_IP} is on the blocklist`);
    await shell(responder.page)
      .main.getByRole("button", { name: `Roll back block_ip ${action.id}` })
      .waitFor({ state: "visible" });
    await shell(analyst.page)
      .main.locator(`tr[data-action-id="${action.id}"][data-status="completed"]`)
      .waitFor({ state: "visible", timeout: 30_000 });
  }));

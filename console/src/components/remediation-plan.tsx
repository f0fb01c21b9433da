import { dateTime } from "../lib/format";
import type { PlanStep, RemediationAction } from "../views/incident-types";
import { Badge, Empty, ResultBlock } from "./panel";

const shown = (v: unknown) => (Array.isArray(v) ? v.join(", ") : typeof v === "string" ? v : JSON.stringify(v));

/** An action's parameters as "name: value" lines, in the order the API gave them. */
export function ParamList({ params }: { params: Record<string, unknown> }) {
  const entries = Object.entries(params);
  if (!entries.length) return <span class="muted">none</span>;
  return (
    <ul class="rem-kv">
      {entries.map(([k, v]) => (
        <li key={k}>
          <code>{k}</code>: {shown(v)}
        </li>
      ))}
    </ul>
  );
}

/** An action's plan: the changes it makes (or made), one row per step, as the API listed them. */
export function PlanTable({ plan, caption }: { plan: PlanStep[]; caption: string }) {
  if (!plan.length) return <Empty>The plan has no steps.</Empty>;
  return (
    <div class="table-wrap">
      <table class="rem-plan" data-testid="remediation-plan">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Operation</th>
            <th scope="col">Target</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {plan.map((s, i) => (
            <tr key={i}>
              <th scope="row">
                <code>{s.operation}</code>
              </th>
              <td>
                <code>{s.target}</code>
              </td>
              <td>{s.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const until = (at: string | null) => (at ? ` until ${dateTime(at)}` : "");

/** One sentence on where an action stands, for the answer to a preview, request, approval or rollback. */
export function actionSummary(a: RemediationAction): string {
  switch (a.status) {
    case "dry_run":
      return `Dry run of ${a.type}: nothing was changed or stored. This is the plan the API returned.`;
    case "pending_approval":
      return `${a.type} requested as ${a.id}: pending approval by another responder or admin${until(a.approval.expires_at)}.`;
    case "completed":
      return `${a.type} (${a.id}) executed${a.approval.approved_by ? ` after approval by ${a.approval.approved_by}` : ""}.`;
    case "rolled_back":
      return `${a.type} (${a.id}) rolled back by ${a.rollback.rolled_back_by ?? "unknown"}: ${a.rollback.reason ?? ""}`;
    default:
      return `${a.type} (${a.id ?? "not stored"}): ${a.status}${a.error ? ` (${a.error})` : ""}.`;
  }
}

/** The API's answer about one action: a sentence, its plan, and the whole action verbatim. */
export function ActionAnswer({ label, action }: { label: string; action: RemediationAction }) {
  return (
    <div class="rem-answer" data-testid="remediation-answer" data-status={action.status} data-action-id={action.id ?? ""}>
      <p>
        <Badge tone={action.status}>{action.status}</Badge> {actionSummary(action)}
      </p>
      <PlanTable plan={action.plan} caption={action.status === "dry_run" ? "Plan (dry run)" : "Plan"} />
      <ResultBlock label={label} value={{ action }} />
    </div>
  );
}

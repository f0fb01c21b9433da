import { useState } from "preact/hooks";
import { ErrorNote, Panel } from "../components/panel";
import { dateTime } from "../lib/format";
import { avOwnerLogin, avOwnerLogout } from "./machine-api";

function OwnerForm(props: { busy: boolean; act: (fn: () => Promise<string>) => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const signIn = (e: Event) => {
    e.preventDefault();
    props.act(async () => {
      const r = await avOwnerLogin(username.trim(), password);
      setPassword("");
      return `Signed in as machine owner until ${dateTime(r.expires_at)}.`;
    });
  };
  return (
    <form class="q-form" onSubmit={signIn} aria-label="Machine owner sign-in">
      <label class="q-wide">
        Owner username
        <input
          name="owner-username"
          autoComplete="username"
          required
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
      </label>
      <label class="q-wide">
        Owner password
        <input
          name="owner-password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </label>
      <div class="q-form-actions">
        <button type="submit" class="primary" disabled={props.busy}>
          Sign in as owner
        </button>
        <button
          type="button"
          disabled={props.busy}
          onClick={() => props.act(async () => (await avOwnerLogout(), "Owner session ended."))}
        >
          End owner session
        </button>
      </div>
    </form>
  );
}

/**
 * Private machines answer only their owner, proven by the agent-claims family's own cookie. The
 * cookie is HttpOnly, so the console cannot tell whether one is set: it reports only what this
 * form did, and a 403 from the threats panel is the real answer.
 */
export function OwnerAccessPanel({ onChange }: { onChange: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState("");
  const act = async (fn: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    try {
      setNote(await fn());
      onChange();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel title="Owner access">
      <p class="q-hint">
        Your console sign-in counts as you: you read public machines and the private ones you own. A private machine another user
        owns answers 403 unless you sign in as its owner here (the agent-claims owner sign-in).
      </p>
      <details>
        <summary>Sign in as a machine owner</summary>
        <OwnerForm busy={busy} act={(fn) => void act(fn)} />
      </details>
      <p class="q-hint" role="status" aria-live="polite">
        {note}
      </p>
      <ErrorNote error={error} />
    </Panel>
  );
}

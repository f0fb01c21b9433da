import { useState } from "preact/hooks";
import { ErrorNote } from "../components/panel";
import { navigate } from "../lib/router";
import { signInWithCode, signInWithPassword } from "../lib/session";

/** Either way in: a one-time authorization code (the command console's) or a username and password. */
export function SignInView({ notice }: { notice: string | null }) {
  const [code, setCode] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const attempt = (fn: () => Promise<void>) => async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await fn();
      if (location.pathname === "/" || location.pathname === "") navigate("/live", true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>
        <span aria-hidden="true">◈</span> Vigil console
      </h1>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorNote error={error} />
      <div class="sign-in-forms">
        <form onSubmit={attempt(() => signInWithCode(code.trim()))} aria-labelledby="code-heading">
          <h2 id="code-heading">Authorization code</h2>
          <p class="muted">A one-time code from your administrator (valid 10 minutes).</p>
          <label>
            Authorization code
            <input
              name="code"
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
              autoComplete="one-time-code"
              required
              maxLength={200}
            />
          </label>
          <button type="submit" class="primary" disabled={busy}>
            Sign in with code
          </button>
        </form>
        <form onSubmit={attempt(() => signInWithPassword(username.trim(), password))} aria-labelledby="password-heading">
          <h2 id="password-heading">Username and password</h2>
          <p class="muted">An incident-response user of your tenant.</p>
          <label>
            Username
            <input
              name="username"
              value={username}
              onInput={(e) => setUsername(e.currentTarget.value)}
              autoComplete="username"
              required
            />
          </label>
          <label>
            Password
            <input
              name="password"
              type="password"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
              autoComplete="current-password"
              required
            />
          </label>
          <button type="submit" class="primary" disabled={busy}>
            Sign in
          </button>
        </form>
      </div>
    </main>
  );
}

import { useId, useState } from "preact/hooks";
import type { DeployedToken } from "./canary-types";

function SecretLine({ label, value, name }: { label: string; value: string; name: string }) {
  const id = useId();
  const [copied, setCopied] = useState<string>("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(`${label} copied.`);
    } catch {
      setCopied(`Copying failed: select the ${label.toLowerCase()} and copy it by hand.`);
    }
  };
  return (
    <div class="q-secret">
      <span id={id}>{label}</span>
      <div class="q-secret-row">
        {/* Deliberately text, not a link: opening the monitoring URL would trip the canary. */}
        <code class="q-break" aria-labelledby={id} data-secret={name} tabIndex={0}>
          {value}
        </code>
        <button type="button" onClick={() => void copy()}>
          Copy<span class="sr-only"> {label.toLowerCase()}</span>
        </button>
      </div>
      <span class="q-hint" role="status" aria-live="polite">
        {copied}
      </span>
    </div>
  );
}

/**
 * The tripwire's two secrets exactly as the API returned them. They are not one-time: the API
 * returns them on every read of the token to callers who may deploy tokens (never to read-only
 * ones), so the console says so rather than claiming "shown once".
 */
export function TripwireSecrets({ token }: { token: Pick<DeployedToken, "monitoring_url" | "decoy_credential"> }) {
  return (
    <div data-tripwire-secrets>
      <SecretLine label="Monitoring URL" name="monitoring_url" value={token.monitoring_url} />
      <SecretLine label="Decoy credential" name="decoy_credential" value={token.decoy_credential} />
      <p class="q-warn">
        Any request to the monitoring URL, and any use of the decoy credential against this API, raises an alert. Do not open the
        URL here. These are not shown only once: the API returns them on every read of this token to users who may deploy canaries
        (analysts and up), so treat them as secrets.
      </p>
    </div>
  );
}

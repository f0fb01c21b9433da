import type { ButtonHTMLAttributes, ComponentChildren } from "preact";
import { useCallback, useId, useRef, useState } from "preact/hooks";
import { dateTime, timeAgo } from "../lib/format";
import { ErrorNote, ResultBlock } from "../components/panel";
import { ApiFailure } from "../lib/api";
import type { Gate } from "./incident-access";

/** A timestamp as "3 min ago", with the exact time on hover. */
export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <span class="muted">—</span>;
  return (
    <time dateTime={at} title={dateTime(at)}>
      {timeAgo(at)}
    </time>
  );
}

export interface Action<T> {
  busy: boolean;
  error: unknown;
  result: T | undefined;
  run: (fn: () => Promise<T>) => Promise<T | undefined>;
  reset: () => void;
}

/**
 * One user-triggered call: busy while it runs, then its result or its error, each replacing the
 * other, so what is shown is always the answer to the last click. A second click while busy is ignored.
 */
export function useAction<T>(): Action<T> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<T | undefined>(undefined);
  const running = useRef(false);
  const run = useCallback(async (fn: () => Promise<T>) => {
    if (running.current) return undefined;
    running.current = true;
    setBusy(true);
    setError(null);
    setResult(undefined);
    try {
      const r = await fn();
      setResult(r);
      return r;
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  const reset = useCallback(() => {
    setError(null);
    setResult(undefined);
  }, []);
  return { busy, error, result, run, reset };
}

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, "disabled"> & {
  gate: Gate;
  busy?: boolean;
  busyLabel?: string;
  /** The id of an explanation already on the page (one for several buttons); else the reason is shown beside this one. */
  reasonId?: string;
  children: ComponentChildren;
};

/**
 * A button that is disabled when the signed-in user may not use it, with the reason shown beside
 * it and tied to it (aria-describedby), so a disabled control is never unexplained.
 */
export function GatedButton({ gate, busy, busyLabel, reasonId, children, ...rest }: ButtonProps) {
  const ownId = useId();
  const id = reasonId ?? ownId;
  return (
    <span class="inc-gated">
      <button
        type="button"
        {...rest}
        disabled={!gate.allowed || busy}
        aria-describedby={gate.allowed ? undefined : id}
        data-disabled-reason={gate.allowed ? undefined : gate.why}
      >
        {busy ? (busyLabel ?? "Working…") : children}
      </button>
      {!gate.allowed && !reasonId && (
        <span id={id} class="inc-why">
          {gate.why}
        </span>
      )}
    </span>
  );
}

/** Label and value pairs in a definition list; an empty value says so in words. */
export function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="inc-facts">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v === null || v === undefined || v === "" ? <span class="muted">—</span> : v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** An API error, and the details its envelope carries (which field, which moves are allowed), as given. */
export function ApiErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const body = error instanceof ApiFailure ? (error.body as { error?: { details?: unknown } } | null) : null;
  const details = body && typeof body === "object" ? body.error?.details : undefined;
  return (
    <>
      <ErrorNote error={error} />
      {details !== undefined && details !== null && <ResultBlock label="Error details" value={details} />}
    </>
  );
}

/**
 * A loadable for Async without its "Refreshing" announcement: these panels refresh on a timer
 * (every 2–30 s), and a screen reader hearing "Refreshing" that often hears nothing else.
 */
export const quiet = <T,>(s: { data: T | undefined; error: unknown; loading: boolean }) => ({
  data: s.data,
  error: s.error,
  loading: s.loading && s.data === undefined,
});

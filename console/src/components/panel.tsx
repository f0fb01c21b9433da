import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";
import { ApiFailure } from "../lib/api";

/** A titled region; every panel is a landmark a screen reader can jump to. */
export function Panel(props: { title: string; actions?: ComponentChildren; children: ComponentChildren; class?: string }) {
  const id = useId();
  return (
    <section class={`panel ${props.class ?? ""}`} aria-labelledby={id}>
      <header class="panel-head">
        <h2 id={id}>{props.title}</h2>
        {props.actions && <div class="panel-actions">{props.actions}</div>}
      </header>
      <div class="panel-body">{props.children}</div>
    </section>
  );
}

/** An API error as the API gave it: status, the family's code and its message. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  if (error instanceof ApiFailure)
    return (
      <p class="error-note" role="alert">
        <strong>
          {error.status}
          {error.code ? ` ${error.code}` : ""}
        </strong>
        : {error.message}
      </p>
    );
  return (
    <p class="error-note" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p class="muted loading" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="muted empty">{children}</p>;
}

/**
 * Loading, error and empty states in one place, so no panel is ever blank: children render
 * only with data, and `isEmpty` decides the empty message.
 */
export function Async<T>(props: {
  state: { data: T | undefined; error: unknown; loading: boolean };
  empty?: ComponentChildren;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ComponentChildren;
}) {
  const { data, error, loading } = props.state;
  if (error && data === undefined) return <ErrorNote error={error} />;
  if (data === undefined) return <Loading />;
  const empty = props.isEmpty ? props.isEmpty(data) : Array.isArray(data) && data.length === 0;
  return (
    <>
      {error ? <ErrorNote error={error} /> : null}
      {loading ? (
        <span class="sr-only" role="status">
          Refreshing
        </span>
      ) : null}
      {empty ? <Empty>{props.empty ?? "Nothing here yet."}</Empty> : props.children(data)}
    </>
  );
}

/** A result exactly as the API returned it. */
export function ResultBlock({ label, value }: { label: string; value: unknown }) {
  return (
    <figure class="result">
      <figcaption>{label}</figcaption>
      <pre tabIndex={0}>{JSON.stringify(value, null, 2)}</pre>
    </figure>
  );
}

export function Badge({ tone, children }: { tone: string; children: ComponentChildren }) {
  return <span class={`badge tone-${tone.toLowerCase()}`}>{children}</span>;
}

import { useId } from "preact/hooks";
import type { JsonSchema } from "../views/incident-types";

/** What the user typed, one string per parameter; turned into JSON values only when sent. */
export type RawParams = Record<string, string>;

const typeOf = (s: JsonSchema): string => (Array.isArray(s.type) ? (s.type.find((t) => t !== "null") ?? "") : (s.type ?? ""));
const isStringArray = (s: JsonSchema) => typeOf(s) === "array" && (!s.items || typeOf(s.items) === "string");

/**
 * The typed values to send. A number that does not parse is sent as typed, and a missing
 * required value is left out, so the API's own validation answers (400 with the offending path).
 */
export function paramsToSend(schema: JsonSchema, raw: RawParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const v = (raw[name] ?? "").trim();
    if (!v) continue;
    const t = typeOf(prop);
    if (t === "integer" || t === "number") out[name] = Number.isFinite(Number(v)) ? Number(v) : v;
    else if (t === "boolean") out[name] = v === "true";
    else if (isStringArray(prop))
      out[name] = v
        .split(/[\n,]/)
        .map((x) => x.trim())
        .filter(Boolean);
    else if (t === "string") out[name] = v;
    else out[name] = parseJson(v);
  }
  return out;
}

function parseJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** A recommendation's parameters as form text, and the names the action's schema does not have. */
export function paramsFromValues(schema: JsonSchema, values: Record<string, unknown>): { raw: RawParams; unknown: string[] } {
  const props = schema.properties ?? {};
  const raw: RawParams = {};
  const unknown: string[] = [];
  for (const [name, v] of Object.entries(values)) {
    if (!props[name]) unknown.push(name);
    else if (Array.isArray(v) && isStringArray(props[name]!)) raw[name] = v.join("\n");
    else raw[name] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return { raw, unknown };
}

function hintOf(s: JsonSchema, required: boolean): string {
  const t = typeOf(s);
  const parts = [required ? "Required" : "Optional"];
  if (s.description) parts.push(s.description);
  if (isStringArray(s)) {
    parts.push("one value per line (or comma-separated)");
    if (s.minItems !== undefined || s.maxItems !== undefined) parts.push(`${s.minItems ?? 0}–${s.maxItems ?? "∞"} items`);
  } else if (t === "integer" || t === "number") {
    parts.push(t === "integer" ? "whole number" : "number");
    if (s.minimum !== undefined || s.maximum !== undefined) parts.push(`${s.minimum ?? "−∞"}–${s.maximum ?? "∞"}`);
  } else if (t === "string" && s.maxLength !== undefined) parts.push(`up to ${s.maxLength} characters`);
  else if (t !== "string" && t !== "boolean" && !s.enum) parts.push("JSON");
  return parts.join("; ");
}

function Field(props: {
  name: string;
  schema: JsonSchema;
  required: boolean;
  value: string;
  disabled: boolean;
  onChange: (v: string) => void;
}) {
  const hintId = useId();
  const { name, schema: s, value, disabled } = props;
  const t = typeOf(s);
  const common = {
    name,
    disabled,
    "aria-describedby": hintId,
    // Not `required`: the browser would block the request, and the API's own 400 says more.
    "aria-required": props.required,
    "data-param": name,
  };
  const set = (e: Event) => props.onChange((e.currentTarget as HTMLInputElement).value);
  let control;
  if (s.enum)
    control = (
      <select {...common} value={value} onChange={set}>
        <option value="">(not set)</option>
        {s.enum.map((o) => (
          <option key={String(o)} value={String(o)}>
            {String(o)}
          </option>
        ))}
      </select>
    );
  else if (t === "boolean")
    control = (
      <select {...common} value={value} onChange={set}>
        <option value="">(not set)</option>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  else if (t === "integer" || t === "number")
    control = <input {...common} type="number" inputMode="numeric" min={s.minimum} max={s.maximum} value={value} onInput={set} />;
  else if (t === "string") control = <input {...common} maxLength={s.maxLength} value={value} onInput={set} />;
  else control = <textarea {...common} rows={isStringArray(s) ? 3 : 2} value={value} onInput={set} />;
  return (
    <label class="rem-param">
      <span>
        <code>{name}</code>
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </span>
      {control}
      <span id={hintId} class="muted rem-hint">
        {hintOf(s, props.required)}
      </span>
    </label>
  );
}

/** One labelled control per property of the action's JSON Schema (GET /api/v1/remediation/actions). */
export function RemediationParams(props: {
  schema: JsonSchema;
  value: RawParams;
  disabled: boolean;
  onChange: (v: RawParams) => void;
}) {
  const entries = Object.entries(props.schema.properties ?? {});
  if (!entries.length) return <p class="muted">This action takes no parameters.</p>;
  const required = props.schema.required ?? [];
  return (
    <fieldset class="rem-params">
      <legend>Parameters</legend>
      {entries.map(([name, s]) => (
        <Field
          key={name}
          name={name}
          schema={s}
          required={required.includes(name)}
          value={props.value[name] ?? ""}
          disabled={props.disabled}
          onChange={(v) => props.onChange({ ...props.value, [name]: v })}
        />
      ))}
    </fieldset>
  );
}

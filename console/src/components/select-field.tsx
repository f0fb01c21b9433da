import type { ComponentChildren } from "preact";

/**
 * A labelled select over a list of values: the console's filters and forms all take this shape.
 * `empty` adds a first option with the value "" ("Any status", "No change").
 */
export function SelectField(props: {
  label: string;
  name: string;
  value: string;
  options: readonly string[];
  onChange: (value: string) => void;
  empty?: string;
  /** How an option reads, when not its value. */
  text?: (value: string) => string;
  disabled?: boolean;
  hint?: ComponentChildren;
}) {
  return (
    <label>
      {props.label}
      <select
        name={props.name}
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
        disabled={props.disabled}
      >
        {props.empty !== undefined && <option value="">{props.empty}</option>}
        {props.options.map((v) => (
          <option key={v} value={v}>
            {props.text ? props.text(v) : v}
          </option>
        ))}
      </select>
      {props.hint}
    </label>
  );
}

/** Counts what the reliability suite tried, printed at the end of each group. */
class Tally {
  requests = 0;
  operations = 0;
  readonly byClass: Record<string, number> = {};
  readonly byAuth: Record<string, number> = {};

  record(_label: string, status: number, auth: string): void {
    this.requests++;
    const cls = `${Math.floor(status / 100)}xx`;
    this.byClass[cls] = (this.byClass[cls] ?? 0) + 1;
    this.byAuth[auth] = (this.byAuth[auth] ?? 0) + 1;
  }

  summary(): string {
    const classes = Object.entries(this.byClass)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    const auth = Object.entries(this.byAuth)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    return `${this.requests} requests over ${this.operations} operations (${classes}; credentials: ${auth})`;
  }
}

export const tally = new Tally();

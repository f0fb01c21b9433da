import type { Reporter } from "vitest/node";

type UserConsoleLog = Parameters<NonNullable<Reporter["onUserConsoleLog"]>>[0];

/**
 * Collects what each reliability file printed about itself (faults injected, requests fuzzed,
 * OWASP checks) and prints it again once every file has finished, with the totals.
 */
export default class ReliabilitySummary implements Reporter {
  private readonly printed: string[] = [];

  onUserConsoleLog(log: UserConsoleLog): void {
    if (log.type === "stdout" && log.content.trim()) this.printed.push(log.content.trim());
  }

  onTestRunEnd(): void {
    const sum = (re: RegExp) => this.printed.reduce((n, t) => n + [...t.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0), 0);
    const owasp = sum(/^OWASP .*?: (\d+) checks$/gm);
    const fuzzed = sum(/^OpenAPI fuzzing: (\d+) requests/gm);
    const faults = sum(/: (\d+) faults injected/g);
    console.log(["", "── reliability summary ──", ...[...this.printed].sort(), ""].join("\n"));
    console.log(`reliability: ${faults} faults injected, ${fuzzed} requests fuzzed, ${owasp} OWASP checks`);
  }
}

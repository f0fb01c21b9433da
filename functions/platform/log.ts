/**
 * Structured JSON log lines. Every line carries the request id when there is one, so a
 * client's X-Request-ID leads straight to the server's lines. Never pass secrets here.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

type Fields = Record<string, unknown>;

export function parseLogLevel(value: string | undefined): LogLevel {
  return value && value in RANK ? (value as LogLevel) : "info";
}

/** One per request: a class rather than closures so the hot path allocates one small object. */
export class Logger {
  private readonly min: number;

  constructor(
    minLevel: LogLevel,
    private readonly base: Fields = {},
  ) {
    this.min = RANK[minLevel];
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.min;
  }

  debug(msg: string, fields?: Fields) {
    this.write("debug", msg, fields);
  }
  info(msg: string, fields?: Fields) {
    this.write("info", msg, fields);
  }
  warn(msg: string, fields?: Fields) {
    this.write("warn", msg, fields);
  }
  error(msg: string, fields?: Fields) {
    this.write("error", msg, fields);
  }

  private write(level: LogLevel, msg: string, fields?: Fields) {
    if (RANK[level] < this.min) return;
    const line = JSON.stringify({ ts: new Date().toISOString(), level, msg, ...this.base, ...fields });
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  }
}

export const createLogger = (minLevel: LogLevel, base: Fields = {}) => new Logger(minLevel, base);

/** An error's message with its causes (drizzle wraps the D1 error that says what went wrong). */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 4; depth++) {
    parts.push(e instanceof Error ? e.message.slice(0, 300) : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(" ← ");
}

// A node:test reporter that writes one JSON summary (counts, failures, slowest tests) for run.mjs
// to print after the spec reporter's output.
export default async function* summaryReporter(source) {
  const tests = [];
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { name, file, nesting, details = {}, skip, todo } = event.data;
    if (details.type === "suite") continue;
    const error = details.error;
    tests.push({
      name,
      file: file ?? null,
      nesting,
      durationMs: Math.round(details.duration_ms ?? 0),
      status: skip !== undefined ? "skipped" : todo !== undefined ? "todo" : event.type === "test:pass" ? "passed" : "failed",
      reason: typeof skip === "string" ? skip : typeof todo === "string" ? todo : null,
      error: error ? String(error.cause?.message ?? error.message ?? error).slice(0, 2000) : null,
    });
  }
  yield JSON.stringify({ tests });
}

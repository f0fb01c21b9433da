import type { Threshold } from "../../../schema";

/** A rule without `time_window` counts matches over five minutes. */
export const DEFAULT_WINDOW_S = 300;
/** A rule without thresholds fires on its first match in a window. */
export const DEFAULT_THRESHOLDS: Threshold[] = [{ metric: "event_count", operator: ">=", value: 1 }];

export function thresholdsHold(thresholds: Threshold[], eventCount: number): boolean {
  return thresholds.every((t) => {
    const v = t.value;
    switch (t.operator) {
      case ">":
        return eventCount > v;
      case ">=":
        return eventCount >= v;
      case "<":
        return eventCount < v;
      case "<=":
        return eventCount <= v;
      case "!=":
        return eventCount !== v;
      default:
        return eventCount === v;
    }
  });
}

import codes from "i18n-iso-countries/codes.json";

/** The stream's code for an event without a known origin. */
export const UNKNOWN_ORIGIN = "ZZ";

// codes.json rows are [alpha-2, alpha-3, numeric, ISO 3166-2 name]; world-atlas feature ids are the numeric codes.
const NUMERIC = new Map<string, string>();
for (const row of codes as string[][]) if (row[0] && row[2]) NUMERIC.set(row[0], row[2]);

/** The world-atlas feature id ("840") for an ISO alpha-2 code ("US"), if the code is a country. */
export function numericCode(alpha2: string): string | undefined {
  return NUMERIC.get(alpha2.toUpperCase());
}

/**
 * Kosovo has no ISO code, so world-atlas gives its shape no id; the user-assigned "XK" that
 * feeds commonly use is matched by the shape's name instead.
 */
export const SHAPES_BY_NAME: Record<string, string> = { XK: "Kosovo" };

let names: Intl.DisplayNames | null = null;

/** A readable name for a code, for when an event carries only the code (the browser knows the names, offline). */
export function countryName(alpha2: string): string {
  if (alpha2 === UNKNOWN_ORIGIN) return "Unknown origin";
  try {
    names ??= new Intl.DisplayNames(["en"], { type: "region" });
    return names.of(alpha2) ?? alpha2;
  } catch {
    return alpha2;
  }
}

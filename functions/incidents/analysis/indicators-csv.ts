import { INDICATOR_KINDS } from "../../../schema";
import { canonicalIndicator, checkCount, cleanCampaigns, invalid, parseInstant, type IndicatorInput } from "./indicators";

/**
 * Threat indicators as CSV (RFC 4180 quoting; one record a line). The first line names the
 * columns, in any order:
 *
 * - `type` (required): `ip`, `cidr` or `domain`
 * - `value` (required): an IPv4/IPv6 address, a network (`198.51.100.0/24`), or a domain
 * - `reputation`: `malicious` (the default when empty) or `suspicious`
 * - `campaign`: campaign names, several separated by `;`
 * - `first_seen`, `valid_until`: ISO 8601 dates or date-times; an indicator past `valid_until`
 *   no longer matches
 *
 * Blank lines and lines starting with `#` are skipped. Any invalid line refuses the whole import
 * with a 400 naming the line, so an import is never half-applied.
 */
export const CSV_COLUMNS = ["type", "value", "reputation", "campaign", "first_seen", "valid_until"] as const;
type Column = (typeof CSV_COLUMNS)[number];

/** One line's fields; a quoted field may hold commas and doubled quotes, not line breaks. */
export function splitCsvLine(line: string, lineNo: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw invalid(`Line ${lineNo}: unterminated quoted field`, { line: lineNo });
        if (line[i] !== '"') field += line[i++];
        else if (line[i + 1] !== '"') break;
        else {
          field += '"';
          i += 2;
        }
      }
      i++;
      if (i < line.length && line[i] !== ",") throw invalid(`Line ${lineNo}: text after a closing quote`, { line: lineNo });
    } else {
      const end = line.indexOf(",", i);
      field = line.slice(i, end < 0 ? line.length : end);
      if (field.includes('"')) throw invalid(`Line ${lineNo}: a quote inside an unquoted field`, { line: lineNo });
      i = end < 0 ? line.length : end;
    }
    fields.push(field.trim());
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

function headerOf(fields: string[], lineNo: number): Column[] {
  const names = fields.map((f) => f.toLowerCase());
  const unknown = names.filter((n) => !(CSV_COLUMNS as readonly string[]).includes(n));
  if (unknown.length)
    throw invalid(`Line ${lineNo}: unknown column(s) ${unknown.join(", ")}; the columns are ${CSV_COLUMNS.join(", ")}`, {
      line: lineNo,
      unknown,
    });
  for (const required of ["type", "value"] as const)
    if (!names.includes(required)) throw invalid(`Line ${lineNo}: the header must name a '${required}' column`, { line: lineNo });
  if (new Set(names).size !== names.length) throw invalid(`Line ${lineNo}: a column is named twice`, { line: lineNo });
  return names as Column[];
}

function rowOf(header: Column[], fields: string[], lineNo: number): IndicatorInput {
  const bad = (field: string, message: string) => invalid(`Line ${lineNo}: ${message}`, { line: lineNo, field });
  // Trailing empty fields may be left out; extra fields mean the row is not what the header says.
  if (fields.length > header.length) throw bad("(row)", `expected at most ${header.length} fields, found ${fields.length}`);
  const get = (c: Column) => fields[header.indexOf(c)] ?? "";
  const type = get("type").toLowerCase();
  if (!(INDICATOR_KINDS as readonly string[]).includes(type))
    throw bad("type", `type must be one of ${INDICATOR_KINDS.join(", ")}`);
  const canonical = canonicalIndicator(type, get("value"));
  if (!canonical) throw bad("value", `'${get("value").slice(0, 100)}' is not a valid ${type}`);
  const reputation = get("reputation").toLowerCase() || "malicious";
  if (reputation !== "malicious" && reputation !== "suspicious")
    throw bad("reputation", "reputation must be malicious or suspicious");
  const time = (c: Column) => {
    const text = get(c);
    if (!text) return null;
    const ms = parseInstant(text);
    if (ms === undefined) throw bad(c, `${c} must be an ISO 8601 date or date-time`);
    return ms;
  };
  return {
    ...canonical,
    reputation,
    campaigns: cleanCampaigns(get("campaign").split(";")),
    firstSeen: time("first_seen"),
    validUntil: time("valid_until"),
  };
}

export function parseIndicatorCsv(text: string): IndicatorInput[] {
  const out: IndicatorInput[] = [];
  let header: Column[] | null = null;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (!line.trim() || line.trimStart().startsWith("#")) continue;
    const fields = splitCsvLine(line, n + 1);
    if (!header) header = headerOf(fields, n + 1);
    else {
      out.push(rowOf(header, fields, n + 1));
      checkCount(out.length);
    }
  }
  if (!header) throw invalid(`The CSV has no header line; expected ${CSV_COLUMNS.join(",")}`);
  if (!out.length) throw invalid("The CSV has no indicator rows");
  return out;
}

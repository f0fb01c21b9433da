import fc from "fast-check";

/** The parts of OpenAPI 3.1 / JSON Schema the generated document uses. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
}

export interface Doc {
  components?: { schemas?: Record<string, Schema> };
}

export function deref(doc: Doc, s: Schema | undefined): Schema {
  let out = s ?? {};
  for (let i = 0; out.$ref && i < 10; i++) out = doc.components?.schemas?.[out.$ref.split("/").pop()!] ?? {};
  return out;
}

function stringOf(s: Schema): fc.Arbitrary<string> {
  if (s.format === "uuid") return fc.uuid();
  if (s.format === "date-time") return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  if (s.format === "email") return fc.emailAddress();
  if (s.format === "uri" || s.format === "url") return fc.webUrl();
  const maxLength = Math.min(s.maxLength ?? 40, 40);
  const minLength = Math.min(s.minLength ?? 0, maxLength);
  if (s.pattern) {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= minLength && v.length <= (s.maxLength ?? 1e9));
    } catch {
      // A pattern JavaScript cannot compile falls through to plain strings.
    }
  }
  return fc.string({ minLength, maxLength });
}

/** Values the schema accepts (within what fast-check can honour; patterns are best effort). */
export function valid(doc: Doc, schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const s = deref(doc, schema);
  if (depth > 6) return fc.constant(null);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum?.length) return fc.constantFrom(...s.enum);
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((a) => valid(doc, a, depth + 1)));
  if (s.allOf?.length) return valid(doc, s.allOf[0], depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "string":
      return stringOf(s);
    case "integer":
      return fc.integer({ min: Math.ceil(s.minimum ?? -1000), max: Math.floor(s.maximum ?? 100_000) });
    case "number":
      return fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 100_000, noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "array":
      return fc.array(valid(doc, s.items, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 3, 3)),
      });
    case "object": {
      const props = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, valid(doc, v, depth + 1)]));
      return fc.record(props, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

const nest = (depth: number): unknown => {
  let v: unknown = "deep";
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

/** Inputs no field should take: wrong types, extremes, unicode edge cases, injection strings, deep nesting. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.constant("x".repeat(70_000)),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, 0.1, -1, 4_294_967_296),
  fc.constantFrom(null, true, false, [], {}, "", " "),
  fc.constantFrom(
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "\u0000",
    "%00",
    "\uD800",
    "${7*7}",
    "__proto__",
  ),
  fc.integer({ min: 20, max: 2000 }).map(nest),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
);

/**
 * Bodies near the schema: valid ones, one field replaced by a hostile value, a required field
 * missing, unexpected extra fields (including prototype keys), or a hostile value instead of the body.
 */
export function mutatedBody(doc: Doc, schema: Schema | undefined): fc.Arbitrary<unknown> {
  const s = deref(doc, schema);
  const base = valid(doc, s);
  const keys = Object.keys(s.properties ?? {});
  const required = s.required ?? [];
  const options: fc.Arbitrary<unknown>[] = [base, hostile];
  if (keys.length) {
    options.push(
      fc.tuple(base, fc.constantFrom(...keys), hostile).map(([b, k, h]) => ({ ...(b as object), [k]: h })),
      fc.tuple(base, hostile).map(([b, h]) => ({ ...(b as object), unexpected_field: h, tenant_id: "ten_other", role: "admin" })),
      base.map((b) => JSON.parse(`{"__proto__": {"admin": true}, "constructor": {"prototype": {}}, "x": ${JSON.stringify(b)}}`)),
    );
  }
  if (required.length)
    options.push(
      fc.tuple(base, fc.constantFrom(...required)).map(([b, k]) => {
        const copy = { ...(b as Record<string, unknown>) };
        delete copy[k];
        return copy;
      }),
    );
  return fc.oneof(...options);
}

/** A path or query parameter's text: near the schema, or hostile. */
export function paramText(doc: Doc, schema: Schema | undefined): fc.Arbitrary<string> {
  return fc
    .oneof(valid(doc, schema), hostile, fc.constantFrom("inc_00000000", "INC-2026-999999", "whk_0", "-1", "0", "1e9"))
    .map((v) => (typeof v === "string" ? v : (JSON.stringify(v) ?? "null")))
    .map((v) => v.slice(0, 2000));
}

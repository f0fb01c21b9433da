import { geoArea, geoEqualEarth, geoPath } from "d3-geo";
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from "geojson";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
// Bundled into the console (about 100 kB): the map works offline and fetches nothing.
import world from "world-atlas/countries-110m.json";
import { numericCode, SHAPES_BY_NAME } from "../lib/countries";
import { SEVERITIES } from "../lib/format";

/** An origin to mark: an ISO alpha-2 code, how many events came from it and their worst severity. */
export interface MapOrigin {
  code: string;
  name: string;
  count: number;
  severity: string;
}

type CountryFeature = Feature<Polygon | MultiPolygon, { name: string }>;

interface Shape {
  id: string;
  name: string;
  d: string;
  centroid: [number, number];
}

const WIDTH = 960;
const ANTARCTICA = "010";

/**
 * A MultiPolygon's biggest part, so a marker sits on the mainland (the contiguous United States,
 * metropolitan France) rather than at a centroid pulled out to sea by islands and territories.
 */
function mainPart(f: CountryFeature): CountryFeature {
  if (f.geometry.type !== "MultiPolygon") return f;
  let best = f.geometry.coordinates[0]!;
  let bestArea = -1;
  for (const coordinates of f.geometry.coordinates) {
    const area = geoArea({ type: "Polygon", coordinates });
    if (area > bestArea) [best, bestArea] = [coordinates, area];
  }
  return { ...f, geometry: { type: "Polygon", coordinates: best } };
}

let cache: { shapes: Shape[]; height: number } | null = null;

/** Projected once per page load: the shapes never change, only the markers do. */
function worldShapes() {
  if (cache) return cache;
  const topo = world as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const all = feature(topo, topo.objects.countries) as FeatureCollection<Polygon | MultiPolygon, { name: string }>;
  // No threat originates in Antarctica, and it would take a fifth of the map's height.
  const land: FeatureCollection<Polygon | MultiPolygon, { name: string }> = {
    ...all,
    features: all.features.filter((f) => f.id !== ANTARCTICA),
  };
  const projection = geoEqualEarth().fitWidth(WIDTH, land);
  const path = geoPath(projection);
  const height = Math.ceil(path.bounds(land)[1][1]);
  const shapes = land.features.map((f) => ({
    id: f.id === undefined ? `name:${f.properties.name}` : String(f.id),
    name: f.properties.name,
    d: path(f) ?? "",
    centroid: path.centroid(mainPart(f)),
  }));
  cache = { shapes, height };
  return cache;
}

function shapeIdFor(alpha2: string): string | undefined {
  const byName = SHAPES_BY_NAME[alpha2];
  return byName ? `name:${byName}` : numericCode(alpha2);
}

/** Whether the map can place this origin (tiny states are not in the 1:110m shapes). */
export function onMap(alpha2: string): boolean {
  const id = shapeIdFor(alpha2);
  return !!id && worldShapes().shapes.some((s) => s.id === id);
}

export function mapSummary(origins: MapOrigin[], unknown: number, window = "the last hour"): string {
  const top = origins[0];
  const parts = [
    top
      ? `Origins in ${window}: ${origins.length} ${origins.length === 1 ? "country" : "countries"}, most from ${top.name} (${top.count})`
      : `Origins in ${window}: no events with a known origin`,
  ];
  if (unknown) parts.push(`${unknown} of unknown origin`);
  return parts.join("; ");
}

/**
 * Where events came from: countries shaded and a circle at each origin, sized by its event count
 * and coloured by its worst severity. The picture is one image to assistive technology (its label
 * summarises it); the table of origins beside it carries the same numbers as text.
 */
export function WorldMap({ origins, unknown }: { origins: MapOrigin[]; unknown: number }) {
  const { shapes, height } = worldShapes();
  const byShape = new Map<string, MapOrigin>();
  for (const o of origins) {
    const id = shapeIdFor(o.code);
    if (id) byShape.set(id, o);
  }
  const max = Math.max(1, ...origins.map((o) => o.count));
  const markers = shapes
    .filter((s) => byShape.has(s.id) && Number.isFinite(s.centroid[0]))
    .map((s) => ({ shape: s, origin: byShape.get(s.id)!, r: 4 + 16 * Math.sqrt(byShape.get(s.id)!.count / max) }))
    .sort((a, b) => b.r - a.r); // Small circles last, so they are drawn on top of big ones.
  return (
    <figure class="world-map">
      <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label={mapSummary(origins, unknown)}>
        <g class="countries">
          {shapes.map((s) => {
            const o = byShape.get(s.id);
            return <path key={s.id} d={s.d} class={o ? `country hit sev-${o.severity}` : "country"} />;
          })}
        </g>
        <g class="markers">
          {markers.map(({ shape, origin, r }) => (
            <g
              key={shape.id}
              class={`marker sev-${origin.severity}`}
              transform={`translate(${shape.centroid[0]},${shape.centroid[1]})`}
            >
              <circle r={r}>
                <title>{`${origin.name}: ${origin.count} ${origin.count === 1 ? "event" : "events"}, most severe ${origin.severity}`}</title>
              </circle>
              {/* Counts only on the bigger circles: small ones crowd each other (Europe); the table has every number. */}
              {r >= 12 && (
                <text dy="0.35em" text-anchor="middle">
                  {origin.count}
                </text>
              )}
            </g>
          ))}
        </g>
      </svg>
      <figcaption class="map-legend">
        <span>Circle size: events from the country. Colour: its most severe event.</span>
        <ul aria-label="Severity colours">
          {SEVERITIES.map((s) => (
            <li key={s} class={`sev-${s}`}>
              <span class="swatch" aria-hidden="true" />
              {s[0]!.toUpperCase() + s.slice(1)}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}

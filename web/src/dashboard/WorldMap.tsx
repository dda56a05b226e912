// Locations → Map: visitors per country as a choropleth (d3-geo's Equal
// Earth projection of world-atlas' 1:110m countries). Its own chunk,
// loaded only when the tab opens (React.lazy in Panel.tsx): d3-geo,
// topojson-client and the atlas weigh more than the rest of the panel.
import { geoEqualEarth, geoPath } from 'd3-geo';
import type { Feature, Geometry } from 'geojson';
import { useEffect, useId, useMemo } from 'react';
import { feature } from 'topojson-client';
import type { GeometryCollection } from 'topojson-specification';
import world from 'world-atlas/countries-110m.json';
import { legend, levelOf } from '../lib/choropleth';
import { countryName } from '../lib/dashboard';
import { formatNumber } from '../lib/format';
import { ALPHA2_BY_UNNUMBERED_NAME, NUMERIC_BY_ALPHA2 } from './countryCodes';

const WIDTH = 960;
const HEIGHT = 470;

interface Country {
  /** ISO 3166-1 alpha-2, or "" for the few shapes with no code. */
  code: string;
  name: string;
  d: string;
}

const ALPHA2_BY_NUMERIC: Record<string, string> = Object.fromEntries(Object.entries(NUMERIC_BY_ALPHA2).map(([a, n]) => [n, a]));

let shapes: Country[] | null = null;

/** Every country's outline as an SVG path, computed once (Antarctica left out, as other analytics maps do). */
function countries(): Country[] {
  if (shapes) return shapes;
  const collection = feature(world, world.objects.countries as GeometryCollection<{ name: string }>) as unknown as {
    features: Feature<Geometry, { name: string }>[];
  };
  const features = collection.features.filter((f) => f.id !== '010');
  const projection = geoEqualEarth().fitExtent(
    [
      [4, 4],
      [WIDTH - 4, HEIGHT - 4],
    ],
    { type: 'FeatureCollection', features },
  );
  const path = geoPath(projection);
  shapes = features.map((f) => {
    const code = (f.id !== undefined ? ALPHA2_BY_NUMERIC[String(f.id)] : ALPHA2_BY_UNNUMBERED_NAME[f.properties.name]) ?? '';
    return { code, name: code ? countryName(code) : f.properties.name, d: path(f) ?? '' };
  });
  return shapes;
}

export interface MapRow {
  value: string;
  visitors: number;
}

export default function WorldMap({
  rows,
  onCountry,
  onDrawn,
}: {
  rows: MapRow[];
  /** Filters the dashboard by a country's code. */
  onCountry: (code: string) => void;
  onDrawn: () => void;
}) {
  const id = useId();
  const shapes = countries();
  const byCode = useMemo(() => new Map(rows.map((r) => [r.value.toUpperCase(), r.visitors])), [rows]);
  const max = Math.max(0, ...rows.map((r) => r.visitors));
  const onMap = useMemo(() => new Set(shapes.map((s) => s.code)), [shapes]);
  // Countries too small for a 1:110m map (Singapore, Malta...) still count.
  const offMap = rows.filter((r) => r.value !== '' && !onMap.has(r.value.toUpperCase()));

  useEffect(() => onDrawn(), [onDrawn]);

  const visitorsText = (n: number) => `${formatNumber(n)} ${n === 1 ? 'visitor' : 'visitors'}`;
  return (
    <figure className="world-map">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="group" aria-labelledby={`${id}-cap`} className="world-map-svg">
        {shapes.map((s, i) => {
          const v = s.code ? (byCode.get(s.code) ?? 0) : 0;
          const level = levelOf(v, max);
          const title = `${s.name}: ${visitorsText(v)}`;
          if (!v)
            return (
              <path key={i} d={s.d} className="country" aria-hidden="true">
                <title>{title}</title>
              </path>
            );
          return (
            <path
              key={i}
              d={s.d}
              className={`country lvl-${level}`}
              role="button"
              tabIndex={0}
              aria-label={`${title}. Filter by this country`}
              data-testid="map-country"
              data-value={s.code}
              data-visitors={v}
              onClick={() => onCountry(s.code)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  onCountry(s.code);
                }
              }}
            >
              <title>{title}</title>
            </path>
          );
        })}
      </svg>
      <figcaption id={`${id}-cap`} className="world-map-caption">
        <span className="visually-hidden">Map of visitors per country; select a country to filter by it. The Countries tab lists the same figures. </span>
        {max > 0 ? (
          <ul className="map-legend" aria-label="Legend: visitors per country">
            <li>
              <span className="map-swatch lvl-0" aria-hidden="true" /> None
            </li>
            {legend(max).map((l) => (
              <li key={l.level}>
                <span className={`map-swatch lvl-${l.level}`} aria-hidden="true" /> {l.from === l.to ? formatNumber(l.from) : `${formatNumber(l.from)}–${formatNumber(l.to)}`}
              </li>
            ))}
          </ul>
        ) : (
          <span className="muted">No locations in this range.</span>
        )}
      </figcaption>
      {offMap.length ? (
        <p className="map-off muted">
          Not on this map:{' '}
          {offMap.map((r, i) => (
            <span key={r.value}>
              {i ? ', ' : ''}
              <button type="button" className="link-button" onClick={() => onCountry(r.value)}>
                {countryName(r.value)}
              </button>{' '}
              ({formatNumber(r.visitors)})
            </span>
          ))}
        </p>
      ) : null}
    </figure>
  );
}

// The Events panel's Properties tab: the range's custom-property keys in a
// select, and the chosen one's values as rows (visitors, events). Both come
// in the dashboard's one request (`propertyKeys` and an aliased
// `breakdown(dimension: PROPERTY, key)`), asked for only while this tab is
// open; the key is the URL's `prop`, else the first of the keys.
import { useId } from 'react';
import { formatNumber } from '../lib/format';
import type { TableRow } from '../lib/table';
import { RowList } from './Panel';

export interface PropertyKeyRow {
  key: string;
  visitors: number;
  events: number;
}

export function PropertyList({
  keys,
  chosen,
  rows,
  total,
  onKey,
  onValue,
}: {
  keys: readonly PropertyKeyRow[];
  /** The property listed (the URL's, or the first of `keys`). */
  chosen: string | null;
  /** Its values; undefined while they are on their way. */
  rows: TableRow[] | undefined;
  total: number;
  onKey: (key: string) => void;
  onValue: (key: string, value: string) => void;
}) {
  const id = useId();
  if (keys.length === 0)
    return (
      <p className="panel-empty muted">
        No custom properties in this range. Send them with an event: trackr("Signup", {'{'}props: {'{'}plan: "pro"{'}'}{'}'}).
      </p>
    );
  // A key from a link that this range does not have is listed all the same.
  const options = chosen !== null && !keys.some((k) => k.key === chosen) ? [{ key: chosen, visitors: 0, events: 0 }, ...keys] : keys;
  return (
    <div className="property-list">
      <div className="field property-key">
        <label htmlFor={`${id}-key`}>Property</label>
        <select id={`${id}-key`} data-testid="property-key" value={chosen ?? ''} onChange={(e) => onKey(e.target.value)}>
          {options.map((k) => (
            <option key={k.key} value={k.key}>
              {k.key} ({formatNumber(k.visitors)} {k.visitors === 1 ? 'visitor' : 'visitors'})
            </option>
          ))}
        </select>
      </div>
      {rows === undefined || chosen === null ? (
        <p className="panel-empty muted" role="status">
          Loading the property's values…
        </p>
      ) : (
        <RowList
          rows={rows}
          tab="PROPERTY"
          dim="PROPERTY"
          column={chosen}
          total={total}
          measures={['visitors', 'events']}
          onRow={(_d, v) => onValue(chosen, v)}
          empty={`No values of ${chosen} in this range.`}
          hint={`Filters the dashboard by property ${chosen}.`}
        />
      )}
    </div>
  );
}

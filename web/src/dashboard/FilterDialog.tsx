// "Add filter": dimension, operator and value, the value suggested from
// the site's own data as you type (Site.suggestions, debounced), in an
// ARIA combobox (a text box with a listbox of options). A goal (GOAL, when
// the site has goals) is chosen from a list of the goals' names instead:
// the server suggests nothing by GOAL, and a goal is converted to or not
// (IS, IS NOT), never "contains". A custom property (PROPERTY) needs its
// name first (suggested from the range's `propertyKeys`), then its values
// are suggested like any dimension's (`suggestions(dimension: PROPERTY, key)`).
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { request } from '../api/client';
import { PropertyKeysQuery, SuggestionsQuery } from '../api/dashboardDocuments';
import {
  apiFilter,
  countryName,
  dimensionName,
  DIMS,
  displayValue,
  isPropertyKey,
  OP_NAMES,
  opsFor,
  type DashFilter,
  type DayRange,
  type Dim,
  type Op,
} from '../lib/dashboard';
import type { GoalRef } from '../lib/goals';
import { Dialog } from './Dialog';

const DEBOUNCE_MS = 250;

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function FilterDialog({
  siteId,
  range,
  filters,
  goals,
  propertyKeys,
  onApply,
  onClose,
}: {
  siteId: string;
  range: DayRange;
  filters: DashFilter[];
  /** The site's goals (GOAL is offered only when there are some). */
  goals: readonly GoalRef[];
  /** The range's property keys when the dashboard has them (its Properties tab); else the dialog asks. */
  propertyKeys?: readonly string[];
  onApply: (f: DashFilter) => void;
  onClose: () => void;
}) {
  const id = useId();
  const first = useRef<HTMLSelectElement>(null);
  const [dimension, setDimension] = useState<Dim>('PAGE');
  const [op, setOp] = useState<Op>('IS');
  const [text, setText] = useState('');
  // The raw value of the chosen suggestion (a country's code behind its name).
  const [chosen, setChosen] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [error, setError] = useState<string | null>(null);
  const [key, setKey] = useState('');
  const [keyError, setKeyError] = useState<string | null>(null);
  const [goalChosen, setGoal] = useState('');
  // The chosen goal, or the first (the goals may come after the dialog opened).
  const goal = goals.some((g) => g.id === goalChosen) ? goalChosen : (goals[0]?.id ?? '');
  const debounced = useDebounced(text, DEBOUNCE_MS);
  const isGoal = dimension === 'GOAL';
  const isProperty = dimension === 'PROPERTY';
  const debouncedKey = useDebounced(key.trim(), DEBOUNCE_MS);
  const keysQuery = useQuery({
    queryKey: ['dashboardPropertyKeys', siteId, range],
    queryFn: async () => (await request(PropertyKeysQuery, { id: siteId, range })).site.propertyKeys.map((k) => k.key),
    staleTime: 60_000,
    retry: false,
    enabled: isProperty && propertyKeys === undefined,
  });
  const keys = propertyKeys ?? keysQuery.data ?? [];
  const dims = goals.length ? DIMS : DIMS.filter((d) => d !== 'GOAL');

  // Countries are codes: ask for the top ones and match their names here.
  const asked = dimension === 'COUNTRY' ? '' : debounced;
  const vars = {
    id: siteId,
    range,
    dimension,
    key: isProperty ? debouncedKey : null,
    text: asked,
    // The other dimensions' filters narrow the suggestions; this one's (this property's) would hide its own values.
    filters: filters.filter((f) => !(f.dimension === dimension && (!isProperty || f.key === debouncedKey))).map(apiFilter),
  };
  const q = useQuery({
    queryKey: ['dashboardSuggestions', vars],
    queryFn: async () => (await request(SuggestionsQuery, { ...vars, filters: vars.filters.length ? vars.filters : null })).site.suggestions,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
    retry: false,
    enabled: !isGoal && (!isProperty || isPropertyKey(debouncedKey)),
  });
  const values = (q.data ?? []).filter((v) => {
    if (dimension !== 'COUNTRY') return true;
    const t = text.trim().toLowerCase();
    return !t || v.toLowerCase().includes(t) || countryName(v).toLowerCase().includes(t);
  });
  const options = values.slice(0, 10);
  const expanded = open && options.length > 0;

  const choose = (v: string) => {
    setChosen(v);
    setText(displayValue(dimension, v));
    setOpen(false);
    setActive(-1);
    setError(null);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(options.length - 1, a + 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(-1, a - 1));
    } else if (e.key === 'Enter' && expanded && active >= 0 && options[active] !== undefined) {
      e.preventDefault();
      choose(options[active]!);
    } else if (e.key === 'Escape' && expanded) {
      // Close the list, not the dialog.
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      setActive(-1);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (isGoal) {
      if (goal) onApply({ dimension, op, value: goal });
      return;
    }
    const k = key.trim();
    if (isProperty && !isPropertyKey(k)) {
      setKeyError(k ? 'A property name has at most 300 characters, and no " nor \\.' : 'Enter a property.');
      return;
    }
    let value = chosen ?? text.trim();
    // A country typed by name: its code, when a suggestion has that name.
    if (dimension === 'COUNTRY' && chosen === null) {
      const byName = (q.data ?? []).find((v) => countryName(v).toLowerCase() === value.toLowerCase());
      value = byName ?? value.toUpperCase();
    }
    if (!value) {
      setError('Enter a value.');
      return;
    }
    onApply(isProperty ? { dimension, op, value, key: k } : { dimension, op, value });
  };

  return (
    <Dialog title="Add filter" onClose={onClose} className="filter-dialog" initialFocus={first} fallbackFocus={() => document.querySelector<HTMLElement>('.add-filter')}>
      <form onSubmit={submit} noValidate className="filter-form">
        <div className="field">
          <label htmlFor={`${id}-dim`}>Dimension</label>
          <select
            ref={first}
            id={`${id}-dim`}
            value={dimension}
            onChange={(e) => {
              const d = e.target.value as Dim;
              setDimension(d);
              if (!opsFor(d).includes(op)) setOp('IS');
              setText('');
              setChosen(null);
              setActive(-1);
              setKeyError(null);
            }}
          >
            {dims.map((d) => (
              <option key={d} value={d}>
                {dimensionName(d)}
              </option>
            ))}
          </select>
        </div>
        {isProperty ? (
          <div className="field">
            <label htmlFor={`${id}-key`}>Property</label>
            <input
              id={`${id}-key`}
              type="text"
              list={`${id}-keys`}
              autoComplete="off"
              spellCheck={false}
              maxLength={300}
              value={key}
              onChange={(e) => {
                setKey(e.target.value);
                setKeyError(null);
                setChosen(null);
              }}
              aria-invalid={keyError ? true : undefined}
              aria-describedby={keyError ? `${id}-key-err` : `${id}-key-hint`}
            />
            <datalist id={`${id}-keys`}>
              {keys.map((k) => (
                <option key={k} value={k} />
              ))}
            </datalist>
            {keyError ? (
              <p id={`${id}-key-err`} className="field-error" role="alert">
                {keyError}
              </p>
            ) : (
              <p id={`${id}-key-hint`} className="hint">
                {keys.length ? `The property's name, as the events send it (this range has ${keys.slice(0, 3).join(', ')}${keys.length > 3 ? '…' : ''}).` : "The property's name, as the events send it."}
              </p>
            )}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={`${id}-op`}>Operator</label>
          <select id={`${id}-op`} value={op} onChange={(e) => setOp(e.target.value as Op)}>
            {opsFor(dimension).map((o) => (
              <option key={o} value={o}>
                {OP_NAMES[o]}
              </option>
            ))}
          </select>
        </div>
        {isGoal ? (
          <div className="field">
            <label htmlFor={`${id}-goal`}>Goal</label>
            <select id={`${id}-goal`} value={goal} onChange={(e) => setGoal(e.target.value)}>
              {goals.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <div className="field combo">
            <label htmlFor={`${id}-value`}>Value</label>
            <input
              id={`${id}-value`}
              type="text"
              role="combobox"
              aria-autocomplete="list"
              aria-expanded={expanded}
              aria-controls={`${id}-list`}
              aria-activedescendant={expanded && active >= 0 ? `${id}-opt-${active}` : undefined}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-err` : `${id}-hint`}
              autoComplete="off"
              spellCheck={false}
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                setChosen(null);
                setOpen(true);
                setActive(-1);
                setError(null);
              }}
              onFocus={() => setOpen(true)}
              onBlur={() => window.setTimeout(() => setOpen(false), 150)}
              onKeyDown={onKeyDown}
            />
            <ul id={`${id}-list`} role="listbox" aria-label="Suggestions" className="combo-list" hidden={!expanded}>
              {options.map((v, i) => (
                <li
                  key={v}
                  id={`${id}-opt-${i}`}
                  role="option"
                  data-testid="suggestion"
                  data-value={v}
                  aria-selected={i === active}
                  className={i === active ? 'active' : undefined}
                  // mousedown: before the text box's blur closes the list.
                  onMouseDown={(e) => {
                    e.preventDefault();
                    choose(v);
                  }}
                >
                  {displayValue(dimension, v)}
                  {dimension === 'COUNTRY' && v ? <span className="muted"> {v}</span> : null}
                </li>
              ))}
            </ul>
            {error ? (
              <p id={`${id}-err`} className="field-error" role="alert">
                {error}
              </p>
            ) : (
              <p id={`${id}-hint`} className="hint">
                {q.isFetching ? 'Looking for values…' : options.length ? `${options.length} suggestions from this range, most visitors first.` : 'No suggestions: type the value.'}
              </p>
            )}
          </div>
        )}
        <div className="filter-actions">
          <button type="submit" className="button primary">
            Apply filter
          </button>
          <button type="button" className="button ghost" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

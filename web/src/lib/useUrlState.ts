// A page's state kept in the URL's query string: parsed from it, and set by
// pushing a history entry (so back and forward step through changes).
import { useCallback, useMemo } from 'react';
import { useLocation } from 'wouter';
// The query string as the browser has it: wouter's own useSearch passes it
// through decodeURI first, which turns `%25` into `%` (a value with a `%`
// would not survive).
import { useSearch } from 'wouter/use-browser-location';

export function useUrlState<S>(parse: (search: string) => S, toSearch: (state: S) => string): [S, (next: S) => void] {
  const search = useSearch().replace(/^\?/, '');
  const [location, navigate] = useLocation();
  const state = useMemo(() => parse(search), [parse, search]);
  const set = useCallback(
    (next: S) => {
      const qs = toSearch(next);
      if (qs.replace(/^\?/, '') !== search) navigate(location + qs);
    },
    [location, navigate, search, toSearch],
  );
  return [state, set];
}

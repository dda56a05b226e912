import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { prefetchDashboard, prefetchShare } from './api/dashboardQueries';
import { isUnauthenticated } from './api/hooks';
import { App } from './App';
import { applyShareLook, parseShareLook, shareSlug } from './lib/share';
import './styles.css';

const queryClient: QueryClient = new QueryClient({
  // A session that ended while a page was open: ask `me` again, whose
  // UNAUTHENTICATED sends to /login?next=… (see App.tsx).
  queryCache: new QueryCache({
    onError: (error, query) => {
      // Not while `me` is on its way (the dashboard's prefetch, below, asks beside it),
      // nor on a share link's page, whose requests act as the link (no session there).
      if (query.queryKey[0] === 'me' || !isUnauthenticated(error)) return;
      if (shareSlug(window.location.pathname) !== null) return;
      if (queryClient.getQueryState(['me'])?.fetchStatus === 'fetching') return;
      void queryClient.invalidateQueries({ queryKey: ['me'] });
    },
  }),
  defaultOptions: {
    queries: { refetchOnWindowFocus: false, staleTime: 10_000 },
    mutations: { retry: false },
  },
});

// A share link's page asks for its own first requests, never `me`; its
// embed's theme and background apply before the first paint.
if (shareSlug(window.location.pathname) !== null) {
  prefetchShare(queryClient, window.location);
  applyShareLook(document.documentElement, parseShareLook(window.location.search), window.self !== window.top);
} else {
  prefetchDashboard(queryClient, window.location);
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
}

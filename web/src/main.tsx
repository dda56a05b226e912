import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { prefetchDashboard } from './api/dashboardQueries';
import { isUnauthenticated } from './api/hooks';
import { App } from './App';
import './styles.css';

const queryClient: QueryClient = new QueryClient({
  // A session that ended while a page was open: ask `me` again, whose
  // UNAUTHENTICATED sends to /login?next=… (see App.tsx).
  queryCache: new QueryCache({
    onError: (error, query) => {
      // Not while `me` is on its way (the dashboard's prefetch, below, asks beside it).
      if (query.queryKey[0] === 'me' || !isUnauthenticated(error)) return;
      if (queryClient.getQueryState(['me'])?.fetchStatus === 'fetching') return;
      void queryClient.invalidateQueries({ queryKey: ['me'] });
    },
  }),
  defaultOptions: {
    queries: { refetchOnWindowFocus: false, staleTime: 10_000 },
    mutations: { retry: false },
  },
});

prefetchDashboard(queryClient, window.location);

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

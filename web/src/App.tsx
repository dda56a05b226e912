import { useQuery } from '@tanstack/react-query';
import type { ComponentType, ReactNode } from 'react';
import { createContext, lazy, Suspense, useContext } from 'react';
import { Redirect, Route, Switch, useLocation, useParams } from 'wouter';
import { request } from './api/client';
import { OrgHeaderQuery } from './api/documents';
import { isUnauthenticated, retryOnce, useMe } from './api/hooks';
import { AppLayout } from './components/Layout';
import { ErrorBox } from './components/ErrorBox';
import { Loading } from './components/Loading';
import { OrgContext, useCurrentOrg, type CurrentOrg } from './components/OrgContext';
import { paths, resolveOrg } from './lib/routes';
import { LoginPage } from './pages/LoginPage';
import { SignupPage } from './pages/SignupPage';
import { ForgotPasswordPage } from './pages/ForgotPasswordPage';
import { ResetPasswordPage } from './pages/ResetPasswordPage';
import { VerifyEmailPage } from './pages/VerifyEmailPage';
import { AcceptInvitationPage } from './pages/AcceptInvitationPage';
import { HomePage } from './pages/HomePage';
import { NewOrgPage } from './pages/NewOrgPage';
import { SitesPage } from './pages/SitesPage';
import { NewSitePage } from './pages/NewSitePage';
import { SiteSettingsPage } from './pages/SiteSettingsPage';
import { SiteDataPage } from './pages/SiteDataPage';
import { TeamPage } from './pages/TeamPage';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { BillingPage } from './pages/BillingPage';
import { OrgSettingsPage } from './pages/OrgSettingsPage';
import { AccountPage } from './pages/AccountPage';
import { FinancePage } from './pages/FinancePage';
import { NotFoundPage } from './pages/NotFoundPage';

// The dashboard (charts, uPlot) loads on demand, keeping the app shell small.
const LazyDashboardPage = lazy(() => import('./pages/DashboardPage'));

function DashboardPage() {
  return (
    <Suspense fallback={<Loading label="Loading the dashboard…" lines={4} />}>
      <LazyDashboardPage />
    </Suspense>
  );
}

// Recordings and heatmaps, each its own chunk (the player and the heatmap's
// snapshot are further chunks, sharing one with rrweb's Replayer).
const LazyRecordingsPage = lazy(() => import('./pages/RecordingsPage'));
const LazyRecordingPage = lazy(() => import('./pages/RecordingPage'));
const LazyHeatmapPage = lazy(() => import('./pages/HeatmapPage'));

function RecordingsPage() {
  return (
    <Suspense fallback={<Loading label="Loading the recordings…" lines={4} />}>
      <LazyRecordingsPage />
    </Suspense>
  );
}

function RecordingPage() {
  return (
    <Suspense fallback={<Loading label="Loading the recording…" lines={4} />}>
      <LazyRecordingPage />
    </Suspense>
  );
}

// Funnels: their own chunk too.
const LazyFunnelsPage = lazy(() => import('./pages/FunnelsPage'));

function FunnelsPage() {
  return (
    <Suspense fallback={<Loading label="Loading the funnels…" lines={4} />}>
      <LazyFunnelsPage />
    </Suspense>
  );
}

// A share link's page: the dashboard, read-only, for whoever holds the
// link (no account, no app header); its own chunk, beside the dashboard's.
const LazySharePage = lazy(() => import('./pages/SharePage'));

function SharePage() {
  return (
    <Suspense
      fallback={
        <main id="main" className="main" tabIndex={-1}>
          <Loading label="Loading the dashboard…" lines={4} />
        </main>
      }
    >
      <LazySharePage />
    </Suspense>
  );
}

function HeatmapPage() {
  return (
    <Suspense fallback={<Loading label="Loading the heatmaps…" lines={4} />}>
      <LazyHeatmapPage />
    </Suspense>
  );
}

export function App() {
  return (
    <Switch>
      <Route path="/login" component={LoginPage} />
      <Route path="/signup" component={SignupPage} />
      <Route path="/forgot-password" component={ForgotPasswordPage} />
      <Route path="/reset-password" component={ResetPasswordPage} />
      <Route path="/verify-email" component={VerifyEmailPage} />
      <Route path="/invitations/accept" component={AcceptInvitationPage} />
      {/* Outside the member pages: no `me`, no session; its requests act as the link. */}
      <Route path="/share/:slug" component={SharePage} />
      <Route>
        <Authenticated />
      </Route>
    </Switch>
  );
}

/** The current URL, to come back to after logging in. */
export function currentUrl(): string {
  const { pathname, search, hash } = window.location;
  return pathname + search + hash;
}

function Authenticated() {
  const me = useMe();
  if (me.isPending) {
    return (
      <main id="main" className="main">
        <Loading label="Loading your account…" />
      </main>
    );
  }
  if (me.isError) {
    if (isUnauthenticated(me.error)) return <Redirect to={paths.login(currentUrl())} replace />;
    return (
      <main id="main" className="main">
        <h1>TrackR</h1>
        <ErrorBox error={me.error} onRetry={() => void me.refetch()} />
      </main>
    );
  }
  return (
    <OrgFromUrl>
      <AppLayout me={me.data}>
        <Switch>
          <Route path="/" component={HomePage} />
          <Route path="/orgs/new" component={NewOrgPage} />
          <Route path="/orgs/:org/sites" component={inOrg(SitesPage)} />
          <Route path="/orgs/:org/sites/new" component={inOrg(NewSitePage)} />
          <Route path="/orgs/:org/sites/:site/settings" component={inOrg(SiteSettingsPage)} />
          <Route path="/orgs/:org/sites/:site/data" component={inOrg(SiteDataPage)} />
          <Route path="/orgs/:org/sites/:site/recordings" component={inOrg(RecordingsPage)} />
          <Route path="/orgs/:org/sites/:site/recordings/:session" component={inOrg(RecordingPage)} />
          <Route path="/orgs/:org/sites/:site/heatmaps" component={inOrg(HeatmapPage)} />
          <Route path="/orgs/:org/sites/:site/funnels" component={inOrg(FunnelsPage)} />
          <Route path="/orgs/:org/sites/:site" component={inOrg(DashboardPage)} />
          <Route path="/orgs/:org/team" component={inOrg(TeamPage)} />
          <Route path="/orgs/:org/keys" component={inOrg(ApiKeysPage)} />
          <Route path="/orgs/:org/billing" component={inOrg(BillingPage)} />
          <Route path="/orgs/:org/settings" component={inOrg(OrgSettingsPage)} />
          <Route path="/orgs/:org" component={OrgIndex} />
          <Route path="/account" component={AccountPage} />
          <Route path="/finance" component={FinancePage} />
          <Route component={NotFoundPage} />
        </Switch>
      </AppLayout>
    </OrgFromUrl>
  );
}

function OrgIndex() {
  const { org } = useParams<{ org: string }>();
  return <Redirect to={paths.sites(org)} replace />;
}

const OrgLoadingContext = createContext(false);

const wrapped = new WeakMap<ComponentType, ComponentType>();

/** A page that needs the organization of the URL resolved first. */
function inOrg(Page: ComponentType): ComponentType {
  let W = wrapped.get(Page);
  if (!W) {
    W = function OrgPage() {
      const org = useCurrentOrgOrNull();
      if (org === 'loading') return <Loading />;
      if (org === null) return <NotFoundPage />;
      return <Page />;
    };
    wrapped.set(Page, W);
  }
  return W;
}

function useCurrentOrgOrNull(): CurrentOrg | null | 'loading' {
  const org = useCurrentOrg();
  const loading = useContext(OrgLoadingContext);
  if (org) return org;
  return loading ? 'loading' : null;
}

function orgSegment(pathname: string): string | null {
  const m = /^\/orgs\/([^/]+)/.exec(pathname);
  if (!m || m[1] === 'new') return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}

/**
 * Provides the organization named by the URL (/orgs/:org/…) to the header
 * and the page: one of the user's organizations by slug or id, or, for
 * staff, any organization by id.
 */
function OrgFromUrl({ children }: { children: ReactNode }) {
  const me = useMe();
  const [location] = useLocation();
  const segment = orgSegment(location);
  const orgs = me.data?.organizations ?? [];
  const resolved = segment ? resolveOrg(segment, orgs) : null;
  const known = resolved && 'slug' in resolved ? (resolved as (typeof orgs)[number]) : null;
  const foreignId = resolved && !known ? resolved.id : null;
  const foreign = useQuery({
    queryKey: ['orgHeader', foreignId],
    queryFn: async () => (await request(OrgHeaderQuery, { id: foreignId! })).organization,
    enabled: foreignId !== null,
    retry: retryOnce,
  });
  let value: CurrentOrg | null = null;
  if (known) value = { id: known.id, slug: known.slug, name: known.name, viewerRole: known.viewerRole ?? null };
  else if (foreignId && foreign.data)
    value = { id: foreign.data.id, slug: foreign.data.id, name: foreign.data.name, viewerRole: foreign.data.viewerRole ?? null };
  const loading = foreignId !== null && foreign.isPending;
  return (
    <OrgLoadingContext.Provider value={loading}>
      <OrgContext.Provider value={value}>{children}</OrgContext.Provider>
    </OrgLoadingContext.Provider>
  );
}

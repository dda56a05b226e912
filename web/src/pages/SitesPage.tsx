import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { request } from '../api/client';
import { SitesQuery } from '../api/documents';
import { retryOnce } from '../api/hooks';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { Sparkline } from '../components/Sparkline';
import { browserTimeZone, dayIn, lastDays } from '../lib/dates';
import { formatNumber } from '../lib/format';
import { can } from '../lib/permissions';
import { paths } from '../lib/routes';

export function SitesPage() {
  const org = useOrg();
  const today = dayIn(new Date(), browserTimeZone());
  const month = lastDays(today, 30);
  // Every site's figures in one request.
  const q = useQuery({
    queryKey: ['sites', org.id, today],
    queryFn: async () =>
      (await request(SitesQuery, { id: org.id, today: { from: today, to: today }, month })).organization,
    retry: retryOnce,
    refetchInterval: 60_000,
    enabled: can(org.viewerRole, 'readSites'),
  });
  if (!can(org.viewerRole, 'readSites')) {
    return (
      <>
        <PageHeader title="Sites" docTitle={`Sites · ${org.name}`} />
        <p>
          Your role in {org.name} does not include reading sites and reports.{' '}
          {can(org.viewerRole, 'billing') ? <Link href={paths.billing(org.slug)}>Go to billing</Link> : null}
        </p>
      </>
    );
  }
  const manage = can(org.viewerRole, 'manageSites');
  const sites = q.data?.sites ?? [];
  const maxSites = q.data?.plan.maxSites ?? null;
  const atLimit = maxSites != null && sites.length >= maxSites;
  return (
    <>
      <PageHeader title="Sites" docTitle={`Sites · ${org.name}`}>
        {manage && q.data && !atLimit ? (
          <Link href={paths.newSite(org.slug)} className="button primary">
            Add site
          </Link>
        ) : null}
      </PageHeader>
      {q.isPending ? (
        <Loading lines={3} />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : sites.length === 0 ? (
        <div className="empty card">
          <h2>No sites yet</h2>
          {manage ? (
            <>
              <p>Add your website, then put the tracking snippet on its pages.</p>
              <Link href={paths.newSite(org.slug)} className="button primary">
                Add your first site
              </Link>
            </>
          ) : (
            <p>An owner or admin of {org.name} can add sites.</p>
          )}
        </div>
      ) : (
        <>
          {manage && atLimit ? (
            <p className="notice">
              Your {q.data.plan.name} plan allows {maxSites} {maxSites === 1 ? 'site' : 'sites'}.{' '}
              {can(org.viewerRole, 'billing') ? <Link href={paths.billing(org.slug)}>Upgrade to add more</Link> : 'An owner can upgrade the plan to add more.'}
            </p>
          ) : null}
          <ul className="site-list" aria-label="Sites">
            {sites.map((s) => {
              const values = s.series.map((p) => p.visitors);
              return (
                <li key={s.id} className="card site-card">
                  <div className="site-main">
                    <h2 className="site-name">
                      <Link href={paths.dashboard(org.slug, s.id)}>{s.name}</Link>
                    </h2>
                    <p className="site-domain mono">{s.domain}</p>
                  </div>
                  <dl className="site-figures">
                    <div>
                      <dt>Visitors today</dt>
                      <dd>{formatNumber(s.today.visitors)}</dd>
                    </div>
                    <div>
                      <dt>Last 30 days</dt>
                      <dd>{formatNumber(s.month.visitors)}</dd>
                    </div>
                  </dl>
                  <Sparkline values={values} label={`Daily visitors of ${s.name} over the last 30 days, up to ${formatNumber(Math.max(0, ...values))} a day`} />
                  {manage ? (
                    <p className="site-links">
                      <Link href={paths.siteSettings(org.slug, s.id)} aria-label={`Settings of ${s.name}`}>
                        Settings
                      </Link>
                      <Link href={paths.siteData(org.slug, s.id)} aria-label={`Data of ${s.name}`}>
                        Data
                      </Link>
                    </p>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </>
      )}
    </>
  );
}

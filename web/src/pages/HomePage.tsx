import { Redirect } from 'wouter';
import { useMe } from '../api/hooks';
import { paths } from '../lib/routes';
import { orgLanding } from '../lib/permissions';

/** `/`: the first organization's landing page, or creating one. */
export function HomePage() {
  const me = useMe();
  const first = me.data?.organizations[0];
  if (!first) return <Redirect to={paths.newOrg()} replace />;
  const landing = orgLanding(first.viewerRole);
  const to = landing === 'sites' ? paths.sites(first.slug) : landing === 'billing' ? paths.billing(first.slug) : paths.team(first.slug);
  return <Redirect to={to} replace />;
}

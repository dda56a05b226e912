import { useEffect, useRef, useState } from 'react';
import { Link } from 'wouter';
import { request } from '../api/client';
import { AcceptInvitationMutation } from '../api/documents';
import { isUnauthenticated, useAction, useMe } from '../api/hooks';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { AppLayout, PublicLayout } from '../components/Layout';
import { PageHeader } from '../components/PageHeader';
import { fragmentParam, paths } from '../lib/routes';
import { orgLanding } from '../lib/permissions';
import { roleName } from '../lib/format';

export function AcceptInvitationPage() {
  const [token] = useState(() => fragmentParam(window.location.hash, 'token'));
  const me = useMe();
  const action = useAction((v: { token: string }) => request(AcceptInvitationMutation, v), {
    fields: [],
    invalidate: [['me']],
  });
  const started = useRef(false);
  const loggedIn = me.isSuccess;
  useEffect(() => {
    if (token && loggedIn && !started.current) {
      started.current = true;
      action.run({ token });
    }
  }, [token, loggedIn, action]);

  const here = `/invitations/accept${token ? `#token=${encodeURIComponent(token)}` : ''}`;
  let body;
  if (!token) {
    body = <p>This link has no invitation token. Open the link from the invitation email again.</p>;
  } else if (me.isPending) {
    body = <Loading lines={1} />;
  } else if (me.isError && isUnauthenticated(me.error)) {
    body = (
      <>
        <p>You were invited to join an organization on TrackR. Log in, or create an account with the invited email address, to accept the invitation.</p>
        <p className="actions">
          <Link href={paths.login(here)} className="button primary">
            Log in to accept
          </Link>
          <Link href={paths.signup(here)} className="button secondary">
            Sign up to accept
          </Link>
        </p>
      </>
    );
  } else if (me.isError) {
    body = <ErrorBox error={me.error} onRetry={() => void me.refetch()} />;
  } else if (action.succeeded && action.data) {
    const org = action.data.acceptInvitation;
    const landing = orgLanding(org.viewerRole);
    const href = landing === 'sites' ? paths.sites(org.slug) : landing === 'billing' ? paths.billing(org.slug) : paths.team(org.slug);
    body = (
      <>
        <p role="status">
          You joined <strong>{org.name}</strong> as {roleName(org.viewerRole)}.
        </p>
        <Link href={href} className="button primary">
          Go to {org.name}
        </Link>
      </>
    );
  } else if (action.errors.length) {
    body = (
      <ErrorBox
        items={action.errors}
        onRetry={action.retry}
        title="The invitation could not be accepted. It may have expired, or be meant for another email address."
      />
    );
  } else {
    body = <Loading label="Accepting the invitation…" lines={1} />;
  }
  const content = (
    <>
      <PageHeader title="Accept invitation" />
      <div className="card">{body}</div>
    </>
  );
  return me.isSuccess ? <AppLayout me={me.data}>{content}</AppLayout> : <PublicLayout>{content}</PublicLayout>;
}

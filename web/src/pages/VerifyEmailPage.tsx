import { useEffect, useRef, useState } from 'react';
import { Link } from 'wouter';
import { request } from '../api/client';
import { VerifyEmailMutation } from '../api/documents';
import { useAction } from '../api/hooks';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { PublicLayout } from '../components/Layout';
import { PageHeader } from '../components/PageHeader';
import { fragmentParam } from '../lib/routes';

export function VerifyEmailPage() {
  const [token] = useState(() => fragmentParam(window.location.hash, 'token'));
  const action = useAction((v: { token: string }) => request(VerifyEmailMutation, v), {
    fields: [],
    invalidate: [['me']],
  });
  const started = useRef(false);
  useEffect(() => {
    if (token && !started.current) {
      started.current = true;
      action.run({ token });
    }
  }, [token, action]);
  return (
    <PublicLayout>
      <PageHeader title="Verify your email" />
      <div className="card">
        {!token ? (
          <p>This link has no verification token. Open the link from the email again.</p>
        ) : action.succeeded ? (
          <>
            <p role="status">Your email is verified. Thank you!</p>
            <Link href="/" className="button primary">
              Continue to TrackR
            </Link>
          </>
        ) : action.errors.length ? (
          <ErrorBox items={action.errors} onRetry={action.retry} title="Your email could not be verified." />
        ) : (
          <Loading label="Verifying your email…" lines={1} />
        )}
      </div>
    </PublicLayout>
  );
}

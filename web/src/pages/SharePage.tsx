// A share link's page: /share/:slug, the site's dashboard, read-only, for
// whoever holds the link (no account: every request names the link,
// api/client.ts). Loaded on demand (React.lazy in App.tsx), with the
// dashboard's own chunk. No app header, no links anywhere: the link's name,
// the site's domain, the reports, "Powered by TrackR". Framed on another
// site (`?embed=true`, lib/share.ts), nothing but the dashboard, in the
// URL's theme and background (applied by main.tsx before the first paint).
import { useQuery } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useSearch } from 'wouter/use-browser-location';
import { sharedSiteQuery } from '../api/dashboardQueries';
import { shareRefusal, unlockMessage, unlockShare } from '../api/shareAccess';
import { ErrorBox } from '../components/ErrorBox';
import { BrandMark } from '../components/Layout';
import { Loading } from '../components/Loading';
import { parseShareLook, shareLookParams, shareSlug } from '../lib/share';
import { useTitle } from '../lib/useTitle';
import { Dashboard } from './DashboardPage';
import './SharePage.css';

/** The site's current visitors, as a member's dashboard polls them. */
const POLL_MS = 15_000;

export default function SharePage() {
  const slug = shareSlug(window.location.pathname);
  const look = parseShareLook(useSearch());
  const q = useQuery({
    ...sharedSiteQuery(slug ?? ''),
    enabled: slug !== null,
    // main.tsx asked already (prefetchShare): a link refused then is refused now.
    retryOnMount: false,
    // Polled while it opens: a link revoked or expired meanwhile then says so.
    refetchInterval: (query) => (query.state.data !== undefined && shareRefusal(query.state.error) === null ? POLL_MS : false),
  });
  const refusal = slug === null ? 'gone' : q.isError ? shareRefusal(q.error) : null;
  let body: ReactNode;
  if (refusal === 'gone') body = <ShareGone />;
  else if (refusal === 'password')
    body = (
      <PasswordForm
        slug={slug!}
        onUnlocked={async () => {
          const r = await q.refetch();
          return r.isSuccess;
        }}
      />
    );
  else if (q.data)
    body = <Dashboard site={q.data.site} viewer={{ kind: 'share', name: q.data.name, embed: look.embed, keep: shareLookParams(look) }} />;
  else if (q.isError)
    body = (
      <>
        <ShareTitle title="Shared dashboard" />
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      </>
    );
  else body = <Loading label="Loading the dashboard…" lines={4} />;
  return <ShareLayout embed={look.embed}>{body}</ShareLayout>;
}

/** The page's landmarks: the main one, and (not framed) the footer. */
function ShareLayout({ embed, children }: { embed: boolean; children: ReactNode }) {
  return (
    <>
      <main id="main" className={embed ? 'main share-main embed' : 'main share-main'} tabIndex={-1}>
        {children}
      </main>
      {embed ? null : (
        <footer className="share-footer" data-testid="share-footer">
          <p>
            <BrandMark /> Powered by <strong>TrackR</strong>
          </p>
        </footer>
      )}
    </>
  );
}

function ShareTitle({ title }: { title: string }) {
  useTitle(title);
  return <h1>{title}</h1>;
}

/** An unknown, expired or revoked link (the server answers such a page 404). */
function ShareGone() {
  return (
    <section className="card share-gone" data-testid="share-gone">
      <ShareTitle title="This link does not exist or has expired" />
      <p>Whoever shared this dashboard may have revoked the link, or given it an end date. Ask them for a new one.</p>
    </section>
  );
}

/**
 * The password of a link that has one: checked by the server, which
 * unlocks the link in this browser with an HttpOnly cookie; then the
 * dashboard opens. `onUnlocked` asks again, and says whether it opened.
 */
function PasswordForm({ slug, onUnlocked }: { slug: string; onUnlocked: () => Promise<boolean> }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useTitle('Shared dashboard');
  async function submit(e: FormEvent) {
    e.preventDefault();
    // A message shown again is announced again: clear it first.
    setError(null);
    if (password === '') {
      setError('Enter the password.');
      input.current?.focus();
      return;
    }
    setPending(true);
    const outcome = await unlockShare(slug, password);
    if (outcome.kind === 'unlocked') {
      // Unmounted once the dashboard opens.
      if (await onUnlocked()) return;
      setError('The password is right, but this browser kept no note of it: it may block cookies for this page (in a frame on another site, for one). Open the link on its own.');
    } else {
      setError(unlockMessage(outcome));
      input.current?.select();
    }
    setPending(false);
    input.current?.focus();
  }
  return (
    <section className="card share-password" aria-labelledby={`${id}-h`}>
      <h1 id={`${id}-h`}>This shared dashboard asks for a password</h1>
      <p>Enter the password that came with the link.</p>
      <form onSubmit={submit} className="form" noValidate>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            ref={input}
            id={`${id}-password`}
            type="password"
            autoComplete="current-password"
            autoFocus
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
          />
          {error ? (
            <p id={`${id}-error`} className="field-error" role="alert" data-testid="share-password-error">
              {error}
            </p>
          ) : null}
        </div>
        <div className="actions">
          <button type="submit" className="button primary" disabled={pending}>
            {pending ? 'Opening…' : 'Open the dashboard'}
          </button>
        </div>
      </form>
    </section>
  );
}

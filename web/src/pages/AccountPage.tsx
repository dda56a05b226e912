import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { request } from '../api/client';
import {
  ChangePasswordMutation,
  DeleteAccountMutation,
  EndSessionMutation,
  MyDataQuery,
  ResendVerificationEmailMutation,
  SessionsQuery,
  UpdateEmailMutation,
  UpdateNameMutation,
} from '../api/documents';
import type { ResultOf } from '../api/graphql';
import { retryOnce, useAction, useMe, type Me } from '../api/hooks';
import { ActionErrors, ErrorBox } from '../components/ErrorBox';
import { TextField } from '../components/Field';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { formatDateTime } from '../lib/format';
import { paths } from '../lib/routes';
import { deviceName, orderSessions } from '../lib/sessions';

const SESSIONS_KEY = ['me', 'sessions'] as const;

export function AccountPage() {
  const me = useMe();
  if (!me.data) return null;
  return (
    <>
      <PageHeader title="Your account" docTitle="Account" />
      <p className="muted">
        Username <span className="mono">{me.data.username}</span> (it cannot change)
      </p>
      <NameSection me={me.data} />
      <EmailSection me={me.data} />
      <PasswordSection />
      <SessionsSection />
      <MyDataSection />
      <DeleteSection />
    </>
  );
}

function NameSection({ me }: { me: Me }) {
  const [name, setName] = useState(me.name ?? '');
  const action = useAction((v: { name: string }) => request(UpdateNameMutation, v), { fields: ['name'], invalidate: [['me']] });
  function submit(e: FormEvent) {
    e.preventDefault();
    action.run({ name: name.trim() });
  }
  return (
    <section className="card section" aria-labelledby="name-heading">
      <h2 id="name-heading">Name</h2>
      <form onSubmit={submit} className="form" noValidate>
        <TextField label="Your name" autoComplete="name" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} error={action.fieldErrors.name} />
        <ActionErrors action={action} />
        <div className="actions">
          <button type="submit" className="button primary" disabled={action.pending}>
            Save name
          </button>
          <span role="status">{action.succeeded ? 'Saved' : ''}</span>
        </div>
      </form>
    </section>
  );
}

function EmailSection({ me }: { me: Me }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction((v: { email: string; currentPassword: string }) => request(UpdateEmailMutation, v), {
    fields: ['email', 'currentPassword'],
    invalidate: [['me']],
    onSuccess: () => {
      setEmail('');
      setPassword('');
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    action.run({ email: email.trim(), currentPassword: password });
  }
  return (
    <section className="card section" aria-labelledby="email-heading">
      <h2 id="email-heading">Email</h2>
      <p>
        Your email is <strong>{me.email}</strong>
        {me.emailVerified ? ' (verified).' : ' (not verified yet: open the link in the email we sent).'}
      </p>
      <ResendVerification me={me} />
      <form onSubmit={submit} className="form" noValidate>
        <TextField label="New email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} error={action.fieldErrors.email} />
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={action.fieldErrors.currentPassword}
        />
        <p className="hint">You will need to verify the new address. Your other sessions are logged out.</p>
        <ActionErrors action={action} />
        <div className="actions">
          <button type="submit" className="button primary" disabled={action.pending}>
            Change email
          </button>
          <span role="status">{action.succeeded ? 'Email changed. Check your inbox to verify it.' : ''}</span>
        </div>
      </form>
    </section>
  );
}

/** For an unverified email: sends the verification link again. */
function ResendVerification({ me }: { me: Me }) {
  const qc = useQueryClient();
  const action = useAction(() => request(ResendVerificationEmailMutation), {
    // false: verified already (in another tab, say); `me` then tells.
    onSuccess: (data) => (data.resendVerificationEmail ? undefined : qc.invalidateQueries({ queryKey: ['me'] })),
  });
  // Stays after an "already verified" answer, so that its message is read.
  if (me.emailVerified && action.data?.resendVerificationEmail !== false) return null;
  const status = !action.succeeded
    ? ''
    : action.data?.resendVerificationEmail
      ? `Sent to ${me.email}. Open the link in that email to verify it.`
      : 'Your email is verified already.';
  return (
    <div className="resend">
      <div className="actions">
        {!me.emailVerified ? (
          <button type="button" className="button secondary" disabled={action.pending} onClick={() => action.run(undefined)}>
            Send the verification email again
          </button>
        ) : null}
        <span role="status" className="saved">
          {status}
        </span>
      </div>
      <ActionErrors action={action} />
    </div>
  );
}

function PasswordSection() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const action = useAction((v: { currentPassword: string; newPassword: string }) => request(ChangePasswordMutation, v), {
    fields: ['currentPassword', 'newPassword'],
    invalidate: [SESSIONS_KEY],
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setConfirm('');
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (next !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    action.run({ currentPassword: current, newPassword: next });
  }
  return (
    <section className="card section" aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <form onSubmit={submit} className="form" noValidate>
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          error={action.fieldErrors.currentPassword}
        />
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          hint="At least 10 characters and hard to guess."
          value={next}
          onChange={(e) => setNext(e.target.value)}
          error={action.fieldErrors.newPassword}
        />
        <TextField
          label="Repeat the new password"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          error={mismatch ? 'The two passwords differ.' : undefined}
        />
        <ActionErrors action={action} />
        <div className="actions">
          <button type="submit" className="button primary" disabled={action.pending}>
            Change password
          </button>
          <span role="status">{action.succeeded ? 'Password changed. Your other sessions were logged out.' : ''}</span>
        </div>
      </form>
    </section>
  );
}

function DeleteSection() {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [password, setPassword] = useState('');
  const action = useAction((v: { password: string }) => request(DeleteAccountMutation, v), {
    fields: ['password'],
    onSuccess: () => {
      qc.clear();
      navigate(paths.signup());
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    action.run({ password });
  }
  return (
    <section className="card section danger-zone" aria-labelledby="delete-account-heading">
      <h2 id="delete-account-heading">Delete account</h2>
      <p>Deletes your account, your sessions and your memberships. If you are the last owner of an organization, delete it or make someone else an owner first.</p>
      <form onSubmit={submit} className="form" noValidate>
        <TextField
          label="Your password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={action.fieldErrors.password}
        />
        <ActionErrors action={action} />
        <button type="submit" className="button danger" disabled={action.pending || !password}>
          Delete account
        </button>
      </form>
    </section>
  );
}

function MyDataSection() {
  const [url, setUrl] = useState<string | null>(null);
  const action = useAction(() => request(MyDataQuery), {
    onSuccess: (data) => {
      const blob = new Blob([JSON.stringify(data.myData, null, 2)], { type: 'application/json' });
      setUrl((old) => {
        if (old) URL.revokeObjectURL(old);
        return URL.createObjectURL(blob);
      });
    },
  });
  return (
    <section className="card section" aria-labelledby="my-data-heading">
      <h2 id="my-data-heading">Your data</h2>
      <p>Everything TrackR keeps about you: profile, memberships, open sessions and the audit entries by or about you, as one JSON file.</p>
      <ActionErrors action={action} />
      <div className="actions">
        <button type="button" className="button secondary" disabled={action.pending} onClick={() => action.run(undefined)}>
          Prepare my data
        </button>
        {url ? (
          <a href={url} download="trackr-my-data.json">
            Download my data (JSON)
          </a>
        ) : null}
      </div>
    </section>
  );
}

type Session = ResultOf<typeof SessionsQuery>['me']['sessions'][number];

function SessionsSection() {
  const heading = useRef<HTMLHeadingElement>(null);
  const q = useQuery({
    queryKey: SESSIONS_KEY,
    queryFn: async () => (await request(SessionsQuery)).me.sessions,
    retry: retryOnce,
  });
  const sessions = q.data ? orderSessions(q.data) : [];
  return (
    <section className="card section" aria-labelledby="sessions-heading" aria-busy={q.isPending}>
      <h2 id="sessions-heading" ref={heading} tabIndex={-1}>
        Active sessions
      </h2>
      <p>The browsers and devices logged in to your account. End a session you do not recognise, then change your password.</p>
      {q.isPending ? (
        <Loading lines={2} label="Loading sessions…" />
      ) : q.isError && !q.data ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <>
          <ul className="sessions">
            {sessions.map((s) => (
              <SessionRow key={s.id} session={s} onEnded={() => heading.current?.focus()} />
            ))}
          </ul>
          {sessions.every((s) => s.current) ? <p className="muted">You are not logged in anywhere else.</p> : null}
        </>
      )}
    </section>
  );
}

function SessionRow({ session: s, onEnded }: { session: Session; onEnded: () => void }) {
  const name = deviceName(s.device);
  const end = useAction((v: { id: string }) => request(EndSessionMutation, v), {
    invalidate: [SESSIONS_KEY],
    onSuccess: onEnded,
  });
  return (
    <li className="session">
      <div>
        <strong>{name}</strong> {s.current ? <span className="badge">This device</span> : null}
        <div className="muted">
          {s.lastSeenAt ? `Last seen ${formatDateTime(s.lastSeenAt)}` : 'Not seen since it started'} · started {formatDateTime(s.createdAt)}
        </div>
      </div>
      {!s.current ? (
        <div className="actions">
          <button type="button" className="button secondary" disabled={end.pending} onClick={() => end.run({ id: s.id })} aria-label={`End session on ${name}`}>
            End session
          </button>
        </div>
      ) : null}
      <ActionErrors action={end} />
    </li>
  );
}

import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { request } from '../api/client';
import { ChangePasswordMutation, DeleteAccountMutation, MyDataQuery, UpdateEmailMutation, UpdateNameMutation } from '../api/documents';
import { useAction, useMe, type Me } from '../api/hooks';
import { ActionErrors } from '../components/ErrorBox';
import { TextField } from '../components/Field';
import { PageHeader } from '../components/PageHeader';
import { paths } from '../lib/routes';

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

function PasswordSection() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const action = useAction((v: { currentPassword: string; newPassword: string }) => request(ChangePasswordMutation, v), {
    fields: ['currentPassword', 'newPassword'],
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

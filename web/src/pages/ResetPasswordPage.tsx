import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { request } from '../api/client';
import { ResetPasswordMutation } from '../api/documents';
import { useAction } from '../api/hooks';
import { TextField } from '../components/Field';
import { ActionErrors } from '../components/ErrorBox';
import { PublicLayout } from '../components/Layout';
import { PageHeader } from '../components/PageHeader';
import { fragmentParam, paths } from '../lib/routes';

export function ResetPasswordPage() {
  const [token] = useState(() => fragmentParam(window.location.hash, 'token'));
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const action = useAction((v: { token: string; newPassword: string }) => request(ResetPasswordMutation, v), {
    fields: ['newPassword', 'token'],
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    if (token) action.run({ token, newPassword: password });
  }
  return (
    <PublicLayout>
      <PageHeader title="Set a new password" docTitle="Reset password" />
      {!token ? (
        <div className="card">
          <p>This link has no reset token. Open the link from the email again, or ask for a new one.</p>
          <Link href={paths.forgotPassword()}>Ask for a new reset link</Link>
        </div>
      ) : action.succeeded ? (
        <div className="card" role="status">
          <p>Your password is changed. Every session of your account was logged out.</p>
          <Link href={paths.login()} className="button primary">
            Log in
          </Link>
        </div>
      ) : (
        <form onSubmit={submit} className="card form" noValidate>
          <TextField
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            hint="At least 10 characters and hard to guess."
            value={password}
            onChange={(e) => setPassword(e.target.value)}
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
          {action.fieldErrors.token ? (
            <div className="error-box" role="alert">
              <p>{action.fieldErrors.token}</p>
              <Link href={paths.forgotPassword()}>Ask for a new reset link</Link>
            </div>
          ) : null}
          <ActionErrors action={action} />
          <button type="submit" className="button primary" disabled={action.pending}>
            Set new password
          </button>
        </form>
      )}
    </PublicLayout>
  );
}

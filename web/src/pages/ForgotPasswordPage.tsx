import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { request } from '../api/client';
import { RequestPasswordResetMutation } from '../api/documents';
import { useAction } from '../api/hooks';
import { TextField } from '../components/Field';
import { ActionErrors } from '../components/ErrorBox';
import { PublicLayout } from '../components/Layout';
import { PageHeader } from '../components/PageHeader';
import { paths } from '../lib/routes';

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const action = useAction((v: { email: string }) => request(RequestPasswordResetMutation, v), { fields: ['email'] });
  function submit(e: FormEvent) {
    e.preventDefault();
    action.run({ email: email.trim() });
  }
  return (
    <PublicLayout>
      <PageHeader title="Reset your password" docTitle="Forgot password" />
      {action.succeeded ? (
        <div className="card" role="status">
          <p>
            If an account uses <strong>{email}</strong>, we sent it an email with a link to set a new password. The
            link works for one hour.
          </p>
        </div>
      ) : (
        <form onSubmit={submit} className="card form" noValidate>
          <p>Enter the email of your account. We will send you a link to set a new password.</p>
          <TextField
            label="Email"
            type="email"
            name="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={action.fieldErrors.email}
          />
          <ActionErrors action={action} />
          <button type="submit" className="button primary" disabled={action.pending}>
            Send reset link
          </button>
        </form>
      )}
      <p className="links">
        <Link href={paths.login()}>Back to log in</Link>
      </p>
    </PublicLayout>
  );
}

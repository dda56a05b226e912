import { useState, type FormEvent } from 'react';
import { Link, Redirect, useLocation, useSearch } from 'wouter';
import { useQueryClient } from '@tanstack/react-query';
import { request } from '../api/client';
import { LogInMutation } from '../api/documents';
import { useAction, useMe } from '../api/hooks';
import { TextField } from '../components/Field';
import { ActionErrors } from '../components/ErrorBox';
import { PublicLayout } from '../components/Layout';
import { PageHeader } from '../components/PageHeader';
import { paths, safeNext, searchParam } from '../lib/routes';

export function LoginPage() {
  const next = safeNext(searchParam(useSearch(), 'next'));
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const me = useMe();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction((v: { email: string; password: string }) => request(LogInMutation, v), {
    fields: ['email', 'password'],
    onSuccess: async () => {
      qc.clear();
      navigate(next);
    },
  });
  if (me.isSuccess && !action.pending && !action.succeeded) return <Redirect to={next} replace />;
  function submit(e: FormEvent) {
    e.preventDefault();
    action.run({ email: email.trim(), password });
  }
  return (
    <PublicLayout>
      <PageHeader title="Log in" />
      <form onSubmit={submit} className="card form" noValidate>
        <TextField
          label="Email"
          type="email"
          name="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={action.fieldErrors.email}
        />
        <TextField
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={action.fieldErrors.password}
        />
        <ActionErrors action={action} />
        <button type="submit" className="button primary" disabled={action.pending}>
          {action.pending ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p className="links">
        <Link href={paths.forgotPassword()}>Forgot your password?</Link>
        <span aria-hidden="true"> · </span>
        <Link href={paths.signup(next)}>Create an account</Link>
      </p>
    </PublicLayout>
  );
}

import { useState, type FormEvent } from 'react';
import { Link, Redirect, useLocation, useSearch } from 'wouter';
import { useQueryClient } from '@tanstack/react-query';
import { request } from '../api/client';
import { SignUpMutation } from '../api/documents';
import { useAction, useMe } from '../api/hooks';
import { TextField } from '../components/Field';
import { ActionErrors } from '../components/ErrorBox';
import { PublicLayout } from '../components/Layout';
import { PageHeader } from '../components/PageHeader';
import { paths, safeNext, searchParam } from '../lib/routes';

export function SignupPage() {
  const next = safeNext(searchParam(useSearch(), 'next'));
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const me = useMe();
  const [email, setEmail] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction(
    (v: { email: string; username: string; password: string }) => request(SignUpMutation, v),
    {
      fields: ['email', 'username', 'password'],
      onSuccess: async () => {
        qc.clear();
        // A new account belongs to no organization yet: only an invitation
        // (or the account page) is worth coming back to.
        navigate(next.startsWith('/invitations/') || next.startsWith('/account') ? next : paths.newOrg());
      },
    },
  );
  if (me.isSuccess && !action.pending && !action.succeeded) return <Redirect to={next} replace />;
  function submit(e: FormEvent) {
    e.preventDefault();
    action.run({ email: email.trim(), username: username.trim(), password });
  }
  return (
    <PublicLayout>
      <PageHeader title="Create your account" docTitle="Sign up" />
      <form onSubmit={submit} className="card form" noValidate>
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
        <TextField
          label="Username"
          name="username"
          autoComplete="username"
          required
          minLength={3}
          maxLength={32}
          hint="3 to 32 characters: a–z, 0–9, _ - and dots. It cannot change later."
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          error={action.fieldErrors.username}
        />
        <TextField
          label="Password"
          type="password"
          name="password"
          autoComplete="new-password"
          required
          minLength={10}
          hint="At least 10 characters and hard to guess: a few unrelated words work well."
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={action.fieldErrors.password}
        />
        <ActionErrors action={action} />
        <button type="submit" className="button primary" disabled={action.pending}>
          {action.pending ? 'Creating your account…' : 'Sign up'}
        </button>
      </form>
      <p className="links">
        Already have an account? <Link href={paths.login(next)}>Log in</Link>
      </p>
    </PublicLayout>
  );
}

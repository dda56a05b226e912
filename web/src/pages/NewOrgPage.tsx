import { useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { request } from '../api/client';
import { CreateOrganizationMutation } from '../api/documents';
import { useAction, useMe } from '../api/hooks';
import { TextField } from '../components/Field';
import { ActionErrors } from '../components/ErrorBox';
import { PageHeader } from '../components/PageHeader';
import { paths } from '../lib/routes';

export function NewOrgPage() {
  const me = useMe();
  const [, navigate] = useLocation();
  const [name, setName] = useState('');
  const action = useAction((v: { name: string }) => request(CreateOrganizationMutation, v), {
    fields: ['name'],
    invalidate: [['me']],
    onSuccess: (data) => navigate(paths.newSite(data.createOrganization.slug)),
  });
  const first = (me.data?.organizations.length ?? 0) === 0;
  function submit(e: FormEvent) {
    e.preventDefault();
    action.run({ name: name.trim() });
  }
  return (
    <>
      <PageHeader title="Create an organization" docTitle="New organization" />
      {first ? (
        <p className="lead">Welcome to TrackR! An organization holds your sites, your team and your subscription. Start with one; it begins on the free plan.</p>
      ) : null}
      <form onSubmit={submit} className="card form" noValidate>
        <TextField
          label="Organization name"
          name="name"
          required
          maxLength={100}
          autoComplete="organization"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={action.fieldErrors.name}
        />
        <ActionErrors action={action} />
        <button type="submit" className="button primary" disabled={action.pending}>
          Create organization
        </button>
      </form>
    </>
  );
}

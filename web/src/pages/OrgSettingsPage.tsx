import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { request } from '../api/client';
import { DeleteOrganizationMutation, UpdateOrganizationMutation } from '../api/documents';
import { useAction } from '../api/hooks';
import { ConfirmDelete } from '../components/ConfirmDelete';
import { ActionErrors } from '../components/ErrorBox';
import { TextField } from '../components/Field';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { can } from '../lib/permissions';
import { paths } from '../lib/routes';

export function OrgSettingsPage() {
  const org = useOrg();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [name, setName] = useState(org.name);
  const rename = useAction((v: { id: string; name: string }) => request(UpdateOrganizationMutation, v), {
    fields: ['name'],
    invalidate: [['me']],
    onSuccess: (data) => {
      const slug = data.updateOrganization.slug;
      if (slug !== org.slug) navigate(paths.orgSettings(slug), { replace: true });
    },
  });
  const del = useAction((v: { id: string }) => request(DeleteOrganizationMutation, v), {
    onSuccess: async () => {
      qc.clear();
      navigate(paths.home());
    },
  });
  if (!can(org.viewerRole, 'renameOrg')) {
    return (
      <>
        <PageHeader title="Organization settings" docTitle={`Settings · ${org.name}`} />
        <p>Only owners and admins can change the organization.</p>
      </>
    );
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    rename.run({ id: org.id, name: name.trim() });
  }
  return (
    <>
      <PageHeader title="Organization settings" docTitle={`Settings · ${org.name}`} />
      <section className="card section" aria-labelledby="rename-heading">
        <h2 id="rename-heading">Name</h2>
        <form onSubmit={submit} className="form" noValidate>
          <TextField label="Organization name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} error={rename.fieldErrors.name} />
          <ActionErrors action={rename} />
          <div className="actions">
            <button type="submit" className="button primary" disabled={rename.pending}>
              Rename organization
            </button>
            <span role="status">{rename.succeeded ? 'Saved' : ''}</span>
          </div>
        </form>
      </section>
      {can(org.viewerRole, 'deleteOrg') ? (
        <section className="card section danger-zone" aria-labelledby="delete-org-heading">
          <h2 id="delete-org-heading">Delete organization</h2>
          <p>Deletes {org.name} with its sites, their analytics data, recordings and exports, its members' access, invitations and API keys.</p>
          <ConfirmDelete
            expected={org.name}
            what={`${org.name} and everything in it`}
            buttonLabel="Delete organization"
            onConfirm={() => del.run({ id: org.id })}
            pending={del.pending}
            errors={del.errors}
            onRetry={del.retry}
          />
        </section>
      ) : null}
    </>
  );
}

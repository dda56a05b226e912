import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { request } from '../api/client';
import { ApiKeysQuery, CreateApiKeyMutation, RevokeApiKeyMutation } from '../api/documents';
import type { ResultOf, VariablesOf } from '../api/graphql';
import { retryOnce, useAction } from '../api/hooks';
import { CopyButton } from '../components/CopyButton';
import { ActionErrors, ErrorBox } from '../components/ErrorBox';
import { CheckboxField, TextField } from '../components/Field';
import { Loading } from '../components/Loading';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { formatDateTime } from '../lib/format';
import { can } from '../lib/permissions';

type Scope = VariablesOf<typeof CreateApiKeyMutation>['scopes'][number];
type Key = ResultOf<typeof ApiKeysQuery>['organization']['apiKeys'][number];

const SCOPES: { value: Scope; label: string; hint: string }[] = [
  { value: 'STATS_READ', label: 'Read stats', hint: 'Read the organization, its sites and their reports.' },
  { value: 'SITES_READ', label: 'Read sites', hint: 'The same as reading stats.' },
  { value: 'SITES_WRITE', label: 'Manage sites', hint: 'Create, change and delete sites; delete and export data (exports also need reading).' },
  { value: 'RECORDINGS_READ', label: 'Read recordings', hint: 'Play back session recordings (with a reading scope).' },
];

export function ApiKeysPage() {
  const org = useOrg();
  const q = useQuery({
    queryKey: ['keys', org.id],
    queryFn: async () => (await request(ApiKeysQuery, { id: org.id })).organization,
    retry: retryOnce,
    enabled: can(org.viewerRole, 'manageKeys'),
  });
  if (!can(org.viewerRole, 'manageKeys')) {
    return (
      <>
        <PageHeader title="API keys" docTitle={`API keys · ${org.name}`} />
        <p>Only owners and admins can manage API keys.</p>
      </>
    );
  }
  return (
    <>
      <PageHeader title="API keys" docTitle={`API keys · ${org.name}`} />
      <p className="muted">
        An API key lets a script use the GraphQL API at <span className="mono">{window.location.origin}/graphql</span> for {org.name} only, with the
        header <span className="mono">Authorization: Bearer &lt;key&gt;</span>.
      </p>
      <CreateKeySection />
      <section className="card section" aria-labelledby="keys-heading">
        <h2 id="keys-heading">Keys</h2>
        {q.isPending ? (
          <Loading lines={2} />
        ) : q.isError ? (
          <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
        ) : q.data.apiKeys.length === 0 ? (
          <p className="muted">No API keys yet.</p>
        ) : (
          <ul className="keys">
            {q.data.apiKeys.map((k) => (
              <KeyRow key={k.id} k={k} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function KeyRow({ k }: { k: Key }) {
  const org = useOrg();
  const [confirming, setConfirming] = useState(false);
  const revoke = useAction((v: { id: string }) => request(RevokeApiKeyMutation, v), { invalidate: [['keys', org.id]] });
  return (
    <li className="key">
      <div>
        <strong>{k.name}</strong> <span className="mono muted">{k.prefix}…</span>
        <div className="muted">
          {k.scopes.map((s) => SCOPES.find((x) => x.value === s)?.label ?? s).join(', ')} · created {formatDateTime(k.createdAt)} ·{' '}
          {k.lastUsedAt ? `last used ${formatDateTime(k.lastUsedAt)}` : 'never used'}
        </div>
      </div>
      <div className="actions">
        {confirming ? (
          <>
            <button type="button" className="button danger" disabled={revoke.pending} onClick={() => revoke.run({ id: k.id })} aria-label={`Confirm: revoke ${k.name}`}>
              Yes, revoke
            </button>
            <button type="button" className="button secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" className="button danger" onClick={() => setConfirming(true)} aria-label={`Revoke ${k.name}`}>
            Revoke
          </button>
        )}
      </div>
      <ActionErrors action={revoke} />
    </li>
  );
}

function CreateKeySection() {
  const org = useOrg();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['STATS_READ']);
  const [local, setLocal] = useState<string | undefined>();
  const action = useAction((v: { organizationId: string; name: string; scopes: Scope[] }) => request(CreateApiKeyMutation, v), {
    fields: ['name', 'scopes'],
    invalidate: [['keys', org.id]],
    onSuccess: () => setName(''),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (scopes.length === 0) {
      setLocal('Choose at least one scope.');
      return;
    }
    setLocal(undefined);
    action.run({ organizationId: org.id, name: name.trim(), scopes });
  }
  const created = action.data?.createApiKey;
  const scopeError = local ?? action.fieldErrors.scopes;
  return (
    <section className="card section" aria-labelledby="create-key-heading">
      <h2 id="create-key-heading">Create an API key</h2>
      {created ? (
        <div className="secret" role="status">
          <p>
            <strong>Copy the key “{created.apiKey.name}” now.</strong> It is shown only once; TrackR keeps only a hash of it.
          </p>
          <pre className="snippet" aria-label="New API key" tabIndex={0}>
            <code>{created.secret}</code>
          </pre>
          <div className="actions">
            <CopyButton text={created.secret} label="Copy API key" />
            <button type="button" className="button secondary" onClick={action.reset}>
              Done
            </button>
          </div>
        </div>
      ) : null}
      <form onSubmit={submit} className="form" noValidate>
        <TextField label="Key name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} error={action.fieldErrors.name} autoComplete="off" />
        <fieldset aria-describedby={scopeError ? 'scopes-error' : undefined}>
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <CheckboxField
              key={s.value}
              label={s.label}
              hint={s.hint}
              checked={scopes.includes(s.value)}
              onChange={(e) => setScopes((cur) => (e.target.checked ? [...cur, s.value] : cur.filter((x) => x !== s.value)))}
            />
          ))}
          {scopeError ? (
            <p className="field-error" id="scopes-error">
              {scopeError}
            </p>
          ) : null}
        </fieldset>
        <ActionErrors action={action} />
        <button type="submit" className="button primary" disabled={action.pending}>
          Create API key
        </button>
      </form>
    </section>
  );
}

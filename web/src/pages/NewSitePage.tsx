import { useMemo, useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { request } from '../api/client';
import { CreateSiteMutation } from '../api/documents';
import { useAction } from '../api/hooks';
import { SelectField, TextField } from '../components/Field';
import { ActionErrors } from '../components/ErrorBox';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { browserTimeZone, timeZones } from '../lib/dates';
import { can } from '../lib/permissions';
import { paths } from '../lib/routes';

export function NewSitePage() {
  const org = useOrg();
  const [, navigate] = useLocation();
  const [domain, setDomain] = useState('');
  const [name, setName] = useState('');
  const [timezone, setTimezone] = useState(browserTimeZone);
  const zones = useMemo(() => timeZones([browserTimeZone()]), []);
  const action = useAction(
    (v: { organizationId: string; domain: string; name: string | null; timezone: string }) => request(CreateSiteMutation, v),
    {
      fields: ['domain', 'name', 'timezone'],
      invalidate: [['sites', org.id]],
      onSuccess: (data) => navigate(paths.siteSettings(org.slug, data.createSite.id)),
    },
  );
  if (!can(org.viewerRole, 'manageSites')) {
    return (
      <>
        <PageHeader title="Add a site" />
        <p>Only owners and admins of {org.name} can add sites.</p>
      </>
    );
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    action.run({ organizationId: org.id, domain: domain.trim(), name: name.trim() || null, timezone });
  }
  return (
    <>
      <PageHeader title="Add a site" docTitle={`Add a site · ${org.name}`} />
      <form onSubmit={submit} className="card form" noValidate>
        <TextField
          label="Domain"
          name="domain"
          required
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          placeholder="example.com"
          hint="The website's domain, such as example.com. Subdomains count too."
          value={domain}
          onChange={(e) => setDomain(e.target.value)}
          error={action.fieldErrors.domain}
        />
        <TextField
          label="Name (optional)"
          name="name"
          maxLength={100}
          hint="Defaults to the domain."
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={action.fieldErrors.name}
        />
        <SelectField
          label="Time zone"
          name="timezone"
          hint="Reports count days in this time zone."
          value={timezone}
          onChange={(e) => setTimezone(e.target.value)}
          error={action.fieldErrors.timezone}
        >
          {zones.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </SelectField>
        <ActionErrors action={action} />
        {action.errors.some((e) => e.code === 'PLAN_LIMIT') && can(org.viewerRole, 'billing') ? (
          <p>
            <Link href={paths.billing(org.slug)}>See plans</Link>
          </p>
        ) : null}
        <div className="actions">
          <button type="submit" className="button primary" disabled={action.pending}>
            Create site
          </button>
          <Link href={paths.sites(org.slug)}>Cancel</Link>
        </div>
      </form>
    </>
  );
}

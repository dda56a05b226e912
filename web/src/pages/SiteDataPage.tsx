import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'wouter';
import { request } from '../api/client';
import { DeleteSiteDataMutation, RequestExportMutation, SiteJobsQuery, SiteNameQuery } from '../api/documents';
import type { ResultOf } from '../api/graphql';
import { retryOnce, useAction } from '../api/hooks';
import { ActionErrors, ErrorBox } from '../components/ErrorBox';
import { TextField } from '../components/Field';
import { Loading } from '../components/Loading';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { dayIn, isDay, lastDays } from '../lib/dates';
import { formatDateTime, formatPercent } from '../lib/format';
import { describeResult, downloadLabel, jobKindName, jobsPollInterval, jobStatusName, TERMINAL } from '../lib/jobs';
import { can } from '../lib/permissions';
import { paths } from '../lib/routes';

export function SiteDataPage() {
  const org = useOrg();
  const { site: siteId } = useParams<{ site: string }>();
  const q = useQuery({
    queryKey: ['site', siteId, 'name'],
    queryFn: async () => (await request(SiteNameQuery, { id: siteId })).site,
    retry: retryOnce,
    enabled: can(org.viewerRole, 'readSites'),
  });
  if (!can(org.viewerRole, 'readSites'))
    return (
      <>
        <PageHeader title="Site data" />
        <p>Your role in {org.name} does not include sites.</p>
      </>
    );
  if (q.isPending)
    return (
      <>
        <PageHeader title="Site data" />
        <Loading lines={5} />
      </>
    );
  if (q.isError)
    return (
      <>
        <PageHeader title="Site data" />
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      </>
    );
  const site = q.data;
  const manage = can(org.viewerRole, 'manageSites');
  return (
    <>
      <PageHeader title={`Data of ${site.name}`} docTitle={`Data · ${site.name}`}>
        <Link href={paths.siteSettings(org.slug, site.id)}>Site settings</Link>
      </PageHeader>
      {manage ? (
        <>
          <ExportSection siteId={site.id} timezone={site.timezone} />
          <DeleteSection siteId={site.id} domain={site.domain} />
          <JobsSection siteId={site.id} />
        </>
      ) : (
        <p>Only owners and admins can export or delete this site's data.</p>
      )}
    </>
  );
}

function RangeFields({
  from,
  to,
  setFrom,
  setTo,
  error,
  legend,
  optional,
  idPrefix,
}: {
  from: string;
  to: string;
  setFrom: (s: string) => void;
  setTo: (s: string) => void;
  error?: string;
  legend: string;
  optional?: boolean;
  idPrefix: string;
}) {
  return (
    <fieldset className="range" aria-describedby={error ? `${idPrefix}-range-error` : undefined}>
      <legend>{legend}</legend>
      <div className="row">
        <TextField id={`${idPrefix}-from`} label="From" type="date" value={from} required={!optional} onChange={(e) => setFrom(e.target.value)} aria-invalid={error ? true : undefined} />
        <TextField id={`${idPrefix}-to`} label="To" type="date" value={to} required={!optional} onChange={(e) => setTo(e.target.value)} aria-invalid={error ? true : undefined} />
      </div>
      {error ? (
        <p className="field-error" id={`${idPrefix}-range-error`}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

function checkRange(from: string, to: string, optional: boolean): string | undefined {
  if (optional && !from && !to) return undefined;
  if (!isDay(from) || !isDay(to)) return optional ? 'Give both days, or neither.' : 'Give both days.';
  if (from > to) return 'The first day must not be after the last.';
  return undefined;
}

function ExportSection({ siteId, timezone }: { siteId: string; timezone: string }) {
  const initial = lastDays(dayIn(new Date(), timezone), 30);
  const [from, setFrom] = useState(initial.from);
  const [to, setTo] = useState(initial.to);
  const [local, setLocal] = useState<string | undefined>();
  const action = useAction((v: { siteId: string; range: { from: string; to: string } }) => request(RequestExportMutation, v), {
    fields: ['range'],
    invalidate: [jobsKey(siteId)],
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const err = checkRange(from, to, false);
    setLocal(err);
    if (!err) action.run({ siteId, range: { from, to } });
  }
  return (
    <section className="card section" aria-labelledby="export-heading">
      <h2 id="export-heading">Export data</h2>
      <p>Exports the site's raw events as gzipped NDJSON and CSV. Download the files within a day: they are then deleted.</p>
      <form onSubmit={submit} className="form" noValidate>
        <RangeFields idPrefix="export" legend="Days to export (in the site's time zone)" from={from} to={to} setFrom={setFrom} setTo={setTo} error={local ?? action.fieldErrors.range} />
        <ActionErrors action={action} />
        <button type="submit" className="button primary" disabled={action.pending}>
          Request export
        </button>
      </form>
    </section>
  );
}

function DeleteSection({ siteId, domain }: { siteId: string; domain: string }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [visitorId, setVisitorId] = useState('');
  const [local, setLocal] = useState<string | undefined>();
  const [confirming, setConfirming] = useState(false);
  const action = useAction(
    (v: { siteId: string; range: { from: string; to: string } | null; visitorId: string | null }) => request(DeleteSiteDataMutation, v),
    {
      fields: ['range', 'visitorId'],
      invalidate: [jobsKey(siteId)],
      onSuccess: () => setConfirming(false),
    },
  );
  // A refused request closes the confirmation: the errors show by their fields.
  const failed = action.errors.length > 0 || Object.keys(action.fieldErrors).length > 0;
  if (failed && confirming && !action.pending) setConfirming(false);
  const hasRange = Boolean(from || to);
  const vid = visitorId.trim();
  function review(e: FormEvent) {
    e.preventDefault();
    const err = checkRange(from, to, true);
    setLocal(err);
    if (!err) {
      action.reset();
      setConfirming(true);
    }
  }
  const summary =
    hasRange && vid
      ? `the events, visits and recordings of visitor ${vid} from ${from} to ${to}`
      : hasRange
        ? `all events, visits and recordings from ${from} to ${to}`
        : vid
          ? `all events, visits and recordings of visitor ${vid}`
          : `ALL analytics data of ${domain}`;
  return (
    <section className="card section danger-zone" aria-labelledby="delete-data-heading">
      <h2 id="delete-data-heading">Delete data</h2>
      <p>Delete the data of a range of days, of one visitor (the visitor_id column of an export), or both. With neither, all the site's data is deleted. Earlier exports holding deleted data are deleted too.</p>
      <form onSubmit={review} className="form" noValidate>
        <RangeFields idPrefix="delete" optional legend="Days to delete (optional)" from={from} to={to} setFrom={(s) => { setFrom(s); setConfirming(false); }} setTo={(s) => { setTo(s); setConfirming(false); }} error={local ?? action.fieldErrors.range} />
        <TextField
          label="Visitor id (optional)"
          value={visitorId}
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => {
            setVisitorId(e.target.value);
            setConfirming(false);
          }}
          error={action.fieldErrors.visitorId}
        />
        {!confirming ? (
          <button type="submit" className="button danger">
            Delete data
          </button>
        ) : null}
      </form>
      {confirming ? (
        <div className="confirm" role="alertdialog" aria-labelledby="confirm-delete-text">
          <p id="confirm-delete-text">
            This deletes <strong>{summary}</strong>. It cannot be undone.
          </p>
          <div className="actions">
            <button
              type="button"
              className="button danger"
              disabled={action.pending}
              onClick={() => action.run({ siteId, range: hasRange ? { from, to } : null, visitorId: vid || null })}
            >
              Confirm deletion
            </button>
            <button type="button" className="button secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      <ActionErrors action={action} />
    </section>
  );
}

const JOBS_SHOWN = 20;

type Job = ResultOf<typeof SiteJobsQuery>['site']['jobs'][number];

function jobsKey(siteId: string) {
  return ['site', siteId, 'jobs'] as const;
}

function JobsSection({ siteId }: { siteId: string }) {
  const q = useQuery({
    queryKey: jobsKey(siteId),
    queryFn: async () => (await request(SiteJobsQuery, { id: siteId, limit: JOBS_SHOWN })).site.jobs,
    retry: retryOnce,
    refetchInterval: (query) => jobsPollInterval(query.state.data),
  });
  return (
    <section className="card section" aria-labelledby="jobs-heading" aria-busy={q.isPending}>
      <h2 id="jobs-heading">Requests</h2>
      {q.isPending ? (
        <Loading lines={3} label="Loading requests…" />
      ) : q.isError && !q.data ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.length === 0 ? (
        <p className="muted">No exports or deletions yet. Those you or your team request show here with their progress.</p>
      ) : (
        <>
          <p className="muted">
            The latest {JOBS_SHOWN} exports and deletions of this site, by anyone in the team, newest first.
          </p>
          {q.isError ? <ErrorBox error={q.error} title="Could not refresh the requests" onRetry={() => void q.refetch()} /> : null}
          <ul className="jobs">
            {q.data.map((job) => (
              <JobRow key={job.id} job={job} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function JobRow({ job }: { job: Job }) {
  const kind = jobKindName(job.kind);
  const result = describeResult(job.result);
  const running = !TERMINAL.has(job.status);
  return (
    <li className="job">
      <div className="job-head">
        <strong>{kind}</strong> <span className={`badge status-${job.status.toLowerCase()}`}>{jobStatusName(job.status)}</span>
        <span className="muted"> requested {formatDateTime(job.createdAt)}</span>
        {!running ? <span className="muted"> · finished {formatDateTime(job.updatedAt)}</span> : null}
      </div>
      {running ? (
        <div className="progress-row">
          <progress max={1} value={job.progress} aria-label={`${kind} progress`} />
          <span>{formatPercent(job.progress)}</span>
        </div>
      ) : null}
      {job.error ? (
        <p className="field-error">
          {job.status === 'DEAD' ? 'Error' : 'Last failure'}: {job.error}
        </p>
      ) : null}
      {result ? <p className="muted">{result}</p> : null}
      {job.downloadUrls.length > 0 ? (
        <ul className="downloads">
          {job.downloadUrls.map((u, i) => (
            // Keyed by position: each refresh signs the links anew, and a
            // changed key would drop the keyboard focus from the link.
            <li key={i}>
              <a href={u} download>
                Download {downloadLabel(u)}
              </a>
            </li>
          ))}
        </ul>
      ) : job.kind === 'EXPORT' && job.status === 'SUCCEEDED' ? (
        <p className="muted">The files of this export are no longer available.</p>
      ) : null}
    </li>
  );
}

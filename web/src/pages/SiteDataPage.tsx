import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'wouter';
import { request } from '../api/client';
import { DeleteSiteDataMutation, JobQuery, RequestExportMutation, SiteNameQuery } from '../api/documents';
import { retryOnce, useAction } from '../api/hooks';
import { ActionErrors, ErrorBox } from '../components/ErrorBox';
import { TextField } from '../components/Field';
import { Loading } from '../components/Loading';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { dayIn, isDay, lastDays } from '../lib/dates';
import { formatDateTime, formatPercent, titleCase } from '../lib/format';
import { addJobId, describeResult, downloadLabel, loadJobIds, TERMINAL } from '../lib/jobs';
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
  const [jobs, setJobs] = useState(() => loadJobIds(siteId));
  const track = (id: string) => setJobs(addJobId(siteId, id));
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
          <ExportSection siteId={site.id} timezone={site.timezone} onJob={track} />
          <DeleteSection siteId={site.id} domain={site.domain} onJob={track} />
          <JobsSection jobIds={jobs} />
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

function ExportSection({ siteId, timezone, onJob }: { siteId: string; timezone: string; onJob: (id: string) => void }) {
  const initial = lastDays(dayIn(new Date(), timezone), 30);
  const [from, setFrom] = useState(initial.from);
  const [to, setTo] = useState(initial.to);
  const [local, setLocal] = useState<string | undefined>();
  const action = useAction((v: { siteId: string; range: { from: string; to: string } }) => request(RequestExportMutation, v), {
    fields: ['range'],
    onSuccess: (data) => onJob(data.requestExport),
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

function DeleteSection({ siteId, domain, onJob }: { siteId: string; domain: string; onJob: (id: string) => void }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [visitorId, setVisitorId] = useState('');
  const [local, setLocal] = useState<string | undefined>();
  const [confirming, setConfirming] = useState(false);
  const action = useAction(
    (v: { siteId: string; range: { from: string; to: string } | null; visitorId: string | null }) => request(DeleteSiteDataMutation, v),
    {
      fields: ['range', 'visitorId'],
      onSuccess: (data) => {
        setConfirming(false);
        onJob(data.deleteSiteData);
      },
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

function JobsSection({ jobIds }: { jobIds: string[] }) {
  return (
    <section className="card section" aria-labelledby="jobs-heading">
      <h2 id="jobs-heading">Requests</h2>
      {jobIds.length === 0 ? (
        <p className="muted">Exports and deletions you request here show their progress below.</p>
      ) : (
        <ul className="jobs">
          {jobIds.map((id) => (
            <JobRow key={id} id={id} />
          ))}
        </ul>
      )}
    </section>
  );
}

function JobRow({ id }: { id: string }) {
  const q = useQuery({
    queryKey: ['job', id],
    queryFn: async () => (await request(JobQuery, { id })).job,
    retry: retryOnce,
    refetchInterval: (query) => (query.state.data && TERMINAL.has(query.state.data.status) ? false : 2000),
  });
  if (q.isPending)
    return (
      <li className="job">
        <Loading lines={1} />
      </li>
    );
  if (q.isError)
    return (
      <li className="job">
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      </li>
    );
  const job = q.data;
  const kind = job.kind === 'EXPORT' ? 'Export' : 'Deletion';
  const result = describeResult(job.result);
  return (
    <li className="job">
      <div className="job-head">
        <strong>{kind}</strong> <span className={`badge status-${job.status.toLowerCase()}`}>{titleCase(job.status)}</span>
        <span className="muted"> requested {formatDateTime(job.createdAt)}</span>
      </div>
      {!TERMINAL.has(job.status) ? (
        <div className="progress-row">
          <progress max={1} value={job.progress} aria-label={`${kind} progress`} />
          <span>{formatPercent(job.progress)}</span>
        </div>
      ) : null}
      {job.error ? <p className="field-error">Last failure: {job.error}</p> : null}
      {result ? <p className="muted">{result}</p> : null}
      {job.downloadUrls.length > 0 ? (
        <ul className="downloads">
          {job.downloadUrls.map((u) => (
            <li key={u}>
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

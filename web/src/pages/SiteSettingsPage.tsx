import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import { request } from '../api/client';
import {
  AddEmailRecipientMutation,
  CreateGoalMutation,
  CreateShareLinkMutation,
  DeleteGoalMutation,
  DeleteShareLinkMutation,
  DeleteSiteMutation,
  DeleteTrafficAlertMutation,
  InstallationQuery,
  RemoveEmailRecipientMutation,
  SetTrafficAlertMutation,
  SiteSettingsFields,
  UpdateEmailRecipientMutation,
  UpdateSiteMutation,
} from '../api/documents';
import { readFragment, type ResultOf, type VariablesOf } from '../api/graphql';
import { retryOnce, useAction, type ActionState } from '../api/hooks';
import { siteSettingsKey, siteSettingsQuery, teamQuery, type SiteSettingsData } from '../api/settingsQueries';
import { ConfirmDelete } from '../components/ConfirmDelete';
import { CopyButton } from '../components/CopyButton';
import { ActionErrors, ErrorBox } from '../components/ErrorBox';
import { CheckboxField, SelectField, TextField } from '../components/Field';
import { Loading } from '../components/Loading';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { addDays, browserTimeZone, dayIn, timeZones } from '../lib/dates';
import { formatDate, formatDateTime, formatDays, formatNumber } from '../lib/format';
import { CURRENCIES, describeGoal, GOAL_KINDS, goalInput, type GoalForm } from '../lib/goals';
import {
  ALERT_KINDS,
  alertAction,
  alertForm,
  EMAIL_KINDS,
  EMPTY_RECIPIENT,
  MAX_EVERY_HOURS,
  memberSuggestions,
  noKind,
  recipientInput,
  type AlertForm,
  type EmailKinds,
  type RecipientForm,
} from '../lib/notifications';
import { can } from '../lib/permissions';
import { parsePropertyKeys, propertyKeysText } from '../lib/propertyKeys';
import { paths } from '../lib/routes';
import { embedCode, expiryInput, localDateTime, parseOrigins } from '../lib/share';
import { buildSnippet, defaultSnippetOptions, type SnippetOptions } from '../lib/snippet';

type Site = ResultOf<typeof SiteSettingsFields>;
type SiteInput = VariablesOf<typeof UpdateSiteMutation>['input'];
type Plan = SiteSettingsData['organization']['plan'];
type Goal = SiteSettingsData['site']['goals'][number];
type ShareLink = NonNullable<SiteSettingsData['site']['shareLinks']>[number];
type ShareLinkInput = VariablesOf<typeof CreateShareLinkMutation>['input'];
type Recipient = NonNullable<SiteSettingsData['site']['emailRecipients']>[number];
type RecipientInput = VariablesOf<typeof AddEmailRecipientMutation>['input'];
type TrafficAlert = NonNullable<SiteSettingsData['site']['trafficAlerts']>[number];

/**
 * The page's one query (SiteSettings: the settings, the goals and, for
 * owners and admins, the share links, recipients and alerts), each section
 * reading its part (`select`): one request, one cache entry, whatever reads it.
 */
function useSiteSettings<T = SiteSettingsData>(siteId: string, select?: (data: SiteSettingsData) => T, enabled = true) {
  const org = useOrg();
  return useQuery({ ...siteSettingsQuery(siteId, org.id, org.viewerRole), select, enabled });
}

// The sections' parts of SiteSettings. The lists for owners and admins are
// asked for whenever their sections show (`manages`: the same role check).
const selectGoals = (d: SiteSettingsData) => d.site.goals;
const selectShareLinks = (d: SiteSettingsData) => d.site.shareLinks ?? [];
const selectNotifications = (d: SiteSettingsData) => ({
  emailRecipients: d.site.emailRecipients ?? [],
  trafficAlerts: d.site.trafficAlerts ?? [],
});

export function SiteSettingsPage() {
  const org = useOrg();
  const { site: siteId } = useParams<{ site: string }>();
  const q = useSiteSettings(siteId, undefined, can(org.viewerRole, 'readSites'));
  if (!can(org.viewerRole, 'readSites'))
    return (
      <>
        <PageHeader title="Site settings" />
        <p>Your role in {org.name} does not include sites.</p>
      </>
    );
  if (q.isPending)
    return (
      <>
        <PageHeader title="Site settings" />
        <Loading lines={6} />
      </>
    );
  // An error with no answer yet. (A refresh that failed, after a change,
  // keeps the page: the sections' lists show the error and a Retry.)
  if (q.data === undefined)
    return (
      <>
        <PageHeader title="Site settings" />
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      </>
    );
  const site = readFragment(SiteSettingsFields, q.data.site);
  return <Settings key={site.id} site={site} plan={q.data.organization.plan} />;
}

function Section({ title, id, anchor, children }: { title: string; id: string; anchor?: string; children: ReactNode }) {
  return (
    <section className="card section" aria-labelledby={id} id={anchor}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function Saved({ action }: { action: ActionState<SiteInput, unknown> }) {
  return (
    <span role="status" className="saved">
      {action.succeeded ? 'Saved' : ''}
    </span>
  );
}

function useSiteUpdate(siteId: string, fields: string[]) {
  const qc = useQueryClient();
  return useAction((input: SiteInput) => request(UpdateSiteMutation, { id: siteId, input }), {
    fields,
    invalidate: [['site', siteId]],
    onSuccess: () => qc.invalidateQueries({ queryKey: ['sites'] }),
  });
}

function Settings({ site, plan }: { site: Site; plan: Plan }) {
  const org = useOrg();
  const manage = can(org.viewerRole, 'manageSites');
  return (
    <>
      <PageHeader title={`Settings of ${site.name}`} docTitle={`Settings · ${site.name}`}>
        <Link href={paths.siteData(org.slug, site.id)}>Data and exports</Link>
      </PageHeader>
      <p className="mono muted">{site.domain}</p>
      <SnippetSection site={site} plan={plan} />
      <VerifySection site={site} />
      <GoalsSection site={site} manage={manage} />
      {manage ? (
        <>
          <ShareLinksSection site={site} />
          <EmailReportsSection site={site} />
          <TrafficAlertsSection site={site} />
          <GeneralSection site={site} />
          <HostnamesSection site={site} />
          <PrivacySection site={site} />
          <PropertyKeysSection site={site} />
          <RetentionSection site={site} plan={plan} />
          <RecordingsSection site={site} plan={plan} />
          <DeleteSection site={site} />
        </>
      ) : (
        <p>Only owners and admins can change this site's settings.</p>
      )}
    </>
  );
}

function SnippetSection({ site, plan }: { site: Site; plan: Plan }) {
  const [opts, setOpts] = useState<SnippetOptions>({ ...defaultSnippetOptions, requireConsent: site.requireConsent });
  const recordings = (plan.recordingRetentionDays ?? 0) > 0;
  const snippet = buildSnippet(site.domain, window.location.origin, opts);
  const toggle = (key: keyof SnippetOptions) => (e: { target: { checked: boolean } }) =>
    setOpts((o) => ({ ...o, [key]: e.target.checked }));
  return (
    <Section title="Tracking snippet" id="snippet-heading">
      <p>
        Put this tag in the <code>&lt;head&gt;</code> of every page of <strong>{site.domain}</strong>. It sets no cookies.
      </p>
      <fieldset className="options">
        <legend>Options</legend>
        <CheckboxField label="Hash-based routing (count changes of the URL hash as page views)" checked={opts.hash} onChange={toggle('hash')} />
        <CheckboxField label="Track outbound links" checked={opts.outboundLinks} onChange={toggle('outboundLinks')} />
        <CheckboxField
          label="Wait for consent (send nothing until the page calls trackr('consent', true))"
          checked={opts.requireConsent}
          onChange={toggle('requireConsent')}
        />
        <CheckboxField label="Heatmaps (report click positions)" checked={opts.heatmaps} onChange={toggle('heatmaps')} />
        <CheckboxField label="Also count visits from localhost" checked={opts.allowLocalhost} onChange={toggle('allowLocalhost')} />
        {!site.honorDnt ? (
          <CheckboxField
            label="Send even when the browser asks not to be tracked"
            hint="This site does not honor Do-Not-Track (see Privacy below); this makes the script send too."
            checked={opts.ignoreDnt}
            onChange={toggle('ignoreDnt')}
          />
        ) : null}
        {recordings ? (
          <CheckboxField
            label="Session recorder"
            hint={site.recordingsEnabled ? undefined : 'Turn recordings on below, too.'}
            checked={opts.recorder}
            onChange={toggle('recorder')}
          />
        ) : null}
      </fieldset>
      <pre className="snippet" aria-label="Script tag" tabIndex={0}>
        <code>{snippet}</code>
      </pre>
      <CopyButton text={snippet} label="Copy snippet" />
    </Section>
  );
}

const POLL_MS = 3000;

function VerifySection({ site }: { site: Site }) {
  const [checking, setChecking] = useState(false);
  const [verified, setVerified] = useState(false);
  const tz = site.timezone;
  const today = dayIn(new Date(), tz);
  const created = dayIn(new Date(site.createdAt), tz);
  const range = { from: addDays(created < today ? created : today, -1), to: addDays(today, 1) };
  const q = useQuery({
    queryKey: ['site', site.id, 'installation', range.from],
    queryFn: async () => (await request(InstallationQuery, { id: site.id, range })).site,
    enabled: checking,
    refetchInterval: checking && !verified ? POLL_MS : false,
    retry: retryOnce,
  });
  useEffect(() => {
    if (q.data && (q.data.stats.events > 0 || q.data.realtimeVisitors > 0)) {
      setVerified(true);
      setChecking(false);
    }
  }, [q.data]);
  const issues = q.data?.ingestIssues ?? [];
  return (
    <Section title="Installation" id="verify-heading">
      <div className="verify">
        {verified ? (
          <p className="success" role="status">
            <span aria-hidden="true">✓ </span>Installation verified
          </p>
        ) : checking ? (
          <p role="status" className="waiting">
            <span className="spinner" aria-hidden="true" />
            Waiting for the first event from {site.domain}… Open a page of your site that has the snippet.
          </p>
        ) : (
          <p>After adding the snippet, open a page of your site, then check that TrackR receives its events.</p>
        )}
        {!verified ? (
          checking ? (
            <button type="button" className="button secondary" onClick={() => setChecking(false)}>
              Stop checking
            </button>
          ) : (
            <button type="button" className="button primary" onClick={() => setChecking(true)}>
              Verify installation
            </button>
          )
        ) : null}
      </div>
      {q.isError && checking ? <ErrorBox error={q.error} onRetry={() => void q.refetch()} /> : null}
      {!verified && issues.length > 0 ? (
        <div className="notice">
          <h3>Refused events that look meant for this site</h3>
          <ul>
            {issues.map((i) => (
              <li key={i.kind}>
                {formatNumber(i.count)} from <span className="mono">{i.example}</span> (last at {formatDateTime(i.lastSeenAt)}): {i.hint}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </Section>
  );
}

/** The "Goals" section's anchor: the dashboard's Goals tab links here. */
const GOALS_ANCHOR = 'goals';

function GoalsSection({ site, manage }: { site: Site; manage: boolean }) {
  const q = useSiteSettings(site.id, selectGoals);
  // Opened from the dashboard's link (…/settings#goals): the history API
  // moved here without scrolling, so scroll once the list has its height.
  const scrolled = useRef(false);
  useEffect(() => {
    if (scrolled.current || q.isPending || window.location.hash !== `#${GOALS_ANCHOR}`) return;
    scrolled.current = true;
    document.getElementById(GOALS_ANCHOR)?.scrollIntoView();
  }, [q.isPending]);
  return (
    <Section title="Goals" id="goals-heading" anchor={GOALS_ANCHOR}>
      <p>
        A goal counts the visitors who view certain pages or send a certain custom event, and the revenue those events carry. The dashboard
        shows each goal's conversions in its Events panel, under Goals.
      </p>
      {q.isPending ? (
        <Loading lines={2} />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.length === 0 ? (
        <p className="muted">No goals yet.</p>
      ) : (
        <ul className="keys goals" aria-label="Goals">
          {q.data.map((g) => (
            <GoalItem key={g.id} goal={g} siteId={site.id} manage={manage} />
          ))}
        </ul>
      )}
      {manage ? <NewGoalForm siteId={site.id} /> : <p className="muted">Only owners and admins can add or delete goals.</p>}
    </Section>
  );
}

/** After a goal is added or deleted: the settings' list and every dashboard view (their goals and filters' names). */
const GOAL_QUERIES = (siteId: string) => [siteSettingsKey(siteId), ['dashboard']] as const;

function GoalItem({ goal, siteId, manage }: { goal: Goal; siteId: string; manage: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const remove = useAction((v: { id: string }) => request(DeleteGoalMutation, v), { invalidate: GOAL_QUERIES(siteId) });
  return (
    <li className="key goal" data-testid="goal" data-goal={goal.id}>
      <div>
        <strong>{goal.name}</strong>
        <div className="muted">
          {describeGoal(goal)} · added {formatDate(goal.createdAt)}
        </div>
      </div>
      {manage && !confirming ? (
        <div className="actions">
          <button type="button" className="button danger" onClick={() => setConfirming(true)} aria-label={`Delete goal ${goal.name}`}>
            Delete
          </button>
        </div>
      ) : null}
      {manage && confirming ? (
        <div className="goal-confirm">
          <ConfirmDelete
            expected={goal.name}
            what={`the goal “${goal.name}” (its events stay)`}
            buttonLabel="Delete goal"
            onConfirm={() => remove.run({ id: goal.id })}
            pending={remove.pending}
            errors={remove.errors}
            onRetry={remove.retry}
            onCancel={() => setConfirming(false)}
          />
        </div>
      ) : null}
    </li>
  );
}

const EMPTY_GOAL: GoalForm = { kind: 'page', name: '', pagePattern: '', eventName: '', currency: 'EUR' };

function NewGoalForm({ siteId }: { siteId: string }) {
  const [form, setForm] = useState<GoalForm>(EMPTY_GOAL);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [added, setAdded] = useState<string | null>(null);
  const action = useAction(
    (input: VariablesOf<typeof CreateGoalMutation>['input']) => request(CreateGoalMutation, { input }),
    {
      fields: ['name', 'pagePattern', 'eventName', 'currency'],
      invalidate: GOAL_QUERIES(siteId),
      onSuccess: (data) => {
        setAdded(data.createGoal.name);
        setForm((f) => ({ ...EMPTY_GOAL, kind: f.kind, currency: f.currency }));
      },
    },
  );
  const set = (key: keyof GoalForm) => (e: { target: { value: string } }) => {
    setForm((f) => ({ ...f, [key]: e.target.value }));
    setAdded(null);
  };
  function submit(e: FormEvent) {
    e.preventDefault();
    setAdded(null);
    const r = goalInput(form);
    setLocal(r.errors ?? {});
    if (r.input) action.run({ siteId, ...r.input });
  }
  // A duplicate name is a CONFLICT, not a field's BAD_USER_INPUT: it goes next to the name all the same.
  const conflict = action.errors.find((i) => i.code === 'CONFLICT');
  const conflictText = conflict ? conflict.message.charAt(0).toUpperCase() + conflict.message.slice(1) : undefined;
  const errorOf = (field: string) => local[field] ?? action.fieldErrors[field] ?? (field === 'name' ? conflictText : undefined);
  const kind = form.kind;
  return (
    <form onSubmit={submit} className="form goal-form" noValidate aria-labelledby="new-goal-heading">
      <h3 id="new-goal-heading">Add a goal</h3>
      <fieldset className="goal-kinds">
        <legend>Goal type</legend>
        {GOAL_KINDS.map((k) => (
          <label key={k.id}>
            <input
              type="radio"
              name="goal-kind"
              value={k.id}
              checked={kind === k.id}
              onChange={() => {
                setForm((f) => ({ ...f, kind: k.id }));
                // The errors were of the other kind's fields.
                setLocal({});
                action.reset();
                setAdded(null);
              }}
            />
            {k.label}
          </label>
        ))}
      </fieldset>
      {kind === 'page' ? (
        <TextField
          label="Page pattern"
          placeholder="/blog/*"
          spellCheck={false}
          autoComplete="off"
          maxLength={300}
          value={form.pagePattern}
          onChange={set('pagePattern')}
          hint={
            <>
              A path, from its leading <code>/</code>, matched whole. <code>*</code> stands for any characters except <code>/</code>:{' '}
              <code>/blog/*</code> matches <code>/blog/hello</code> but not <code>/blog/2026/hello</code>. <code>**</code> stands for any
              characters, <code>/</code> included: <code>/docs/**</code> matches every page under <code>/docs/</code>.
            </>
          }
          error={errorOf('pagePattern')}
        />
      ) : (
        <TextField
          label="Event name"
          placeholder="Signup"
          spellCheck={false}
          autoComplete="off"
          value={form.eventName}
          onChange={set('eventName')}
          hint={
            kind === 'revenue' ? (
              <>
                The custom event that carries the amount, as the page sends it:{' '}
                <code>trackr('Purchase', {'{'}revenue: {'{'}amount: 29, currency: 'EUR'{'}'}{'}'})</code>.
              </>
            ) : (
              <>
                The custom event's name, as the page sends it: <code>trackr('Signup')</code>.
              </>
            )
          }
          error={errorOf('eventName')}
        />
      )}
      {kind === 'revenue' ? (
        <SelectField
          label="Currency"
          hint="The dashboard shows the goal's revenue in this currency first; amounts sent in others are listed apart."
          value={form.currency}
          onChange={set('currency')}
          error={errorOf('currency')}
        >
          {CURRENCIES.map((c) => (
            <option key={c.code} value={c.code}>
              {c.code} · {c.name}
            </option>
          ))}
        </SelectField>
      ) : null}
      <TextField
        label="Name (optional)"
        maxLength={100}
        value={form.name}
        onChange={set('name')}
        hint={kind === 'page' ? 'Shown on the dashboard. Defaults to “Visit <pattern>”.' : "Shown on the dashboard. Defaults to the event's name."}
        error={errorOf('name')}
      />
      <ActionErrors action={{ errors: action.errors.filter((i) => i !== conflict), retry: action.retry }} />
      <div className="actions">
        <button type="submit" className="button primary" disabled={action.pending}>
          Add goal
        </button>
        <span role="status" className="saved">
          {added ? `Goal “${added}” added` : ''}
        </span>
      </div>
    </form>
  );
}

/** The "Share links" section's anchor. */
const SHARE_LINKS_ANCHOR = 'share-links';

/** After a share link is added or deleted: the page's query, which lists them. */
const SHARE_LINK_QUERIES = (siteId: string) => [siteSettingsKey(siteId)] as const;

/** A site's share links (owners and admins): its dashboard, read-only, for whoever holds one. */
function ShareLinksSection({ site }: { site: Site }) {
  const q = useSiteSettings(site.id, selectShareLinks);
  return (
    <Section title="Share links" id="share-links-heading" anchor={SHARE_LINKS_ANCHOR}>
      <p>
        A share link opens this site's dashboard, read-only, to whoever has it (and its password, when it has one): the reports, not the
        settings, recordings, heatmaps or segments. Deleting a link shuts it at once.
      </p>
      <p className="hint">
        To show the dashboard in a frame on another site, add <code>?embed=true</code> to the link (each link's embed code does);{' '}
        <code>theme=light</code>, <code>dark</code> or <code>auto</code> (the visitor's) and <code>background=transparent</code> or a
        colour such as <code>background=f5f6f8</code> set its look.
      </p>
      {q.isPending ? (
        <Loading lines={2} />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.length === 0 ? (
        <p className="muted">No share links yet.</p>
      ) : (
        <ul className="keys share-links" aria-label="Share links">
          {q.data.map((link) => (
            <ShareLinkItem key={link.id} link={link} siteId={site.id} />
          ))}
        </ul>
      )}
      <NewShareLinkForm siteId={site.id} />
    </Section>
  );
}

function ShareLinkItem({ link, siteId }: { link: ShareLink; siteId: string }) {
  const [confirming, setConfirming] = useState(false);
  const remove = useAction((v: { id: string }) => request(DeleteShareLinkMutation, v), { invalidate: SHARE_LINK_QUERIES(siteId) });
  const code = embedCode(link.url, link.name);
  const expired = link.expiresAt !== null && new Date(link.expiresAt).getTime() <= Date.now();
  return (
    <li className="key share-link" data-testid="share-link" data-name={link.name}>
      <div className="share-link-body">
        <strong>{link.name}</strong>
        {expired ? <span className="badge">Expired</span> : null}
        <div className="share-url">
          <code className="mono" data-testid="share-link-url">
            {link.url}
          </code>
          <CopyButton text={link.url} label="Copy link" />
        </div>
        <dl className="share-facts">
          <div>
            <dt>Password</dt>
            <dd>{link.hasPassword ? 'Yes' : 'No'}</dd>
          </div>
          <div>
            <dt>Expires</dt>
            <dd>{link.expiresAt ? formatDateTime(link.expiresAt) : 'Never'}</dd>
          </div>
          <div>
            <dt>Allowed origins</dt>
            <dd className={link.allowedOrigins.length ? 'mono' : undefined}>
              {link.allowedOrigins.length ? link.allowedOrigins.join(', ') : 'Any site may embed it'}
            </dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatDate(link.createdAt)}</dd>
          </div>
        </dl>
        <details className="share-embed">
          <summary>Embed code</summary>
          <pre className="snippet" aria-label={`Embed code of ${link.name}`} tabIndex={0}>
            <code>{code}</code>
          </pre>
          <CopyButton text={code} label="Copy embed code" />
        </details>
      </div>
      {!confirming ? (
        <div className="actions">
          <button type="button" className="button danger" onClick={() => setConfirming(true)} aria-label={`Delete share link ${link.name}`}>
            Delete
          </button>
        </div>
      ) : (
        <div className="goal-confirm">
          <ConfirmDelete
            expected={link.name}
            what={`the share link “${link.name}” (whoever has it can no longer open the dashboard)`}
            buttonLabel="Delete share link"
            onConfirm={() => remove.run({ id: link.id })}
            pending={remove.pending}
            errors={remove.errors}
            onRetry={remove.retry}
            onCancel={() => setConfirming(false)}
          />
        </div>
      )}
    </li>
  );
}

interface ShareLinkForm {
  name: string;
  password: string;
  expiresAt: string;
  origins: string;
}

const EMPTY_SHARE_LINK: ShareLinkForm = { name: '', password: '', expiresAt: '', origins: '' };

/** The API's field messages start in lower case ("must be in the future"). */
function sentence(message: string | undefined): string | undefined {
  return message ? message.charAt(0).toUpperCase() + message.slice(1) : undefined;
}

function NewShareLinkForm({ siteId }: { siteId: string }) {
  const [form, setForm] = useState<ShareLinkForm>(EMPTY_SHARE_LINK);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [added, setAdded] = useState<string | null>(null);
  const action = useAction((input: ShareLinkInput) => request(CreateShareLinkMutation, { input }), {
    fields: ['name', 'password', 'expiresAt', 'allowedOrigins'],
    invalidate: SHARE_LINK_QUERIES(siteId),
    onSuccess: (data) => {
      setAdded(data.createShareLink.name);
      setForm(EMPTY_SHARE_LINK);
    },
  });
  const set = (key: keyof ShareLinkForm) => (e: { target: { value: string } }) => {
    setForm((f) => ({ ...f, [key]: e.target.value }));
    setAdded(null);
  };
  function submit(e: FormEvent) {
    e.preventDefault();
    setAdded(null);
    const expiresAt = expiryInput(form.expiresAt);
    if (expiresAt === null) {
      setLocal({ expiresAt: 'Enter a date and a time, or leave it empty.' });
      return;
    }
    setLocal({});
    action.run({
      siteId,
      name: form.name.trim() || null,
      password: form.password === '' ? null : form.password,
      expiresAt: expiresAt ?? null,
      allowedOrigins: parseOrigins(form.origins),
    });
  }
  // A name already taken is a CONFLICT, not a field's BAD_USER_INPUT: it goes next to the name all the same.
  const conflict = action.errors.find((i) => i.code === 'CONFLICT');
  const errorOf = (field: string) => local[field] ?? sentence(action.fieldErrors[field] ?? (field === 'name' ? conflict?.message : undefined));
  const originsError = errorOf('allowedOrigins');
  return (
    <form onSubmit={submit} className="form goal-form" noValidate aria-labelledby="new-share-link-heading">
      <h3 id="new-share-link-heading">Add a share link</h3>
      <TextField
        label="Name (optional)"
        maxLength={120}
        autoComplete="off"
        value={form.name}
        onChange={set('name')}
        hint="Shown at the top of the shared dashboard. Defaults to “Shared dashboard”."
        error={errorOf('name')}
      />
      <TextField
        label="Password (optional)"
        type="password"
        autoComplete="new-password"
        maxLength={200}
        value={form.password}
        onChange={set('password')}
        hint="8 to 200 characters, asked once in each browser. Without one, the link alone opens the dashboard."
        error={errorOf('password')}
      />
      <TextField
        label="Expires (optional)"
        type="datetime-local"
        min={localDateTime(new Date())}
        value={form.expiresAt}
        onChange={set('expiresAt')}
        hint="In your time zone. The link stops opening then; empty, it never expires."
        error={errorOf('expiresAt')}
      />
      <div className="field">
        <label htmlFor="share-link-origins">Allowed origins (optional)</label>
        <textarea
          id="share-link-origins"
          rows={3}
          spellCheck={false}
          placeholder="https://example.com"
          value={form.origins}
          onChange={set('origins')}
          aria-invalid={originsError ? true : undefined}
          aria-describedby={`share-link-origins-hint${originsError ? ' share-link-origins-error' : ''}`}
        />
        <p className="hint" id="share-link-origins-hint">
          The sites whose pages may show the dashboard in a frame, one a line, such as <code>https://example.com</code>; at most 10.
          Empty, any site may.
        </p>
        {originsError ? (
          <p className="field-error" id="share-link-origins-error">
            {originsError}
          </p>
        ) : null}
      </div>
      <ActionErrors action={{ errors: action.errors.filter((i) => i !== conflict), retry: action.retry }} />
      <div className="actions">
        <button type="submit" className="button primary" disabled={action.pending}>
          Add share link
        </button>
        <span role="status" className="saved">
          {added ? `Share link “${added}” added` : ''}
        </span>
      </div>
    </form>
  );
}

/** The "Email reports and alerts" and "Traffic alerts" sections' anchors. */
const EMAIL_REPORTS_ANCHOR = 'email-reports';
const TRAFFIC_ALERTS_ANCHOR = 'traffic-alerts';

/** After a recipient or an alert changes: the page's query, which lists the site's email recipients and traffic alerts. */
const NOTIFICATION_QUERIES = (siteId: string) => [siteSettingsKey(siteId)] as const;

function useNotifications(siteId: string) {
  return useSiteSettings(siteId, selectNotifications);
}

/** Who hears from TrackR about the site (owners and admins): weekly and monthly reports, traffic alerts. */
function EmailReportsSection({ site }: { site: Site }) {
  const q = useNotifications(site.id);
  return (
    <Section title="Email reports and alerts" id="email-reports-heading" anchor={EMAIL_REPORTS_ANCHOR}>
      <p>
        A weekly report covers Monday to Sunday, a monthly one the calendar month, in the site's time zone ({site.timezone}); each is sent
        once its period ends. Traffic alerts are set below.
      </p>
      <p className="hint">
        An address receives nothing until it confirms through the link emailed to it. Each email has a one-click unsubscribe link that
        stops that kind of email for that address.
      </p>
      {q.isPending ? (
        <Loading lines={2} />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.emailRecipients.length === 0 ? (
        <p className="muted">No recipients yet.</p>
      ) : (
        <ul className="keys recipients" aria-label="Email recipients">
          {q.data.emailRecipients.map((r) => (
            <RecipientItem key={r.id} recipient={r} siteId={site.id} />
          ))}
        </ul>
      )}
      <NewRecipientForm siteId={site.id} listed={q.data?.emailRecipients.map((r) => r.email) ?? []} />
    </Section>
  );
}

function RecipientItem({ recipient, siteId }: { recipient: Recipient; siteId: string }) {
  // 'empty': the last kind was unticked, which would leave the address nothing: remove it instead?
  const [confirming, setConfirming] = useState<'remove' | 'empty' | null>(null);
  // The kinds as ticked while their update is on its way.
  const [draft, setDraft] = useState<EmailKinds | null>(null);
  const update = useAction((v: { id: string; input: EmailKinds }) => request(UpdateEmailRecipientMutation, v), {
    invalidate: NOTIFICATION_QUERIES(siteId),
  });
  const remove = useAction((v: { id: string }) => request(RemoveEmailRecipientMutation, v), { invalidate: NOTIFICATION_QUERIES(siteId) });
  const shown: EmailKinds = draft ?? { weekly: recipient.weekly, monthly: recipient.monthly, alerts: recipient.alerts };
  function toggle(kind: keyof EmailKinds, checked: boolean) {
    const next = { ...shown, [kind]: checked };
    if (noKind(next)) {
      update.reset();
      setConfirming('empty');
      return;
    }
    setConfirming(null);
    setDraft(next);
    update
      .runAsync({ id: recipient.id, input: next })
      // Shown by the item (useAction's errors); the boxes go back to what the server has.
      .catch(() => undefined)
      .finally(() => setDraft(null));
  }
  return (
    <li className="key recipient" data-testid="email-recipient" data-email={recipient.email}>
      <div className="recipient-body">
        <fieldset className="recipient-kinds">
          <legend>
            <strong className="recipient-email">{recipient.email}</strong>
            {!recipient.confirmed ? (
              <span className="badge" data-testid="recipient-pending">
                Confirmation pending
              </span>
            ) : null}
          </legend>
          {EMAIL_KINDS.map((k) => (
            <CheckboxField
              key={k.id}
              label={k.label}
              checked={shown[k.id]}
              disabled={update.pending || remove.pending}
              onChange={(e) => toggle(k.id, e.target.checked)}
            />
          ))}
        </fieldset>
        <div className="muted">
          Added {formatDate(recipient.createdAt)}
          {recipient.confirmed ? '' : ' · receives nothing until it confirms through the link emailed to it'}
          {noKind(recipient) ? ' · receives none of these emails' : ''}{' '}
          <span role="status" className="saved">
            {update.succeeded && !draft ? 'Saved' : ''}
          </span>
        </div>
      </div>
      {!confirming ? (
        <div className="actions">
          <button type="button" className="button danger" onClick={() => setConfirming('remove')} aria-label={`Remove ${recipient.email}`}>
            Remove
          </button>
        </div>
      ) : null}
      <ActionErrors action={update} />
      {confirming ? (
        <div className="goal-confirm">
          {confirming === 'empty' ? (
            <p role="status">With no email ticked, {recipient.email} would receive nothing: remove it instead?</p>
          ) : null}
          <ConfirmDelete
            expected={recipient.email}
            what={`${recipient.email} from this site's emails`}
            buttonLabel="Remove recipient"
            onConfirm={() => remove.run({ id: recipient.id })}
            pending={remove.pending}
            errors={remove.errors}
            onRetry={remove.retry}
            onCancel={() => setConfirming(null)}
          />
        </div>
      ) : null}
    </li>
  );
}

function NewRecipientForm({ siteId, listed }: { siteId: string; listed: string[] }) {
  const org = useOrg();
  const [form, setForm] = useState<RecipientForm>(EMPTY_RECIPIENT);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [sentTo, setSentTo] = useState<string | null>(null);
  // The members' addresses, to pick from (the team page's query: its cache
  // is shared). Asked for once the address field is first focused, not with
  // the page: until then, those the team page may have left in the cache.
  const [wantTeam, setWantTeam] = useState(false);
  const team = useQuery({ ...teamQuery(org.id), enabled: wantTeam });
  const suggestions = memberSuggestions(team.data?.members.map((m) => m.user.email) ?? [], listed);
  // Until the members are known, expect some to suggest (an address field
  // focused then lists them as they come).
  const suggesting = team.data === undefined ? !team.isError : suggestions.length > 0;
  const action = useAction((input: RecipientInput) => request(AddEmailRecipientMutation, { input }), {
    fields: ['email', 'weekly'],
    invalidate: NOTIFICATION_QUERIES(siteId),
    onSuccess: (data) => {
      setSentTo(data.addEmailRecipient.email);
      setForm(EMPTY_RECIPIENT);
    },
  });
  const setEmail = (e: { target: { value: string } }) => {
    setForm((f) => ({ ...f, email: e.target.value }));
    setSentTo(null);
  };
  const setKind = (kind: keyof EmailKinds) => (e: { target: { checked: boolean } }) => {
    setForm((f) => ({ ...f, [kind]: e.target.checked }));
    setSentTo(null);
  };
  function submit(e: FormEvent) {
    e.preventDefault();
    setSentTo(null);
    const r = recipientInput(form);
    setLocal(r.errors ?? {});
    if (r.input) action.run({ siteId, ...r.input });
  }
  // An address already listed is a CONFLICT, not a field's BAD_USER_INPUT: it goes next to the address all the same.
  const conflict = action.errors.find((i) => i.code === 'CONFLICT');
  const errorOf = (field: string) => local[field] ?? sentence(action.fieldErrors[field] ?? (field === 'email' ? conflict?.message : undefined));
  const kindsError = errorOf('weekly');
  return (
    <form onSubmit={submit} className="form goal-form" noValidate aria-labelledby="new-recipient-heading">
      <h3 id="new-recipient-heading">Add a recipient</h3>
      <TextField
        label="Email address"
        type="email"
        autoComplete="off"
        spellCheck={false}
        maxLength={254}
        list={suggestions.length ? 'recipient-suggestions' : undefined}
        value={form.email}
        onChange={setEmail}
        onFocus={() => setWantTeam(true)}
        hint={suggesting ? "A member's address (suggested as you type) or anyone's." : "A member's address or anyone's."}
        error={errorOf('email')}
      />
      {suggestions.length ? (
        <datalist id="recipient-suggestions">
          {suggestions.map((email) => (
            <option key={email} value={email} />
          ))}
        </datalist>
      ) : null}
      <fieldset className="recipient-kinds" aria-describedby={kindsError ? 'recipient-kinds-error' : undefined}>
        <legend>Emails to send</legend>
        {EMAIL_KINDS.map((k) => (
          <CheckboxField key={k.id} label={k.label} checked={form[k.id]} onChange={setKind(k.id)} />
        ))}
      </fieldset>
      {kindsError ? (
        <p className="field-error" id="recipient-kinds-error">
          {kindsError}
        </p>
      ) : null}
      <ActionErrors action={{ errors: action.errors.filter((i) => i !== conflict), retry: action.retry }} />
      <div className="actions">
        <button type="submit" className="button primary" disabled={action.pending}>
          Add recipient
        </button>
        <span role="status" className="saved" data-testid="recipient-note">
          {sentTo ? `A confirmation email was sent to ${sentTo}.` : ''}
        </span>
      </div>
    </form>
  );
}

/** A site's traffic alerts (owners and admins): a spike, a silence; each emailed to the recipients with alerts ticked. */
function TrafficAlertsSection({ site }: { site: Site }) {
  const q = useNotifications(site.id);
  const alerting = q.data?.emailRecipients.filter((r) => r.alerts) ?? [];
  return (
    <Section title="Traffic alerts" id="traffic-alerts-heading" anchor={TRAFFIC_ALERTS_ANCHOR}>
      <p>
        An alert is emailed to the recipients above who have “Traffic alerts” ticked, at most once in the number of hours you choose.
      </p>
      {q.isPending ? (
        <Loading lines={3} />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <>
          {alerting.length === 0 ? (
            <p className="notice">No recipient has “Traffic alerts” ticked yet: alerts would reach nobody.</p>
          ) : !alerting.some((r) => r.confirmed) ? (
            <p className="notice">No recipient with “Traffic alerts” ticked has confirmed yet: alerts reach nobody until one does.</p>
          ) : null}
          {ALERT_KINDS.map((k) => (
            <TrafficAlertForm key={k.kind} siteId={site.id} kind={k} alert={q.data.trafficAlerts.find((a) => a.kind === k.kind) ?? null} />
          ))}
        </>
      )}
    </Section>
  );
}

type AlertSave = { action: 'set'; threshold: number; everyHours: number } | { action: 'delete' };

function TrafficAlertForm({ siteId, kind, alert }: { siteId: string; kind: (typeof ALERT_KINDS)[number]; alert: TrafficAlert | null }) {
  const [form, setForm] = useState<AlertForm>(() => alertForm(kind.kind, alert));
  const [local, setLocal] = useState<Record<string, string>>({});
  const action = useAction(
    (v: AlertSave): Promise<unknown> =>
      v.action === 'set'
        ? request(SetTrafficAlertMutation, { input: { siteId, kind: kind.kind, threshold: v.threshold, everyHours: v.everyHours } })
        : request(DeleteTrafficAlertMutation, { siteId, kind: kind.kind }),
    { fields: ['threshold', 'everyHours'], invalidate: NOTIFICATION_QUERIES(siteId) },
  );
  const set = (key: 'threshold' | 'everyHours') => (e: { target: { value: string } }) => {
    setForm((f) => ({ ...f, [key]: e.target.value }));
    action.reset();
  };
  function submit(e: FormEvent) {
    e.preventDefault();
    const r = alertAction(kind.kind, form);
    setLocal(r.errors ?? {});
    if (r.action === 'set') action.run({ action: 'set', threshold: r.threshold, everyHours: r.everyHours });
    else if (r.action === 'delete') action.run({ action: 'delete' });
  }
  const id = `traffic-alert-${kind.kind.toLowerCase()}`;
  const errorOf = (field: string) => local[field] ?? sentence(action.fieldErrors[field]);
  return (
    <form onSubmit={submit} className="form goal-form traffic-alert" noValidate aria-labelledby={`${id}-heading`} data-testid="traffic-alert" data-kind={kind.kind}>
      <h3 id={`${id}-heading`}>{kind.title}</h3>
      <p className="alert-explanation">{kind.explanation}</p>
      <CheckboxField
        role="switch"
        label={kind.switchLabel}
        checked={form.enabled}
        onChange={(e) => {
          const enabled = e.target.checked;
          setForm((f) => ({ ...f, enabled }));
          setLocal({});
          action.reset();
        }}
      />
      <div className="row">
        <TextField
          label={kind.thresholdLabel}
          type="number"
          inputMode="numeric"
          min={1}
          max={kind.max}
          disabled={!form.enabled}
          value={form.threshold}
          onChange={set('threshold')}
          hint={kind.thresholdHint}
          error={errorOf('threshold')}
        />
        <TextField
          label="At most once every (hours)"
          type="number"
          inputMode="numeric"
          min={1}
          max={MAX_EVERY_HOURS}
          disabled={!form.enabled}
          value={form.everyHours}
          onChange={set('everyHours')}
          hint={`1 to ${MAX_EVERY_HOURS} (30 days).`}
          error={errorOf('everyHours')}
        />
      </div>
      {alert ? (
        <p className="muted" data-testid="alert-last-fired">
          {alert.lastFiredAt ? `Last sent ${formatDateTime(alert.lastFiredAt)}.` : 'Not sent yet.'}
        </p>
      ) : null}
      <ActionErrors action={action} />
      <div className="actions">
        <button type="submit" className="button primary" disabled={action.pending}>
          {kind.saveLabel}
        </button>
        <span role="status" className="saved">
          {action.succeeded ? 'Saved' : ''}
        </span>
      </div>
    </form>
  );
}

function GeneralSection({ site }: { site: Site }) {
  const [name, setName] = useState(site.name);
  const [timezone, setTimezone] = useState(site.timezone);
  const zones = useMemo(() => timeZones([site.timezone, browserTimeZone()]), [site.timezone]);
  const action = useSiteUpdate(site.id, ['name', 'timezone']);
  function submit(e: FormEvent) {
    e.preventDefault();
    action.run({ name: name.trim(), timezone });
  }
  return (
    <Section title="General" id="general-heading">
      <form onSubmit={submit} className="form" noValidate>
        <TextField label="Site name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} error={action.fieldErrors.name} />
        <SelectField
          label="Time zone"
          hint="Reports count days in this time zone. Changing it rebuilds the daily reports."
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
        <div className="actions">
          <button type="submit" className="button primary" disabled={action.pending}>
            Save general settings
          </button>
          <Saved action={action} />
        </div>
      </form>
    </Section>
  );
}

function HostnamesSection({ site }: { site: Site }) {
  const [text, setText] = useState(site.allowedHostnames.join('\n'));
  const action = useSiteUpdate(site.id, ['allowedHostnames']);
  function submit(e: FormEvent) {
    e.preventDefault();
    const list = text
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    action.run({ allowedHostnames: list });
  }
  const err = action.fieldErrors.allowedHostnames;
  return (
    <Section title="Allowed hostnames" id="hostnames-heading">
      <form onSubmit={submit} className="form" noValidate>
        <div className="field">
          <label htmlFor="allowed-hostnames">Other hostnames whose pages count for this site</label>
          <textarea
            id="allowed-hostnames"
            rows={4}
            spellCheck={false}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={err ? true : undefined}
            aria-describedby={`allowed-hostnames-hint${err ? ' allowed-hostnames-error' : ''}`}
          />
          <p className="hint" id="allowed-hostnames-hint">
            One per line, at most 50. {site.domain} and its subdomains always count; a hostname listed here counts exactly
            (not its subdomains).
          </p>
          {err ? (
            <p className="field-error" id="allowed-hostnames-error">
              {err}
            </p>
          ) : null}
        </div>
        <ActionErrors action={action} />
        <div className="actions">
          <button type="submit" className="button primary" disabled={action.pending}>
            Save allowed hostnames
          </button>
          <Saved action={action} />
        </div>
      </form>
    </Section>
  );
}

function PrivacySection({ site }: { site: Site }) {
  const [honorDnt, setHonorDnt] = useState(site.honorDnt);
  const [requireConsent, setRequireConsent] = useState(site.requireConsent);
  const action = useSiteUpdate(site.id, ['honorDnt', 'requireConsent']);
  function submit(e: FormEvent) {
    e.preventDefault();
    action.run({ honorDnt, requireConsent });
  }
  return (
    <Section title="Privacy" id="privacy-heading">
      <form onSubmit={submit} className="form" noValidate>
        <CheckboxField
          label="Honor Do-Not-Track"
          hint="Drop events and recordings from browsers that send Do-Not-Track or Global Privacy Control."
          checked={honorDnt}
          onChange={(e) => setHonorDnt(e.target.checked)}
          error={action.fieldErrors.honorDnt}
        />
        <CheckboxField
          label="Require consent"
          hint="Drop everything until the page calls trackr('consent', true)."
          checked={requireConsent}
          onChange={(e) => setRequireConsent(e.target.checked)}
          error={action.fieldErrors.requireConsent}
        />
        <ActionErrors action={action} />
        <div className="actions">
          <button type="submit" className="button primary" disabled={action.pending}>
            Save privacy settings
          </button>
          <Saved action={action} />
        </div>
      </form>
    </Section>
  );
}

/** The custom-property keys kept at ingestion (`allowedPropertyKeys`): a guard against personal data sent as a property. */
function PropertyKeysSection({ site }: { site: Site }) {
  const [text, setText] = useState(propertyKeysText(site.allowedPropertyKeys));
  const action = useSiteUpdate(site.id, ['allowedPropertyKeys']);
  function submit(e: FormEvent) {
    e.preventDefault();
    action
      .runAsync({ allowedPropertyKeys: parsePropertyKeys(text) })
      // The list as the server keeps it (repeats dropped).
      .then((r) => setText(propertyKeysText(readFragment(SiteSettingsFields, r.updateSite).allowedPropertyKeys)))
      // Shown by the form (useAction's errors).
      .catch(() => undefined);
  }
  const err = action.fieldErrors.allowedPropertyKeys;
  return (
    <Section title="Custom properties" id="property-keys-heading">
      <form onSubmit={submit} className="form" noValidate>
        <div className="field">
          <label htmlFor="allowed-property-keys">Custom properties to keep</label>
          <textarea
            id="allowed-property-keys"
            rows={4}
            spellCheck={false}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={err ? true : undefined}
            aria-describedby={`allowed-property-keys-hint${err ? ' allowed-property-keys-error' : ''}`}
          />
          <p className="hint" id="allowed-property-keys-hint">
            Leave empty to keep all; other keys are dropped before an event is stored. One key a line, or separated by commas; at
            most 100.
          </p>
          {err ? (
            <p className="field-error" id="allowed-property-keys-error">
              {err}
            </p>
          ) : null}
        </div>
        <ActionErrors action={action} />
        <div className="actions">
          <button type="submit" className="button primary" disabled={action.pending}>
            Save custom properties
          </button>
          <Saved action={action} />
        </div>
      </form>
    </Section>
  );
}

function RetentionSection({ site, plan }: { site: Site; plan: Plan }) {
  const [days, setDays] = useState(site.retentionOverrideDays?.toString() ?? '');
  const [local, setLocal] = useState<string | undefined>();
  const action = useSiteUpdate(site.id, ['retentionOverrideDays']);
  function submit(e: FormEvent) {
    e.preventDefault();
    const t = days.trim();
    if (t === '') {
      setLocal(undefined);
      action.run({ retentionOverrideDays: null });
      return;
    }
    const n = Number(t);
    if (!Number.isInteger(n) || n < 1 || n > plan.retentionDays) {
      setLocal(`Enter a whole number of days from 1 to ${plan.retentionDays}, or leave it empty.`);
      return;
    }
    setLocal(undefined);
    action.run({ retentionOverrideDays: n });
  }
  return (
    <Section title="Data retention" id="retention-heading">
      <p>
        Your {plan.name} plan keeps data for at most <strong>{formatDays(plan.retentionDays)}</strong>. This site keeps it for{' '}
        <strong>{formatDays(site.retentionDays)}</strong>.
      </p>
      <form onSubmit={submit} className="form" noValidate>
        <TextField
          label="Keep data for (days)"
          type="number"
          inputMode="numeric"
          min={1}
          max={plan.retentionDays}
          hint={`1 to ${plan.retentionDays}. Leave empty to keep data as long as the plan allows. Older data is deleted.`}
          value={days}
          onChange={(e) => setDays(e.target.value)}
          error={local ?? action.fieldErrors.retentionOverrideDays}
        />
        <ActionErrors action={action} />
        <div className="actions">
          <button type="submit" className="button primary" disabled={action.pending}>
            Save retention
          </button>
          <Saved action={action} />
        </div>
      </form>
    </Section>
  );
}

function RecordingsSection({ site, plan }: { site: Site; plan: Plan }) {
  const org = useOrg();
  const [enabled, setEnabled] = useState(site.recordingsEnabled);
  const [rate, setRate] = useState(String(Math.round(site.recordingSampleRate * 100)));
  const [maxSeconds, setMaxSeconds] = useState(String(site.recordingMaxSeconds));
  const [maskAll, setMaskAll] = useState(site.recordingMaskAllText);
  const [local, setLocal] = useState<Record<string, string>>({});
  const action = useSiteUpdate(site.id, ['recordingsEnabled', 'recordingSampleRate', 'recordingMaxSeconds', 'recordingMaskAllText']);
  const included = (plan.recordingRetentionDays ?? 0) > 0;
  if (!included) {
    return (
      <Section title="Session recordings" id="recordings-heading">
        <p>Session recordings are not included in the {plan.name} plan.</p>
        {can(org.viewerRole, 'billing') ? (
          <Link href={paths.billing(org.slug)} className="button primary">
            See plans with recordings
          </Link>
        ) : (
          <p>An owner or billing member can upgrade the plan.</p>
        )}
      </Section>
    );
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    const r = Number(rate);
    const m = Number(maxSeconds);
    if (!Number.isFinite(r) || r < 0 || r > 100) errs.recordingSampleRate = 'Enter a percentage from 0 to 100.';
    if (!Number.isInteger(m) || m < 10 || m > 14400) errs.recordingMaxSeconds = 'Enter a whole number of seconds from 10 to 14400.';
    setLocal(errs);
    if (Object.keys(errs).length) return;
    action.run({ recordingsEnabled: enabled, recordingSampleRate: r / 100, recordingMaxSeconds: m, recordingMaskAllText: maskAll });
  }
  return (
    <Section title="Session recordings" id="recordings-heading">
      <p>Your {plan.name} plan keeps recordings for {formatDays(plan.recordingRetentionDays ?? 0)}. Inputs are always masked.</p>
      <form onSubmit={submit} className="form" noValidate>
        <CheckboxField
          label="Record sessions"
          checked={enabled}
          onChange={(e) => setEnabled(e.target.checked)}
          error={action.fieldErrors.recordingsEnabled}
        />
        <TextField
          label="Share of page loads recorded (%)"
          type="number"
          inputMode="decimal"
          min={0}
          max={100}
          value={rate}
          onChange={(e) => setRate(e.target.value)}
          error={local.recordingSampleRate ?? action.fieldErrors.recordingSampleRate}
        />
        <TextField
          label="Longest recording (seconds)"
          type="number"
          inputMode="numeric"
          min={10}
          max={14400}
          value={maxSeconds}
          onChange={(e) => setMaxSeconds(e.target.value)}
          error={local.recordingMaxSeconds ?? action.fieldErrors.recordingMaxSeconds}
        />
        <CheckboxField
          label="Mask all text, not only inputs"
          checked={maskAll}
          onChange={(e) => setMaskAll(e.target.checked)}
          error={action.fieldErrors.recordingMaskAllText}
        />
        <ActionErrors action={action} />
        <div className="actions">
          <button type="submit" className="button primary" disabled={action.pending}>
            Save recording settings
          </button>
          <Saved action={action} />
        </div>
      </form>
    </Section>
  );
}

function DeleteSection({ site }: { site: Site }) {
  const org = useOrg();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const action = useAction((v: { id: string }) => request(DeleteSiteMutation, v), {
    onSuccess: async () => {
      qc.removeQueries({ queryKey: ['site', site.id] });
      await qc.invalidateQueries({ queryKey: ['sites'] });
      navigate(paths.sites(org.slug));
    },
  });
  return (
    <section className="card section danger-zone" aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete site</h2>
      <p>Deletes {site.domain} with all its analytics data, recordings and exports, at once. This cannot be undone.</p>
      <ConfirmDelete
        expected={site.domain}
        what={`${site.domain} and all its data`}
        buttonLabel="Delete site"
        onConfirm={() => action.run({ id: site.id })}
        pending={action.pending}
        errors={action.errors}
        onRetry={action.retry}
      />
    </section>
  );
}

// A site's funnels: /orgs/:org/sites/:site/funnels?funnel=<id>&period=30d.
// Loaded on demand (React.lazy in App.tsx). Lists the site's funnels, shows
// the chosen one over a range (each step a bar as long as its visitors,
// with its drop-off and conversion rate), and lets owners and admins add
// and delete funnels. Its state is the query string (lib/funnels.ts).
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { Link, useParams } from 'wouter';
import { request } from '../api/client';
import { CreateFunnelMutation, DeleteFunnelMutation, FunnelReportQuery, FunnelsSiteQuery } from '../api/funnelDocuments';
import type { ResultOf } from '../api/graphql';
import { retryOnce, useAction } from '../api/hooks';
import { ConfirmDelete } from '../components/ConfirmDelete';
import { ActionErrors, ErrorBox } from '../components/ErrorBox';
import { SelectField, TextField } from '../components/Field';
import { Loading } from '../components/Loading';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { formatRange, rangeOf, siteToday } from '../lib/dashboard';
import { formatNumber } from '../lib/format';
import {
  addStep,
  barPercent,
  describeStep,
  dropOffRate,
  EMPTY_STEP,
  FUNNEL_PERIODS,
  funnelInput,
  funnelStateToSearch,
  MAX_NAME,
  MAX_PATTERN,
  MAX_STEPS,
  MIN_STEPS,
  parseFunnelState,
  removeStep,
  stepOfError,
  formatRate,
  type FunnelState,
  type StepForm,
  type StepKind,
} from '../lib/funnels';
import { can } from '../lib/permissions';
import { paths } from '../lib/routes';
import { useUrlState } from '../lib/useUrlState';
import './FunnelsPage.css';

type Site = ResultOf<typeof FunnelsSiteQuery>['site'];
type Funnel = Site['funnels'][number];

const siteKey = (siteId: string) => ['funnelsSite', siteId] as const;

export default function FunnelsPage() {
  const org = useOrg();
  const { site: siteId } = useParams<{ site: string }>();
  const readable = can(org.viewerRole, 'readSites');
  const site = useQuery({
    queryKey: siteKey(siteId),
    queryFn: async () => (await request(FunnelsSiteQuery, { id: siteId })).site,
    retry: retryOnce,
    enabled: readable,
  });
  if (!readable || site.isPending || site.isError)
    return (
      <>
        <PageHeader title="Funnels" />
        {!readable ? (
          <p>Your role in {org.name} does not include reading sites and reports.</p>
        ) : site.isError ? (
          <ErrorBox error={site.error} onRetry={() => void site.refetch()} />
        ) : (
          <Loading label="Loading the funnels…" lines={4} />
        )}
      </>
    );
  return <Funnels site={site.data} orgSlug={org.slug} manage={can(org.viewerRole, 'manageSites')} />;
}

function Funnels({ site, orgSlug, manage }: { site: Site; orgSlug: string; manage: boolean }) {
  const [state, setState] = useUrlState(parseFunnelState, funnelStateToSearch);
  const id = useId();
  const today = siteToday(new Date(), site.timezone);
  const range = rangeOf(state, today)!;
  // Without one in the URL (or with one deleted since): the first funnel.
  const current = site.funnels.find((f) => f.id === state.funnel) ?? site.funnels[0] ?? null;
  return (
    <>
      <PageHeader title="Funnels" docTitle={`Funnels · ${site.name}`}>
        <Link href={paths.dashboard(orgSlug, site.id)} aria-label={`Dashboard of ${site.name}`}>
          Dashboard
        </Link>
      </PageHeader>
      <p className="funnels-domain mono">{site.domain}</p>

      {site.funnels.length === 0 ? (
        <div className="empty card funnels-empty">
          <h2>No funnels yet</h2>
          <p>A funnel counts the visitors who go through pages or goals in order, in one visit, and where the others leave.</p>
          {manage ? <p>Create one below.</p> : <p>Owners and admins of {site.name} can create funnels.</p>}
        </div>
      ) : (
        <div className="funnels-layout">
          <nav className="card funnels-nav" aria-labelledby={`${id}-list`}>
            <h2 id={`${id}-list`}>Funnels</h2>
            <ul className="funnel-list">
              {site.funnels.map((f) => (
                <li key={f.id} data-testid="funnel" data-funnel={f.id}>
                  <Link
                    href={paths.funnels(orgSlug, site.id, funnelStateToSearch({ ...state, funnel: f.id }))}
                    aria-current={f.id === current?.id ? 'page' : undefined}
                  >
                    {f.name}
                  </Link>
                  <span className="muted"> · {f.steps.length} steps</span>
                </li>
              ))}
            </ul>
          </nav>
          {current ? (
            <FunnelView
              key={current.id}
              siteId={site.id}
              funnel={current}
              state={state}
              setState={setState}
              range={range}
              manage={manage}
              onDeleted={() => setState({ ...state, funnel: null })}
            />
          ) : null}
        </div>
      )}

      {manage ? (
        <NewFunnelForm siteId={site.id} goals={site.goals} onCreated={(funnel) => setState({ ...state, funnel })} />
      ) : site.funnels.length ? (
        <p className="muted">Only owners and admins can add or delete funnels.</p>
      ) : null}
    </>
  );
}

function FunnelView({
  siteId,
  funnel,
  state,
  setState,
  range,
  manage,
  onDeleted,
}: {
  siteId: string;
  funnel: Funnel;
  state: FunnelState;
  setState: (s: FunnelState) => void;
  range: { from: string; to: string };
  manage: boolean;
  onDeleted: () => void;
}) {
  const id = useId();
  const vars = { id: siteId, funnel: funnel.id, range };
  const q = useQuery({
    queryKey: ['funnelReport', vars],
    queryFn: async () => (await request(FunnelReportQuery, vars)).site.funnel,
    retry: retryOnce,
    placeholderData: keepPreviousData,
  });
  const [confirming, setConfirming] = useState(false);
  const remove = useAction((v: { id: string }) => request(DeleteFunnelMutation, v), {
    invalidate: [siteKey(siteId)],
    onSuccess: onDeleted,
  });
  const steps = q.data?.steps ?? [];
  const updating = q.isFetching && q.isPlaceholderData;
  return (
    <section className="card funnel-report" aria-labelledby={`${id}-h`} data-testid="funnel-report" data-funnel={funnel.id}>
      <div className="funnel-head">
        <h2 id={`${id}-h`}>{funnel.name}</h2>
        <div className="field">
          <label htmlFor={`${id}-range`}>Date range</label>
          <select id={`${id}-range`} value={state.period} onChange={(e) => setState({ ...state, funnel: funnel.id, period: e.target.value as FunnelState['period'], from: null, to: null })}>
            {state.period === 'custom' ? <option value="custom">{formatRange(range)}</option> : null}
            {FUNNEL_PERIODS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="muted funnel-range" aria-live="polite">
        {formatRange(range)}
      </p>
      {q.isError && !q.data ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : q.isPending ? (
        <div className="skeleton funnel-skeleton" role="status">
          <span className="visually-hidden">Loading the funnel…</span>
        </div>
      ) : (
        <>
          {q.isError ? <ErrorBox error={q.error} onRetry={() => void q.refetch()} title="Could not update the funnel" /> : null}
          {steps.length > 0 && steps[0]!.visitors === 0 ? <p className="notice">Nobody reached the first step in this range.</p> : null}
          <ol className={updating ? 'funnel-steps updating' : 'funnel-steps'} aria-busy={updating} aria-label={`Steps of ${funnel.name}`}>
            {steps.map((s, i) => (
              <li
                key={i}
                className="funnel-step"
                data-testid="funnel-step"
                data-label={s.label}
                data-visitors={s.visitors}
                data-drop-off={s.dropOff}
                data-conversion-rate={s.conversionRate}
              >
                <p className="visually-hidden">{describeStep(steps, i)}</p>
                <div className="funnel-step-head" aria-hidden="true">
                  <span className="funnel-step-n">{i + 1}</span>
                  <span className="funnel-step-label" title={s.label}>
                    {s.label}
                  </span>
                </div>
                <div className="funnel-track" aria-hidden="true">
                  <span className="funnel-bar" style={{ width: `${barPercent(s.visitors, steps)}%` }} />
                </div>
                <dl className="funnel-figures" aria-hidden="true">
                  <div>
                    <dt>Visitors</dt>
                    <dd>{formatNumber(s.visitors)}</dd>
                  </div>
                  <div>
                    <dt>Drop-off</dt>
                    <dd>{i === 0 ? '—' : `${formatNumber(s.dropOff)} (${formatRate(dropOffRate(steps, i))})`}</dd>
                  </div>
                  <div>
                    <dt>Conversion rate</dt>
                    <dd>{formatRate(s.conversionRate)}</dd>
                  </div>
                </dl>
              </li>
            ))}
          </ol>
        </>
      )}
      {manage && !confirming ? (
        <div className="actions">
          <button type="button" className="button danger" onClick={() => setConfirming(true)} aria-label={`Delete funnel ${funnel.name}`}>
            Delete
          </button>
        </div>
      ) : null}
      {manage && confirming ? (
        <ConfirmDelete
          expected={funnel.name}
          what={`the funnel “${funnel.name}” (the events stay)`}
          buttonLabel="Delete funnel"
          onConfirm={() => remove.run({ id: funnel.id })}
          pending={remove.pending}
          errors={remove.errors}
          onRetry={remove.retry}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </section>
  );
}

const STEP_KINDS: { id: StepKind; label: string }[] = [
  { id: 'page', label: 'Page pattern' },
  { id: 'goal', label: 'Goal' },
];

function NewFunnelForm({ siteId, goals, onCreated }: { siteId: string; goals: Site['goals']; onCreated: (id: string) => void }) {
  const id = useId();
  const [name, setName] = useState('');
  const [steps, setSteps] = useState<StepForm[]>([EMPTY_STEP, EMPTY_STEP]);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<string | null>(null);
  const action = useAction((input: { siteId: string; name: string; steps: ({ pagePattern: string } | { goalId: string })[] }) => request(CreateFunnelMutation, { input }), {
    fields: ['name', 'steps'],
    invalidate: [siteKey(siteId)],
    onSuccess: (data) => {
      setCreated(data.createFunnel.name);
      setName('');
      setSteps([EMPTY_STEP, EMPTY_STEP]);
      onCreated(data.createFunnel.id);
    },
  });
  const edit = () => {
    setCreated(null);
    setLocal({});
  };
  const setStep = (i: number, patch: Partial<StepForm>) => {
    setSteps((all) => all.map((s, j) => (j === i ? { ...s, ...patch } : s)));
    edit();
  };
  function submit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    const r = funnelInput(name, steps);
    setLocal(r.errors ?? {});
    if (r.input) action.run({ siteId, ...r.input });
  }
  // The server's `steps` error names its step ("Step 2: …"): shown under that step, else under them all.
  const serverSteps = action.fieldErrors.steps;
  const serverStep = serverSteps ? stepOfError(serverSteps) : null;
  // A duplicate name is a CONFLICT: it goes next to the name all the same.
  const conflict = action.errors.find((i) => i.code === 'CONFLICT');
  const conflictText = conflict ? conflict.message.charAt(0).toUpperCase() + conflict.message.slice(1) : undefined;
  const nameError = local.name ?? action.fieldErrors.name ?? conflictText;
  const stepsError = local.steps ?? (serverSteps && serverStep === null ? serverSteps : undefined);
  const stepError = (n: number) => local[`step-${n}`] ?? (serverStep === n ? serverSteps : undefined);
  return (
    <section className="card section new-funnel" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>New funnel</h2>
      <form onSubmit={submit} className="form funnel-form" noValidate aria-labelledby={`${id}-h`}>
        <TextField
          label="Name"
          maxLength={MAX_NAME}
          autoComplete="off"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            edit();
          }}
          error={nameError}
        />
        <fieldset className="funnel-step-inputs" aria-describedby={stepsError ? `${id}-steps-err` : `${id}-steps-hint`}>
          <legend>Steps</legend>
          <p id={`${id}-steps-hint`} className="hint">
            {MIN_STEPS} to {MAX_STEPS} steps, in the order visitors take them within one visit. A page pattern matches paths whole: <code>*</code> any
            characters except <code>/</code>, <code>**</code> any characters (<code>/docs/**</code>).
          </p>
          <ol>
            {steps.map((s, i) => {
              const n = i + 1;
              const err = stepError(n);
              return (
                <li key={i} className="funnel-step-input" data-testid="funnel-step-input">
                  <SelectField
                    label={`Step ${n} type`}
                    value={s.kind}
                    onChange={(e) => setStep(i, { kind: e.target.value as StepKind })}
                  >
                    {STEP_KINDS.filter((k) => k.id === 'page' || goals.length > 0 || s.kind === 'goal').map((k) => (
                      <option key={k.id} value={k.id}>
                        {k.label}
                      </option>
                    ))}
                  </SelectField>
                  {s.kind === 'page' ? (
                    <TextField
                      label={`Step ${n} page pattern`}
                      placeholder="/pricing"
                      spellCheck={false}
                      autoComplete="off"
                      maxLength={MAX_PATTERN}
                      value={s.pagePattern}
                      onChange={(e) => setStep(i, { pagePattern: e.target.value })}
                      error={err}
                    />
                  ) : (
                    <SelectField label={`Step ${n} goal`} value={s.goalId} onChange={(e) => setStep(i, { goalId: e.target.value })} error={err}>
                      <option value="">Choose a goal</option>
                      {goals.map((g) => (
                        <option key={g.id} value={g.id}>
                          {g.name}
                        </option>
                      ))}
                    </SelectField>
                  )}
                  {steps.length > MIN_STEPS ? (
                    <button
                      type="button"
                      className="button ghost funnel-step-remove"
                      onClick={() => {
                        setSteps((all) => removeStep(all, i));
                        edit();
                      }}
                      aria-label={`Remove step ${n}`}
                    >
                      Remove
                    </button>
                  ) : null}
                </li>
              );
            })}
          </ol>
          {stepsError ? (
            <p id={`${id}-steps-err`} className="field-error" role="alert">
              {stepsError}
            </p>
          ) : null}
          {steps.length < MAX_STEPS ? (
            <button
              type="button"
              className="button secondary"
              onClick={() => {
                setSteps(addStep);
                edit();
              }}
            >
              Add step
            </button>
          ) : (
            <p className="hint">A funnel has at most {MAX_STEPS} steps.</p>
          )}
        </fieldset>
        <ActionErrors action={{ errors: action.errors.filter((i) => i !== conflict), retry: action.retry }} />
        <div className="actions">
          <button type="submit" className="button primary" disabled={action.pending}>
            Create funnel
          </button>
          <span role="status" className="saved">
            {created ? `Funnel “${created}” created` : ''}
          </span>
        </div>
      </form>
    </section>
  );
}

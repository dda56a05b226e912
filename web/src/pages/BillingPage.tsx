import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { request } from '../api/client';
import { BillingPortalMutation, BillingQuery, PlanFields, StartCheckoutMutation } from '../api/documents';
import { readFragment, type ResultOf, type VariablesOf } from '../api/graphql';
import { retryOnce, useAction } from '../api/hooks';
import { ActionErrors, ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { formatDate, formatDays, formatLimit, formatMoney, formatNumber, formatPercent, titleCase } from '../lib/format';
import { can } from '../lib/permissions';

type Plan = ResultOf<typeof PlanFields>;
type Interval = NonNullable<VariablesOf<typeof StartCheckoutMutation>['interval']>;
type PlanId = Plan['id'];

const ENDED = new Set(['CANCELED', 'INCOMPLETE_EXPIRED']);

export function BillingPage() {
  const org = useOrg();
  const allowed = can(org.viewerRole, 'billing');
  const q = useQuery({
    queryKey: ['billing', org.id],
    queryFn: () => request(BillingQuery, { id: org.id }),
    retry: retryOnce,
    enabled: allowed,
  });
  if (!allowed) {
    return (
      <>
        <PageHeader title="Billing" docTitle={`Billing · ${org.name}`} />
        <p>Only owners and billing members can see the subscription and invoices.</p>
      </>
    );
  }
  if (q.isPending)
    return (
      <>
        <PageHeader title="Billing" docTitle={`Billing · ${org.name}`} />
        <Loading lines={6} />
      </>
    );
  if (q.isError)
    return (
      <>
        <PageHeader title="Billing" docTitle={`Billing · ${org.name}`} />
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      </>
    );
  const o = q.data.organization;
  const plan = readFragment(PlanFields, o.plan);
  const plans = q.data.plans.map((p) => readFragment(PlanFields, p));
  const usage = o.usage;
  const share = usage.limit > 0 ? usage.events / usage.limit : 0;
  const sub = o.subscription;
  const live = sub != null && !ENDED.has(sub.status);
  const canAct = org.viewerRole === 'OWNER' || org.viewerRole === 'BILLING';
  return (
    <>
      <PageHeader title="Billing" docTitle={`Billing · ${org.name}`} />
      <section className="card section" aria-labelledby="plan-heading">
        <h2 id="plan-heading">
          {plan.name} plan
        </h2>
        {sub ? (
          <p>
            Subscription: <span className={`badge status-${sub.status.toLowerCase()}`}>{titleCase(sub.status)}</span>{' '}
            {sub.cancelAtPeriodEnd ? `ends on ${formatDate(sub.currentPeriodEnd)}` : `renews on ${formatDate(sub.currentPeriodEnd)}`}.
            {sub.status === 'PAST_DUE' ? ' A payment failed: update your card in the billing portal to keep your plan.' : ''}
          </p>
        ) : (
          <p>No subscription: the organization is on the {plan.name} plan.</p>
        )}
        <div className="usage">
          <label htmlFor="usage-meter">
            Events this month (since {formatDate(usage.periodStart)}): {formatNumber(usage.events)} of {formatNumber(usage.limit)} ({formatPercent(share)})
          </label>
          <meter id="usage-meter" min={0} max={usage.limit || 1} low={usage.limit * 0.8} high={usage.limit * 0.95} optimum={0} value={Math.min(usage.events, usage.limit || 1)} />
          {usage.overQuota ? (
            <p className="notice" role="status">
              This organization is over its monthly quota. Events are accepted for a 10% grace margin, then refused until the month ends or the plan grows.
            </p>
          ) : null}
        </div>
        <dl className="limits">
          <div>
            <dt>Sites</dt>
            <dd>{formatLimit(usage.sites, plan.maxSites)}</dd>
          </div>
          <div>
            <dt>Seats</dt>
            <dd>{formatLimit(usage.seats, plan.maxSeats)}</dd>
            <dd className="hint">members and open invitations</dd>
          </div>
          <div>
            <dt>Data retention</dt>
            <dd>{formatDays(plan.retentionDays)}</dd>
          </div>
          <div>
            <dt>Recordings</dt>
            <dd>{plan.recordingRetentionDays ? `kept ${formatDays(plan.recordingRetentionDays)}` : 'not included'}</dd>
          </div>
        </dl>
        {canAct && sub ? <PortalButton /> : null}
      </section>
      <PlansSection plans={plans} current={plan.id} live={live} canAct={canAct} />
      <section className="card section" aria-labelledby="invoices-heading">
        <h2 id="invoices-heading">Invoices</h2>
        {o.invoices.length === 0 ? (
          <p className="muted">No invoices yet.</p>
        ) : (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Invoices">
            <table>
              <thead>
                <tr>
                  <th scope="col">Period</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Paid</th>
                  <th scope="col">Status</th>
                  <th scope="col">Invoice</th>
                </tr>
              </thead>
              <tbody>
                {o.invoices.map((i) => (
                  <tr key={i.id}>
                    <td>
                      {formatDate(i.periodStart)} – {formatDate(i.periodEnd)}
                    </td>
                    <td>{formatMoney(i.amountDue, i.currency)}</td>
                    <td>{i.paidAt ? `${formatMoney(i.amountPaid, i.currency)} on ${formatDate(i.paidAt)}` : formatMoney(i.amountPaid, i.currency)}</td>
                    <td>{titleCase(i.status)}</td>
                    <td>
                      {i.hostedInvoiceUrl ? (
                        <a href={i.hostedInvoiceUrl} rel="noopener noreferrer" target="_blank">
                          View invoice {i.stripeInvoiceId}
                          <span className="visually-hidden"> (opens in a new tab)</span>
                        </a>
                      ) : (
                        <span className="mono">{i.stripeInvoiceId}</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function PortalButton() {
  const org = useOrg();
  const action = useAction((v: { organizationId: string }) => request(BillingPortalMutation, v), {
    onSuccess: (data) => window.location.assign(data.billingPortalUrl),
  });
  return (
    <div className="actions">
      <button type="button" className="button secondary" disabled={action.pending} onClick={() => action.run({ organizationId: org.id })}>
        Manage billing
      </button>
      <ActionErrors action={action} />
    </div>
  );
}

function limitText(n: number | null | undefined): string {
  return n == null ? 'Unlimited' : formatNumber(n);
}

function PlansSection({ plans, current, live, canAct }: { plans: Plan[]; current: PlanId; live: boolean; canAct: boolean }) {
  const org = useOrg();
  const [interval, setBillingInterval] = useState<Interval>('MONTH');
  const currentIndex = plans.findIndex((p) => p.id === current);
  const action = useAction((v: { organizationId: string; plan: PlanId; interval: Interval }) => request(StartCheckoutMutation, v), {
    fields: ['plan', 'interval'],
    onSuccess: (data) => window.location.assign(data.startCheckout),
  });
  const fieldError = action.fieldErrors.plan ?? action.fieldErrors.interval;
  return (
    <section className="card section" aria-labelledby="plans-heading">
      <h2 id="plans-heading">Plans</h2>
      {canAct && !live ? (
        <fieldset className="interval">
          <legend>Billing interval</legend>
          <label>
            <input type="radio" name="interval" value="MONTH" checked={interval === 'MONTH'} onChange={() => setBillingInterval('MONTH')} /> Monthly
          </label>
          <label>
            <input type="radio" name="interval" value="YEAR" checked={interval === 'YEAR'} onChange={() => setBillingInterval('YEAR')} /> Yearly
          </label>
        </fieldset>
      ) : null}
      {live && canAct ? <p>To change plan, card or cancel, use Manage billing.</p> : null}
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Plan comparison">
        <table className="plans">
          <thead>
            <tr>
              <th scope="col">Plan</th>
              <th scope="col">Events a month</th>
              <th scope="col">Sites</th>
              <th scope="col">Seats</th>
              <th scope="col">Retention</th>
              <th scope="col">Recordings</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {plans.map((p, i) => (
              <tr key={p.id} aria-current={p.id === current ? 'true' : undefined}>
                <th scope="row">{p.name}</th>
                <td>{formatNumber(p.monthlyEvents)}</td>
                <td>{limitText(p.maxSites)}</td>
                <td>{limitText(p.maxSeats)}</td>
                <td>{formatDays(p.retentionDays)}</td>
                <td>{p.recordingRetentionDays ? formatDays(p.recordingRetentionDays) : '—'}</td>
                <td>
                  {p.id === current ? (
                    <span className="badge">Current plan</span>
                  ) : canAct && !live && i > currentIndex && p.id !== 'FREE' ? (
                    <button
                      type="button"
                      className="button primary"
                      disabled={action.pending}
                      onClick={() => action.run({ organizationId: org.id, plan: p.id, interval })}
                    >
                      Upgrade to {p.name}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {fieldError ? <p className="field-error">{fieldError}</p> : null}
      <ActionErrors action={action} />
    </section>
  );
}

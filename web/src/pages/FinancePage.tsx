import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { request } from '../api/client';
import { ReconciliationQuery } from '../api/documents';
import { retryOnce, useMe } from '../api/hooks';
import { ErrorBox } from '../components/ErrorBox';
import { TextField } from '../components/Field';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { isMonth, monthOf } from '../lib/dates';
import { formatMoney, formatNumber } from '../lib/format';
import { canReadFinance } from '../lib/permissions';
import { paths } from '../lib/routes';

export function FinancePage() {
  const me = useMe();
  const [input, setInput] = useState(() => monthOf(new Date()));
  const [month, setMonth] = useState(input);
  const [local, setLocal] = useState<string | undefined>();
  const staff = canReadFinance(me.data);
  const q = useQuery({
    queryKey: ['reconciliation', month],
    queryFn: async () => (await request(ReconciliationQuery, { month })).reconciliation,
    retry: retryOnce,
    enabled: staff,
  });
  if (!staff) {
    return (
      <>
        <PageHeader title="Finance" />
        <p>This page is for TrackR staff (operators and finance) only.</p>
      </>
    );
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!isMonth(input)) {
      setLocal('Choose a month (YYYY-MM).');
      return;
    }
    setLocal(undefined);
    setMonth(input);
  }
  const r = q.data;
  return (
    <>
      <PageHeader title="Finance: reconciliation" docTitle="Finance" />
      <form onSubmit={submit} className="card form inline-form" noValidate>
        <TextField label="Month" type="month" value={input} onChange={(e) => setInput(e.target.value)} error={local} placeholder="YYYY-MM" />
        <button type="submit" className="button primary">
          Show reconciliation
        </button>
        {/* A plain link: the server answers it with the session cookie (same-origin navigation). */}
        <a className="button secondary" href={paths.invoicesCsv(isMonth(input) ? input : month)}>
          Download invoices (CSV)
        </a>
      </form>
      {q.isPending ? (
        <Loading lines={4} />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : r ? (
        <>
          {!r.comparedWithStripe ? <p className="notice">Stripe is not configured: only TrackR's own records were compared.</p> : null}
          <section className="card section" aria-labelledby="totals-heading">
            <h2 id="totals-heading">Totals for {r.month}</h2>
            {r.totals.length === 0 ? (
              <p className="muted">No invoices or subscriptions this month.</p>
            ) : (
              <div className="table-wrap" tabIndex={0} role="region" aria-label="Totals">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Plan</th>
                      <th scope="col">Currency</th>
                      <th scope="col">Invoiced</th>
                      <th scope="col">Paid</th>
                      <th scope="col">Refunded</th>
                      <th scope="col">Active subscriptions</th>
                      <th scope="col">MRR</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.totals.map((t) => (
                      <tr key={`${t.currency}-${t.plan}`}>
                        <th scope="row">{t.plan}</th>
                        <td>{t.currency.toUpperCase()}</td>
                        <td>{formatMoney(t.invoiced, t.currency)}</td>
                        <td>{formatMoney(t.paid, t.currency)}</td>
                        <td>{formatMoney(t.refunded, t.currency)}</td>
                        <td>{formatNumber(t.activeSubscriptions)}</td>
                        <td>{formatMoney(t.mrr, t.currency)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <section className="card section" aria-labelledby="discrepancies-heading">
            <h2 id="discrepancies-heading">Discrepancies ({r.discrepancies.length})</h2>
            {r.discrepancies.length === 0 ? (
              <p className="success">No discrepancies.</p>
            ) : (
              <>
                <p className="muted">
                  To repair them, run <span className="mono">trackr jobs run reconcile --month {r.month}</span>.
                </p>
                <div className="table-wrap" tabIndex={0} role="region" aria-label="Discrepancies">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Kind</th>
                        <th scope="col">Organization</th>
                        <th scope="col">Stripe id</th>
                        <th scope="col">Detail</th>
                      </tr>
                    </thead>
                    <tbody>
                      {r.discrepancies.map((d, i) => (
                        <tr key={i}>
                          <td className="mono">{d.kind}</td>
                          <td className="mono">{d.organizationId ?? '—'}</td>
                          <td className="mono">{d.stripeId ?? '—'}</td>
                          <td>{d.detail}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            )}
          </section>
        </>
      ) : null}
    </>
  );
}

// The gate of the recordings pages, rendered to markup (no browser needed):
// the texts the pages showed before it, which the end-to-end tests read.
import { createElement as h, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { OrgContext } from '../components/OrgContext';
import type { Role } from '../lib/permissions';
import { RecordingsGate } from './common';

function query<T>(data: T | undefined, error: unknown = null) {
  return { data, error, isError: error !== null, refetch: vi.fn() };
}

function render(role: Role, props: Omit<Parameters<typeof RecordingsGate>[0], 'children'>, children: (...data: never[]) => ReactNode = () => 'shown') {
  const gate = h(RecordingsGate, { ...props, children } as Parameters<typeof RecordingsGate>[0]);
  return renderToStaticMarkup(h(OrgContext.Provider, { value: { id: 'o1', slug: 'acme', name: 'Acme', viewerRole: role } }, gate));
}

describe('RecordingsGate', () => {
  it('tells a role without the permission why, under the page heading, without its content', () => {
    const children = vi.fn(() => 'shown');
    const html = render('BILLING', { title: 'Recordings', need: 'readRecordings', queries: [query({ id: 's1' })] }, children);
    expect(html).toContain('<h1>Recordings</h1>');
    expect(html).toContain('Your role in Acme does not include session recordings: owners, admins and viewers may watch them.');
    expect(children).not.toHaveBeenCalled();
    expect(render('BILLING', { title: 'Heatmaps', need: 'readSites', queries: [query({ id: 's1' })] })).toContain(
      'Your role in Acme does not include reading sites and reports.',
    );
  });

  it('shows the loading placeholder until every query has its data', () => {
    const html = render('VIEWER', { title: 'Recordings', need: 'readRecordings', queries: [query(undefined)] });
    expect(html).toContain('<h1>Recordings</h1>');
    expect(html).toContain('Loading the site…');
    expect(html).not.toContain('shown');
    const own = render('VIEWER', {
      title: 'Session recording',
      need: 'readRecordings',
      queries: [query({ id: 's1' }), query(undefined)],
      loading: h('p', null, 'Loading the recording…'),
    });
    expect(own).toContain('<p>Loading the recording…</p>');
    expect(own).not.toContain('Loading the site…');
  });

  it('shows the first error with a Retry button', () => {
    const failed = new ApiError([{ message: 'The site was not found.', code: 'NOT_FOUND' }]);
    const html = render('ADMIN', { title: 'Session recording', need: 'readRecordings', queries: [query({ id: 's1' }), query(undefined, failed)] });
    expect(html).toContain('<h1>Session recording</h1>');
    expect(html).toContain('The site was not found.');
    expect(html).toContain('Retry');
  });

  it("gives the page its queries' data, in order (null is data)", () => {
    const children = vi.fn((site: { id: string }, rec: null) => `${site.id} ${String(rec)}`);
    const html = render('OWNER', { title: 'Session recording', need: 'readRecordings', queries: [query({ id: 's1' }), query(null)] }, children);
    expect(html).toBe('s1 null');
    expect(html).not.toContain('<h1>');
  });
});

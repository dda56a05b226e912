import { describe, expect, it } from 'vitest';
import { legend, levelOf } from './choropleth';
import { DEFAULT_DETAILS_SORT, DEFAULT_STATE, parseState, stateToSearch, type DashState } from './dashboard';
import {
  breakdownCsv,
  csvField,
  csvFileName,
  detailMeasures,
  formatMeasure,
  measureAttr,
  measureLabel,
  measureValue,
  nextSort,
  panelMeasures,
  rowAttrs,
  searchRows,
  sortRows,
  toCsv,
  type TableRow,
} from './table';

const row = (value: string, visitors: number, more: Partial<TableRow> = {}): TableRow => ({
  value,
  visitors,
  visits: visitors,
  pageviews: visitors * 2,
  events: visitors * 2,
  bounceRate: 50,
  visitDurationSeconds: 60,
  ...more,
});

describe('measures', () => {
  it('shows what fits each tab', () => {
    expect(panelMeasures('PAGE')).toEqual(['visitors', 'pageviews']);
    expect(panelMeasures('ENTRY_PAGE')).toEqual(['visitors', 'bounceRate']);
    expect(panelMeasures('EXIT_PAGE')).toEqual(['visitors', 'visits']);
    expect(panelMeasures('EVENT_NAME')).toEqual(['visitors', 'events', 'conversionRate']);
    expect(panelMeasures('SOURCE')).toEqual(['visitors', 'percentage']);
    expect(detailMeasures('EVENT_NAME')).toContain('conversionRate');
    expect(detailMeasures('PAGE')).toEqual([
      'visitors',
      'percentage',
      'visits',
      'pageviews',
      'events',
      'bounceRate',
      'visitDurationSeconds',
      'scrollDepth',
      'timeOnPageSeconds',
    ]);
    // Engagement is top pages' only.
    expect(detailMeasures('ENTRY_PAGE')).not.toContain('scrollDepth');
    expect(detailMeasures('SOURCE')).not.toContain('timeOnPageSeconds');
    expect(panelMeasures('PROPERTY')).toEqual(['visitors', 'events']);
  });
  it('computes shares against all visitors', () => {
    expect(measureValue(row('a', 25), 'percentage', 200)).toBe(12.5);
    expect(measureValue(row('a', 25), 'conversionRate', 0)).toBe(0);
    expect(measureValue(row('a', 25, { bounceRate: 33.3 }), 'bounceRate', 200)).toBe(33.3);
    expect(formatMeasure('percentage', 12.5)).toBe('13%');
    expect(formatMeasure('percentage', 0.42)).toBe('0.4%');
    expect(formatMeasure('visitDurationSeconds', 75)).toBe('1m 15s');
    expect(formatMeasure('pageviews', 1234)).toBe('1,234');
  });
  it('names data attributes in kebab case', () => {
    expect(measureAttr('bounceRate')).toBe('data-bounce-rate');
    expect(measureAttr('visitDurationSeconds')).toBe('data-visit-duration-seconds');
    expect(rowAttrs(row('/a', 3), ['visitors', 'pageviews'], 6)).toEqual({ 'data-value': '/a', 'data-visitors': '3', 'data-pageviews': '6' });
  });
});

describe('sorting and search', () => {
  const rows = [row('/b', 10, { bounceRate: 20 }), row('/a', 30, { bounceRate: 80 }), row('/c', 10, { bounceRate: 50 })];
  it('sorts by a measure, ties in the API order', () => {
    expect(sortRows(rows, { key: 'visitors', dir: 'descending' }, 'PAGE', 50).map((r) => r.value)).toEqual(['/a', '/b', '/c']);
    expect(sortRows(rows, { key: 'visitors', dir: 'ascending' }, 'PAGE', 50).map((r) => r.value)).toEqual(['/b', '/c', '/a']);
    expect(sortRows(rows, { key: 'bounceRate', dir: 'ascending' }, 'PAGE', 50).map((r) => r.value)).toEqual(['/b', '/c', '/a']);
    expect(sortRows(rows, { key: 'value', dir: 'ascending' }, 'PAGE', 50).map((r) => r.value)).toEqual(['/a', '/b', '/c']);
    // The input is left alone.
    expect(rows.map((r) => r.value)).toEqual(['/b', '/a', '/c']);
  });
  it('sorts values naturally and countries by name', () => {
    expect(sortRows([row('/p10', 1), row('/p9', 1)], { key: 'value', dir: 'ascending' }, 'PAGE', 2).map((r) => r.value)).toEqual(['/p9', '/p10']);
    // Germany < Spain < United States, though DE < ES < US too; Austria (AT) comes first, Switzerland (CH) after Spain.
    expect(sortRows([row('CH', 1), row('US', 1), row('AT', 1), row('ES', 1)], { key: 'value', dir: 'ascending' }, 'COUNTRY', 4).map((r) => r.value)).toEqual([
      'AT',
      'ES',
      'CH',
      'US',
    ]);
  });
  it('toggles the direction on the same column, starts new ones sensibly', () => {
    expect(nextSort({ key: 'visitors', dir: 'descending' }, 'visitors')).toEqual({ key: 'visitors', dir: 'ascending' });
    expect(nextSort({ key: 'visitors', dir: 'ascending' }, 'visitors')).toEqual({ key: 'visitors', dir: 'descending' });
    expect(nextSort({ key: 'visitors', dir: 'descending' }, 'value')).toEqual({ key: 'value', dir: 'ascending' });
    expect(nextSort({ key: 'value', dir: 'ascending' }, 'pageviews')).toEqual({ key: 'pageviews', dir: 'descending' });
  });
  it('searches values and country names', () => {
    expect(searchRows(rows, 'A', 'PAGE').map((r) => r.value)).toEqual(['/a']);
    expect(searchRows(rows, '  ', 'PAGE')).toHaveLength(3);
    expect(searchRows([row('DE', 1), row('FR', 1)], 'germ', 'COUNTRY').map((r) => r.value)).toEqual(['DE']);
  });
});

describe('CSV', () => {
  it('quotes what needs quoting', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' edge')).toBe('" edge"');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField(-3)).toBe('-3');
    expect(csvField(Number.NaN)).toBe('');
  });
  it('keeps spreadsheets from running formulas', () => {
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@me')).toBe("'@me");
  });
  it('joins rows with CRLF', () => {
    expect(toCsv([['a', 1], ['b,c', 2]])).toBe('a,1\r\n"b,c",2\r\n');
  });
  it('writes a breakdown with every measure', () => {
    const csv = breakdownCsv([row('DE', 3, { bounceRate: 33.333 })], 'COUNTRY', 'COUNTRY', 9);
    expect(csv.split('\r\n')[0]).toBe(
      'Country,Country name,Visitors,Share of visitors (%),Visits,Page views,Events,Bounce rate (%),Visit duration (s)',
    );
    expect(csv.split('\r\n')[1]).toBe('DE,Germany,3,33.33,3,6,6,33.33,60');
  });
  it('names the file after the site, dimension and range', () => {
    expect(csvFileName('example.com', 'ENTRY_PAGE', { from: '2026-11-01', to: '2026-11-30' })).toBe('example.com-entry_page-2026-11-01-2026-11-30.csv');
    expect(csvFileName('a b/c', 'PAGE', { from: '2026-11-01', to: '2026-11-01' })).toBe('a_b_c-page-2026-11-01-2026-11-01.csv');
  });
});

describe('map shades', () => {
  it('levels on a square-root scale', () => {
    expect(levelOf(0, 100)).toBe(0);
    expect(levelOf(100, 100)).toBe(5);
    expect(levelOf(1, 100)).toBe(1);
    expect(levelOf(4, 100)).toBe(1);
    expect(levelOf(5, 100)).toBe(2);
    expect(levelOf(50, 100)).toBe(4);
  });
  it('has a legend covering 1..max without gaps', () => {
    for (const max of [1, 2, 7, 100, 12345]) {
      const l = legend(max);
      expect(l[0]!.from).toBe(1);
      expect(l[l.length - 1]!.to).toBe(max);
      for (let i = 1; i < l.length; i++) expect(l[i]!.from).toBe(l[i - 1]!.to + 1);
      for (const step of l) {
        expect(levelOf(step.from, max)).toBe(step.level);
        expect(levelOf(step.to, max)).toBe(step.level);
      }
    }
    expect(legend(0)).toEqual([]);
  });
});

describe('visit figures', () => {
  it('are asked for only by the panels that show them: entry and exit pages', async () => {
    const { isVisitMeasure, panelMeasures } = await import('./table');
    const asks = (t: Parameters<typeof panelMeasures>[0]) => panelMeasures(t).some(isVisitMeasure);
    expect(asks('ENTRY_PAGE')).toBe(true);
    expect(asks('EXIT_PAGE')).toBe(true);
    for (const t of ['PAGE', 'SOURCE', 'COUNTRY', 'BROWSER', 'EVENT_NAME', 'MAP'] as const) expect(asks(t)).toBe(false);
  });
});

describe('engagement (top pages)', () => {
  const rows = [
    row('/none', 50, { scrollDepth: null, timeOnPageSeconds: null }),
    row('/deep', 10, { scrollDepth: 92.4, timeOnPageSeconds: 125 }),
    row('/shallow', 20, { scrollDepth: 18, timeOnPageSeconds: 7.4 }),
  ];
  it('labels, formats and shows none as a dash', () => {
    expect(measureLabel('scrollDepth', 'PAGE')).toBe('Scroll depth');
    expect(measureLabel('timeOnPageSeconds', 'PAGE')).toBe('Time on page');
    expect(formatMeasure('scrollDepth', 92.4)).toBe('92%');
    expect(formatMeasure('timeOnPageSeconds', 125)).toBe('2m 5s');
    expect(formatMeasure('scrollDepth', null)).toBe('—');
    expect(formatMeasure('timeOnPageSeconds', null)).toBe('—');
    expect(measureValue(rows[0]!, 'scrollDepth', 100)).toBeNull();
    // Not asked for (another tab): none either.
    expect(measureValue(row('/x', 1), 'timeOnPageSeconds', 100)).toBeNull();
    expect(rowAttrs(rows[0]!, ['scrollDepth'], 100)['data-scroll-depth']).toBe('');
    expect(rowAttrs(rows[1]!, ['scrollDepth', 'timeOnPageSeconds'], 100)).toMatchObject({ 'data-scroll-depth': '92.4', 'data-time-on-page-seconds': '125' });
  });
  it('sorts by them both ways, rows without any last', () => {
    expect(sortRows(rows, { key: 'scrollDepth', dir: 'descending' }, 'PAGE', 80).map((r) => r.value)).toEqual(['/deep', '/shallow', '/none']);
    expect(sortRows(rows, { key: 'scrollDepth', dir: 'ascending' }, 'PAGE', 80).map((r) => r.value)).toEqual(['/shallow', '/deep', '/none']);
    expect(sortRows(rows, { key: 'timeOnPageSeconds', dir: 'ascending' }, 'PAGE', 80).map((r) => r.value)).toEqual(['/shallow', '/deep', '/none']);
  });
  it('writes them to the CSV, empty when none', () => {
    const csv = breakdownCsv(rows, 'PAGE', 'PAGE', 80).split('\r\n');
    expect(csv[0]).toBe('Page,Visitors,Share of visitors (%),Visits,Page views,Events,Bounce rate (%),Visit duration (s),Scroll depth (%),Time on page (s)');
    expect(csv[1]!.endsWith(',,')).toBe(true);
    expect(csv[2]!.endsWith(',92.4,125')).toBe(true);
  });
  it('round-trips the order by them in the URL, for the pages panel only', () => {
    for (const key of ['scrollDepth', 'timeOnPageSeconds'] as const) {
      const s: DashState = { ...DEFAULT_STATE, details: 'pages', detailsSort: { key, dir: 'ascending' } };
      expect(parseState(stateToSearch(s))).toEqual(s);
      expect(parseState(`?details=sources&sort=${key}:asc`).detailsSort).toEqual(DEFAULT_DETAILS_SORT);
    }
  });
});

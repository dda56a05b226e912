// Formatting for display. Locale-aware through Intl, with fixed fallbacks
// so that tests do not depend on the machine's locale.

const nf = new Intl.NumberFormat('en-US');

export function formatNumber(n: number): string {
  return nf.format(n);
}

/** 1234 → "1.2k", 1_500_000 → "1.5M"; small numbers as they are. */
export function formatCompact(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1000) return String(n);
  const units: [number, string][] = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units) {
    if (abs >= size) {
      const v = n / size;
      const s = Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, '');
      return `${s}${suffix}`;
    }
  }
  return String(n);
}

/** Minor units of a currency: 1999 EUR → "€19.99". Zero-decimal currencies are handled by Intl. */
export function formatMoney(minor: number, currency: string): string {
  const code = currency.toUpperCase();
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en-US', { style: 'currency', currency: code }).resolvedOptions()
      .maximumFractionDigits ?? 2;
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: code }).format(minor / 10 ** digits);
  } catch {
    return `${(minor / 100).toFixed(2)} ${code}`;
  }
}

/** "2026-11-30T12:00:00Z" → "30 Nov 2026". */
export function formatDate(iso: string): string {
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** Date and time in the viewer's zone. */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

export function formatPercent(fraction: number): string {
  const p = Math.max(0, fraction) * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** "n of limit" where a null limit is unlimited. */
export function formatLimit(n: number, limit: number | null | undefined): string {
  return limit == null ? `${formatNumber(n)} (unlimited)` : `${formatNumber(n)} of ${formatNumber(limit)}`;
}

/** "30 days", "1 day", "365 days (1 year)". */
export function formatDays(days: number): string {
  const base = `${formatNumber(days)} ${days === 1 ? 'day' : 'days'}`;
  if (days >= 365 && days % 365 === 0) {
    const y = days / 365;
    return `${base} (${y} ${y === 1 ? 'year' : 'years'})`;
  }
  return base;
}

const ROLE_NAMES: Record<string, string> = {
  OWNER: 'Owner',
  ADMIN: 'Admin',
  BILLING: 'Billing',
  VIEWER: 'Viewer',
};

export function roleName(role: string | null | undefined): string {
  return role ? (ROLE_NAMES[role] ?? role) : 'Staff';
}

export function titleCase(enumValue: string): string {
  return enumValue
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { useQueryClient } from '@tanstack/react-query';
import { request } from '../api/client';
import { LogOutMutation } from '../api/documents';
import type { Me } from '../api/hooks';
import { paths } from '../lib/routes';
import { useCurrentOrg } from './OrgContext';
import { can, canReadFinance } from '../lib/permissions';

/** TrackR's mark, in the colour around it (`.brand svg`: the brand's). */
export function BrandMark() {
  return (
    <svg width="24" height="24" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="7" fill="currentColor" />
      <path d="M7 22l6-7 5 4 7-9" fill="none" stroke="var(--brand-on)" strokeWidth="3" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

export function Brand() {
  return (
    <Link href="/" className="brand" aria-label="TrackR home">
      <BrandMark />
      <span>TrackR</span>
    </Link>
  );
}

function SkipLink() {
  return (
    <a className="skip-link" href="#main">
      Skip to content
    </a>
  );
}

/** Pages for visitors who are not logged in. */
export function PublicLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <SkipLink />
      <header className="site-header">
        <div className="header-inner">
          <Brand />
        </div>
      </header>
      <main id="main" className="main narrow" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

function OrgSwitcher({ me }: { me: Me }) {
  const current = useCurrentOrg();
  const [open, setOpen] = useState(false);
  const [location] = useLocation();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => setOpen(false), [location]);
  useEffect(() => {
    if (!open) return;
    function onKey(e: KeyboardEvent) {
      if (e.key === 'Escape') {
        setOpen(false);
        ref.current?.querySelector('button')?.focus();
      }
    }
    function onClick(e: MouseEvent) {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    }
    document.addEventListener('keydown', onKey);
    document.addEventListener('click', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('click', onClick);
    };
  }, [open]);
  const label = current?.name ?? 'Organizations';
  return (
    <div className="switcher" ref={ref}>
      <button
        type="button"
        className="button ghost switcher-button"
        aria-expanded={open}
        aria-controls="org-switcher-list"
        onClick={() => setOpen((o) => !o)}
      >
        <span className="visually-hidden">Switch organization, current: </span>
        <span className="switcher-name">{label}</span>
        <span aria-hidden="true"> ▾</span>
      </button>
      <div id="org-switcher-list" className="switcher-menu" hidden={!open}>
        <ul>
          {me.organizations.map((o) => (
            <li key={o.id}>
              <Link href={paths.sites(o.slug)} aria-current={current?.id === o.id ? 'true' : undefined}>
                {o.name}
              </Link>
            </li>
          ))}
          <li className="sep">
            <Link href={paths.newOrg()}>Create organization</Link>
          </li>
        </ul>
      </div>
    </div>
  );
}

function LogOutButton() {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [pending, setPending] = useState(false);
  async function logOut() {
    setPending(true);
    try {
      await request(LogOutMutation);
    } catch {
      // Already logged out, or the server is away: the app forgets either way.
    }
    qc.clear();
    setPending(false);
    navigate(paths.login());
  }
  return (
    <button type="button" className="button ghost" onClick={logOut} disabled={pending}>
      Log out
    </button>
  );
}

function NavLink({ href, children }: { href: string; children: ReactNode }) {
  const [location] = useLocation();
  const active = location === href || location.startsWith(`${href}/`);
  return (
    <Link href={href} aria-current={active ? 'page' : undefined}>
      {children}
    </Link>
  );
}

function OrgNav() {
  const org = useCurrentOrg();
  if (!org) return null;
  const role = org.viewerRole;
  const s = org.slug;
  return (
    <nav className="org-nav" aria-label="Organization">
      <ul>
        {can(role, 'readSites') ? (
          <li>
            <NavLink href={paths.sites(s)}>Sites</NavLink>
          </li>
        ) : null}
        <li>
          <NavLink href={paths.team(s)}>Team</NavLink>
        </li>
        {can(role, 'manageKeys') ? (
          <li>
            <NavLink href={paths.keys(s)}>API keys</NavLink>
          </li>
        ) : null}
        {can(role, 'billing') ? (
          <li>
            <NavLink href={paths.billing(s)}>Billing</NavLink>
          </li>
        ) : null}
        {can(role, 'renameOrg') ? (
          <li>
            <NavLink href={paths.orgSettings(s)}>Settings</NavLink>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}

/**
 * After an in-app navigation, moves focus to the main landmark so that
 * keyboard and screen-reader users start at the new page's content.
 */
function useFocusMainOnNavigate() {
  const [location] = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const main = document.getElementById('main');
    if (main && !main.contains(document.activeElement)) main.focus({ preventScroll: false });
    window.scrollTo(0, 0);
  }, [location]);
}

/** Pages of a logged-in user: header with organization switcher and user menu. */
export function AppLayout({ me, children }: { me: Me; children: ReactNode }) {
  useFocusMainOnNavigate();
  return (
    <>
      <SkipLink />
      <header className="site-header">
        <div className="header-inner">
          <Brand />
          {me.organizations.length > 0 ? <OrgSwitcher me={me} /> : null}
          <nav className="user-nav" aria-label="Account">
            <ul>
              {canReadFinance(me) ? (
                <li>
                  <NavLink href={paths.finance()}>Finance</NavLink>
                </li>
              ) : null}
              <li>
                <NavLink href={paths.account()}>
                  <span className="visually-hidden">Account: </span>
                  {me.name || me.username}
                </NavLink>
              </li>
              <li>
                <LogOutButton />
              </li>
            </ul>
          </nav>
        </div>
        <OrgNav />
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

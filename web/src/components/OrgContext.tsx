import { createContext, useContext } from 'react';
import type { Role } from '../lib/permissions';

export interface CurrentOrg {
  id: string;
  slug: string;
  name: string;
  /** null for staff who is no member. */
  viewerRole: Role | null;
}

export const OrgContext = createContext<CurrentOrg | null>(null);

export function useCurrentOrg(): CurrentOrg | null {
  return useContext(OrgContext);
}

/** The organization of the page; only inside an organization's routes. */
export function useOrg(): CurrentOrg {
  const org = useContext(OrgContext);
  if (!org) throw new Error('useOrg outside an organization route');
  return org;
}

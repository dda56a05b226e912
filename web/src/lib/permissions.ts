// What a role may do in an organization (docs/api.md, "Roles"). The server
// is the authority; the app only hides what would be refused.

export type Role = 'OWNER' | 'ADMIN' | 'BILLING' | 'VIEWER';

export type Action =
  | 'readSites'
  | 'readRecordings'
  | 'manageSites'
  | 'manageTeam'
  | 'manageKeys'
  | 'billing'
  | 'renameOrg'
  | 'deleteOrg'
  | 'viewTeam';

const TABLE: Record<Action, readonly Role[]> = {
  readSites: ['OWNER', 'ADMIN', 'VIEWER'],
  // Session recordings: members who read sites; never staff (the API says FORBIDDEN).
  readRecordings: ['OWNER', 'ADMIN', 'VIEWER'],
  manageSites: ['OWNER', 'ADMIN'],
  manageTeam: ['OWNER', 'ADMIN'],
  manageKeys: ['OWNER', 'ADMIN'],
  billing: ['OWNER', 'BILLING'],
  renameOrg: ['OWNER', 'ADMIN'],
  deleteOrg: ['OWNER'],
  viewTeam: ['OWNER', 'ADMIN', 'BILLING', 'VIEWER'],
};

/**
 * Whether `role` may do `action`. `null` is staff viewing an organization
 * it does not belong to: it may read sites and billing, change nothing.
 */
export function can(role: Role | null | undefined, action: Action): boolean {
  if (role == null) return action === 'readSites' || action === 'billing' || action === 'viewTeam';
  return TABLE[action].includes(role);
}

/** Roles `actor` may give to a member (only an OWNER may make owners). */
export function assignableRoles(actor: Role | null | undefined): Role[] {
  if (actor === 'OWNER') return ['OWNER', 'ADMIN', 'BILLING', 'VIEWER'];
  if (actor === 'ADMIN') return ['ADMIN', 'BILLING', 'VIEWER'];
  return [];
}

/** Whether `actor` may change the role of, or remove, a member with `target` role. */
export function canManageMember(actor: Role | null | undefined, target: Role): boolean {
  if (actor === 'OWNER') return true;
  if (actor === 'ADMIN') return target !== 'OWNER';
  return false;
}

/** The first page of an organization that `role` may see. */
export function orgLanding(role: Role | null | undefined): 'sites' | 'billing' | 'team' {
  if (can(role, 'readSites')) return 'sites';
  if (can(role, 'billing')) return 'billing';
  return 'team';
}

/** Whether a user may read finance reports: operators and finance staff. */
export function canReadFinance(user: { isStaff: boolean; isFinance: boolean } | undefined): boolean {
  return user != null && (user.isStaff || user.isFinance);
}

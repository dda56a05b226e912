import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { request } from '../api/client';
import {
  CancelInvitationMutation,
  InvitationsQuery,
  InviteMemberMutation,
  RemoveMemberMutation,
  ResendInvitationMutation,
  TeamQuery,
  UpdateMemberRoleMutation,
} from '../api/documents';
import type { ResultOf } from '../api/graphql';
import { retryOnce, useAction, useMe } from '../api/hooks';
import { teamQuery } from '../api/settingsQueries';
import { ActionErrors, ErrorBox } from '../components/ErrorBox';
import { SelectField, TextField } from '../components/Field';
import { Loading } from '../components/Loading';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { formatDate, formatDateTime, formatLimit, roleName } from '../lib/format';
import { assignableRoles, can, canManageMember, type Role } from '../lib/permissions';
import { paths } from '../lib/routes';

type Member = ResultOf<typeof TeamQuery>['organization']['members'][number];

export function TeamPage() {
  const org = useOrg();
  const me = useMe();
  const q = useQuery(teamQuery(org.id));
  const manage = can(org.viewerRole, 'manageTeam');
  return (
    <>
      <PageHeader title="Team" docTitle={`Team · ${org.name}`} />
      {q.isPending ? (
        <Loading lines={4} />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <>
          <p className="muted">Seats: {formatLimit(q.data.members.length, q.data.plan.maxSeats)} on the {q.data.plan.name} plan. Open invitations count as seats.</p>
          <section className="card section" aria-labelledby="members-heading">
            <h2 id="members-heading">Members</h2>
            <ul className="members">
              {q.data.members.map((m) => (
                <MemberRow key={m.user.id} member={m} isMe={m.user.id === me.data?.id} actor={org.viewerRole} />
              ))}
            </ul>
          </section>
          {manage ? <InvitationsSection /> : null}
          {manage ? <InviteSection actor={org.viewerRole} /> : null}
        </>
      )}
    </>
  );
}

function MemberRow({ member, isMe, actor }: { member: Member; isMe: boolean; actor: Role | null }) {
  const org = useOrg();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [role, setRole] = useState<Role>(member.role);
  const who = member.user.name || member.user.username;
  const manageable = canManageMember(actor, member.role);
  const roles = assignableRoles(actor);
  const change = useAction(
    (v: { organizationId: string; userId: string; role: Role }) => request(UpdateMemberRoleMutation, v),
    { fields: ['role'], invalidate: [['team', org.id]] },
  );
  const remove = useAction((v: { organizationId: string; userId: string }) => request(RemoveMemberMutation, v), {
    onSuccess: async () => {
      if (isMe) {
        await qc.invalidateQueries({ queryKey: ['me'] });
        navigate(paths.home());
      } else {
        await qc.invalidateQueries({ queryKey: ['team', org.id] });
      }
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    change.run({ organizationId: org.id, userId: member.user.id, role });
  }
  return (
    <li className="member">
      <div className="member-who">
        <strong>{who}</strong>
        {isMe ? <span className="badge">You</span> : null}
        <span className="muted">
          {member.user.username !== who ? `@${member.user.username} · ` : ''}
          {member.user.email}
        </span>
        <span className="muted">Member since {formatDate(member.createdAt)}</span>
      </div>
      <div className="member-actions">
        {manageable && !isMe && roles.length > 0 ? (
          <form onSubmit={submit} className="inline-form" noValidate>
            <SelectField label={`Role of ${who}`} value={role} onChange={(e) => setRole(e.target.value as Role)} error={change.fieldErrors.role}>
              {(roles.includes(member.role) ? roles : [member.role, ...roles]).map((r) => (
                <option key={r} value={r}>
                  {roleName(r)}
                </option>
              ))}
            </SelectField>
            <button type="submit" className="button secondary" disabled={change.pending || role === member.role} aria-label={`Change role of ${who}`}>
              Change role
            </button>
          </form>
        ) : (
          <span className="badge role">{roleName(member.role)}</span>
        )}
        {isMe ? (
          <button type="button" className="button danger" disabled={remove.pending} onClick={() => remove.run({ organizationId: org.id, userId: member.user.id })}>
            Leave organization
          </button>
        ) : manageable ? (
          <button
            type="button"
            className="button danger"
            disabled={remove.pending}
            aria-label={`Remove ${who}`}
            onClick={() => remove.run({ organizationId: org.id, userId: member.user.id })}
          >
            Remove
          </button>
        ) : null}
      </div>
      <ActionErrors action={change} />
      <ActionErrors action={remove} />
    </li>
  );
}

function InviteSection({ actor }: { actor: Role | null }) {
  const org = useOrg();
  const roles = assignableRoles(actor);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('VIEWER');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const action = useAction((v: { organizationId: string; email: string; role: Role }) => request(InviteMemberMutation, v), {
    fields: ['email', 'role'],
    invalidate: [['team', org.id], ['invitations', org.id]],
    onSuccess: (_d, v) => {
      setSentTo(v.email);
      setEmail('');
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    setSentTo(null);
    action.run({ organizationId: org.id, email: email.trim(), role });
  }
  return (
    <section className="card section" aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite a member</h2>
      <form onSubmit={submit} className="form" noValidate>
        <TextField label="Email" type="email" autoComplete="off" required value={email} onChange={(e) => setEmail(e.target.value)} error={action.fieldErrors.email} />
        <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)} error={action.fieldErrors.role}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {roleName(r)}
            </option>
          ))}
        </SelectField>
        <p className="hint">Admins manage sites, team and API keys; Billing manages the subscription; Viewers read reports.</p>
        <ActionErrors action={action} />
        <div className="actions">
          <button type="submit" className="button primary" disabled={action.pending}>
            Invite
          </button>
          <span role="status">{sentTo ? `Invitation sent to ${sentTo}. It is valid for 7 days.` : ''}</span>
        </div>
      </form>
    </section>
  );
}

type Invitation = ResultOf<typeof InvitationsQuery>['organization']['invitations'][number];

function InvitationsSection() {
  const org = useOrg();
  const q = useQuery({
    queryKey: ['invitations', org.id],
    queryFn: async () => (await request(InvitationsQuery, { id: org.id })).organization.invitations,
    retry: retryOnce,
  });
  return (
    <section className="card section" aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">Pending invitations</h2>
      {q.isPending ? (
        <Loading lines={1} />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.length === 0 ? (
        <p className="muted">No pending invitations.</p>
      ) : (
        <ul className="members">
          {q.data.map((i) => (
            <InvitationRow key={i.id} invitation={i} />
          ))}
        </ul>
      )}
    </section>
  );
}

function InvitationRow({ invitation: i }: { invitation: Invitation }) {
  const org = useOrg();
  const opts = { invalidate: [['invitations', org.id], ['team', org.id]] as const };
  const resend = useAction((v: { id: string }) => request(ResendInvitationMutation, v), opts);
  const cancel = useAction((v: { id: string }) => request(CancelInvitationMutation, v), opts);
  return (
    <li className="member">
      <div className="member-who">
        <strong>{i.email}</strong>
        <span className="muted">
          {roleName(i.role)} · {i.expired ? `expired ${formatDateTime(i.expiresAt)}` : `valid until ${formatDateTime(i.expiresAt)}`}
        </span>
      </div>
      <div className="member-actions">
        <span role="status">{resend.succeeded ? 'Sent again' : ''}</span>
        <button type="button" className="button secondary" disabled={resend.pending} onClick={() => resend.run({ id: i.id })} aria-label={`Resend invitation to ${i.email}`}>
          Resend
        </button>
        <button type="button" className="button danger" disabled={cancel.pending} onClick={() => cancel.run({ id: i.id })} aria-label={`Cancel invitation to ${i.email}`}>
          Cancel invitation
        </button>
      </div>
      <ActionErrors action={resend} />
      <ActionErrors action={cancel} />
    </li>
  );
}

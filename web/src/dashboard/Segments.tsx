// The dashboard's segments (lib/segments.ts): the "Segment" select beside
// the filter bar, the active segment's chip, "Save as segment" and the
// deletion of the active segment. The list comes with the Dashboard query
// (no request of its own); saving and deleting are the only requests.
//
// A just-saved segment becomes the view's before the next answer lists
// it, and a deleted one stays in the last answer until the next: both are
// patched in here, so the chip never reads "a deleted segment" for a
// segment that is there, nor the select offers one that is gone.
import { useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { request } from '../api/client';
import { errorItems } from '../api/errors';
import { useAction } from '../api/hooks';
import type { VariablesOf } from '../api/graphql';
import { CreateSegmentMutation, DeleteSegmentMutation } from '../api/segmentDocuments';
import { ConfirmDelete } from '../components/ConfirmDelete';
import { ErrorBox } from '../components/ErrorBox';
import { CheckboxField } from '../components/Field';
import { useOrg } from '../components/OrgContext';
import { describeFilter, type DashFilter, type Dim } from '../lib/dashboard';
import { can } from '../lib/permissions';
import {
  canDeleteSegment,
  filtersToSave,
  groupSegments,
  saveProblem,
  segmentLabel,
  segmentNameError,
  segmentRefused,
  type SegmentRef,
} from '../lib/segments';
import { Dialog } from './Dialog';
import './segments.css';

type SegmentInput = VariablesOf<typeof CreateSegmentMutation>['input'];

/**
 * The site's segments as the view shows them: those of the last Dashboard
 * answer (kept while the next is on its way, and in the realtime view,
 * which asks for none; a share link's page never has them), and whether
 * the server refused the view's.
 */
export function useSegmentList(
  data: { segments?: readonly SegmentRef[] } | undefined,
  error: unknown,
  segment: string | null,
): { segments: readonly SegmentRef[] | undefined; refused: boolean } {
  const last = useRef<readonly SegmentRef[] | undefined>(undefined);
  if (data?.segments) last.current = data.segments;
  const refused = useMemo(() => error != null && segmentRefused(errorItems(error), segment), [error, segment]);
  return { segments: last.current, refused };
}

export function SegmentBar({
  siteId,
  segment,
  filters,
  segments: listed,
  refused,
  realtime,
  display,
  onSelect,
  onSaved,
}: {
  siteId: string;
  /** The view's segment (`seg=`). */
  segment: string | null;
  /** The view's own filters. */
  filters: DashFilter[];
  segments: readonly SegmentRef[] | undefined;
  refused: boolean;
  realtime: boolean;
  display: (d: Dim, v: string) => string;
  onSelect: (id: string | null) => void;
  /** A segment saved from the view's filters: it becomes the view's, the filters go. */
  onSaved: (id: string) => void;
}) {
  const id = useId();
  const role = useOrg().viewerRole;
  // Owners and admins share segments and delete shared ones; members who
  // read the site save private ones (staff outside the organization, no role, none).
  const manage = can(role, 'manageSites');
  const canSave = role != null && can(role, 'readSites');
  const selectRef = useRef<HTMLSelectElement>(null);
  const [created, setCreated] = useState<SegmentRef | null>(null);
  const [removed, setRemoved] = useState<ReadonlySet<string>>(new Set());
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState(false);

  const segments = useMemo(() => {
    if (!listed) return created ? [created] : undefined;
    const list = listed.filter((s) => !removed.has(s.id));
    return created && !list.some((s) => s.id === created.id) && !removed.has(created.id) ? [...list, created] : list;
  }, [listed, created, removed]);
  const active = segment ? (segments?.find((s) => s.id === segment) ?? null) : null;
  const name = segment ? segmentLabel(segments, segment, refused) : '';
  const groups = groupSegments(segments ?? []);
  const focusSelect = () => selectRef.current;

  return (
    <section className="dash-segments" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`} className="visually-hidden">
        Segments
      </h2>
      <div className="field">
        <label htmlFor={`${id}-select`}>Segment</label>
        <select
          ref={selectRef}
          id={`${id}-select`}
          value={segment ?? ''}
          disabled={!segments}
          aria-describedby={segments && segments.length === 0 ? `${id}-none` : undefined}
          onChange={(e) => onSelect(e.target.value || null)}
        >
          <option value="">{segments ? 'No segment' : 'Loading segments…'}</option>
          {segment && !active ? <option value={segment}>{name}</option> : null}
          {groups.shared.length ? (
            <optgroup label="Shared">
              {groups.shared.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </optgroup>
          ) : null}
          {groups.mine.length ? (
            <optgroup label="Yours (private)">
              {groups.mine.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </optgroup>
          ) : null}
        </select>
      </div>
      {segment ? (
        <div className="chip segment-chip" data-testid="segment-chip" data-value={segment} data-shared={active ? active.shared : undefined}>
          <span className="chip-text">
            <span className="chip-dim">Segment:</span> <strong>{name}</strong>
          </span>
          <button
            type="button"
            className="chip-remove"
            aria-label={`Remove segment ${name}`}
            onClick={() => {
              onSelect(null);
              window.setTimeout(() => selectRef.current?.focus(), 0);
            }}
          />
        </div>
      ) : null}
      {active && canDeleteSegment(active, manage) ? (
        <button type="button" className="button ghost" aria-label={`Delete segment ${active.name}`} onClick={() => setDeleting(true)}>
          Delete segment
        </button>
      ) : null}
      {canSave && filters.length ? (
        <button type="button" className="button secondary" onClick={() => setSaving(true)}>
          Save as segment
        </button>
      ) : null}
      {segments && segments.length === 0 && !segment ? (
        <p id={`${id}-none`} className="hint">
          No segments yet: add filters, then save them as one.
        </p>
      ) : null}
      {realtime && segment ? <p className="hint">Segments do not apply to the realtime view.</p> : null}

      {saving ? (
        <SaveSegmentDialog
          siteId={siteId}
          filters={filters}
          active={active}
          manage={manage}
          display={display}
          fallbackFocus={focusSelect}
          onClose={() => setSaving(false)}
          onSaved={(s) => {
            setCreated(s);
            setSaving(false);
            onSaved(s.id);
          }}
        />
      ) : null}
      {deleting && active ? (
        <DeleteSegmentDialog
          segment={active}
          fallbackFocus={focusSelect}
          onClose={() => setDeleting(false)}
          onDeleted={() => {
            setRemoved((r) => new Set(r).add(active.id));
            setDeleting(false);
            if (segment === active.id) onSelect(null);
          }}
        />
      ) : null}
    </section>
  );
}

/** Marks the dashboard's answers stale (their segment lists changed); the view's next answer is asked for by the URL's change. */
function useStaleDashboards() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['dashboard'], refetchType: 'none' });
}

function SaveSegmentDialog({
  siteId,
  filters,
  active,
  manage,
  display,
  fallbackFocus,
  onClose,
  onSaved,
}: {
  siteId: string;
  filters: DashFilter[];
  active: SegmentRef | null;
  manage: boolean;
  display: (d: Dim, v: string) => string;
  fallbackFocus: () => HTMLElement | null;
  onClose: () => void;
  onSaved: (s: SegmentRef) => void;
}) {
  const fid = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const [nameError, setNameError] = useState<string | null>(null);
  const stale = useStaleDashboards();
  const toSave = filtersToSave(filters, active);
  const problem = saveProblem(toSave);
  const action = useAction((input: SegmentInput) => request(CreateSegmentMutation, { input }), {
    fields: ['name'],
    onSuccess: async (data) => {
      onSaved(data.createSegment);
      await stale();
    },
  });
  // A name the site has already: under the name, like a refused one.
  const conflict = action.errors.find((e) => e.code === 'CONFLICT');
  const rest = action.errors.filter((e) => e !== conflict);
  const shownNameError = nameError ?? action.fieldErrors.name ?? (conflict ? capitalize(conflict.message) : undefined);

  function submit(e: FormEvent) {
    e.preventDefault();
    const err = segmentNameError(name);
    setNameError(err);
    if (err) {
      nameRef.current?.focus();
      return;
    }
    if (problem) return;
    action.run({
      siteId,
      name: name.trim(),
      // Dimensions and operators as the API named them (the active
      // segment's) or as the view holds them (lib/dashboard.ts' Dim, Op).
      filters: toSave as SegmentInput['filters'],
      shared: manage && shared,
    });
  }

  return (
    <Dialog title="Save as segment" onClose={onClose} initialFocus={nameRef} fallbackFocus={fallbackFocus} className="segment-dialog">
      <form onSubmit={submit} className="form" noValidate>
        <div className="segment-holds">
          <p>It holds the filters of this view:</p>
          <ul>
            {active ? (
              <li>
                those of the segment <strong>{active.name}</strong>
              </li>
            ) : null}
            {filters.map((f) => (
              <li key={`${f.dimension}:${f.op}:${f.value}`}>{describeFilter(f, display)}</li>
            ))}
          </ul>
        </div>
        <div className="field">
          <label htmlFor={`${fid}-name`}>Segment name</label>
          <input
            ref={nameRef}
            id={`${fid}-name`}
            value={name}
            autoComplete="off"
            onChange={(e) => {
              setName(e.target.value);
              setNameError(null);
              if (conflict || action.fieldErrors.name) action.reset();
            }}
            aria-invalid={shownNameError ? true : undefined}
            aria-describedby={shownNameError ? `${fid}-name-error` : undefined}
          />
          {shownNameError ? (
            <p className="field-error" id={`${fid}-name-error`}>
              {shownNameError}
            </p>
          ) : null}
        </div>
        {manage ? (
          <CheckboxField
            label="Share with everyone who reads this site"
            hint="Otherwise only you see it."
            checked={shared}
            onChange={(e) => setShared(e.target.checked)}
          />
        ) : null}
        {problem ? (
          <p className="field-error" role="alert">
            {problem}
          </p>
        ) : null}
        <ErrorBox items={rest} onRetry={rest.some((e) => ['NETWORK', 'TIMEOUT', 'INTERNAL', 'RATE_LIMITED'].includes(e.code)) ? action.retry : undefined} />
        <div className="actions">
          <button type="submit" className="button primary" disabled={action.pending || problem !== null}>
            {action.pending ? 'Saving…' : 'Save segment'}
          </button>
          <button type="button" className="button secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DeleteSegmentDialog({
  segment,
  fallbackFocus,
  onClose,
  onDeleted,
}: {
  segment: SegmentRef;
  fallbackFocus: () => HTMLElement | null;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const stale = useStaleDashboards();
  const action = useAction((v: { id: string }) => request(DeleteSegmentMutation, v), {
    onSuccess: async () => {
      onDeleted();
      await stale();
    },
  });
  return (
    <Dialog title="Delete segment" onClose={onClose} fallbackFocus={fallbackFocus} className="segment-dialog">
      {segment.shared ? <p>Everyone who reads this site loses this segment, and links to views with it show no reports.</p> : null}
      <ConfirmDelete
        expected={segment.name}
        what={`the segment ${segment.name}`}
        buttonLabel="Delete segment"
        pending={action.pending}
        errors={action.errors}
        onRetry={action.retry}
        onConfirm={() => action.run({ id: segment.id })}
        onCancel={onClose}
      />
    </Dialog>
  );
}

/** Shown instead of the reports when the server refused the view's segment (deleted, or another member's private one). */
export function DeletedSegment({ onRemove }: { onRemove: () => void }) {
  return (
    <div className="notice dash-deleted-goal" role="alert">
      <p>This view's segment was deleted, or is not shared with you, so there are no reports to show.</p>
      <button type="button" className="button secondary" onClick={onRemove}>
        Remove the segment
      </button>
    </div>
  );
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

import { useId, useState, type FormEvent } from 'react';
import { TextField } from './Field';
import { ErrorBox } from './ErrorBox';
import type { ApiErrorItem } from '../api/errors';

/**
 * A destructive action confirmed by typing `expected` (a name or domain).
 * The button stays disabled until the text matches. With `onCancel`, a
 * Cancel button beside it (where the form was opened from a list).
 */
export function ConfirmDelete({
  expected,
  what,
  buttonLabel,
  onConfirm,
  pending,
  errors,
  onRetry,
  onCancel,
}: {
  expected: string;
  what: string;
  buttonLabel: string;
  onConfirm: () => void;
  pending: boolean;
  errors: ApiErrorItem[];
  onRetry: () => void;
  onCancel?: () => void;
}) {
  const [typed, setTyped] = useState('');
  const id = useId();
  const ok = typed.trim() === expected;
  function submit(e: FormEvent) {
    e.preventDefault();
    if (ok) onConfirm();
  }
  return (
    <form onSubmit={submit} className="danger-form" noValidate>
      <TextField
        id={id}
        label={
          <>
            Type <strong className="mono">{expected}</strong> to confirm
          </>
        }
        hint={`This deletes ${what} for good.`}
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        autoComplete="off"
        spellCheck={false}
      />
      <ErrorBox items={errors} onRetry={onRetry} />
      {onCancel ? (
        <div className="actions">
          <DeleteButton label={buttonLabel} disabled={!ok || pending} pending={pending} />
          <button type="button" className="button secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      ) : (
        <DeleteButton label={buttonLabel} disabled={!ok || pending} pending={pending} />
      )}
    </form>
  );
}

function DeleteButton({ label, disabled, pending }: { label: string; disabled: boolean; pending: boolean }) {
  return (
    <button type="submit" className="button danger" disabled={disabled}>
      {pending ? 'Deleting…' : label}
    </button>
  );
}

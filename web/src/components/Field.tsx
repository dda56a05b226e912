import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';

interface Common {
  label: ReactNode;
  /** the error shown under the control; sets aria-invalid. */
  error?: string;
  hint?: ReactNode;
}

function describedBy(hintId: string, errorId: string, hint: unknown, error: unknown): string | undefined {
  const ids = [hint ? hintId : '', error ? errorId : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

export function TextField({ label, error, hint, id, className, ...input }: Common & InputHTMLAttributes<HTMLInputElement>) {
  const auto = useId();
  const fid = id ?? auto;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={fid}>{label}</label>
      <input
        id={fid}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(`${fid}-hint`, `${fid}-error`, hint, error)}
        {...input}
      />
      {hint ? (
        <p className="hint" id={`${fid}-hint`}>
          {hint}
        </p>
      ) : null}
      <FieldError id={`${fid}-error`} error={error} />
    </div>
  );
}

export function SelectField({
  label,
  error,
  hint,
  id,
  children,
  className,
  ...select
}: Common & SelectHTMLAttributes<HTMLSelectElement>) {
  const auto = useId();
  const fid = id ?? auto;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={fid}>{label}</label>
      <select
        id={fid}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(`${fid}-hint`, `${fid}-error`, hint, error)}
        {...select}
      >
        {children}
      </select>
      {hint ? (
        <p className="hint" id={`${fid}-hint`}>
          {hint}
        </p>
      ) : null}
      <FieldError id={`${fid}-error`} error={error} />
    </div>
  );
}

export function CheckboxField({ label, error, hint, id, className, ...input }: Common & InputHTMLAttributes<HTMLInputElement>) {
  const auto = useId();
  const fid = id ?? auto;
  return (
    <div className={`field checkbox ${className ?? ''}`}>
      <input
        type="checkbox"
        id={fid}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(`${fid}-hint`, `${fid}-error`, hint, error)}
        {...input}
      />
      <label htmlFor={fid}>{label}</label>
      {hint ? (
        <p className="hint" id={`${fid}-hint`}>
          {hint}
        </p>
      ) : null}
      <FieldError id={`${fid}-error`} error={error} />
    </div>
  );
}

function FieldError({ id, error }: { id: string; error?: string }) {
  if (!error) return null;
  return (
    <p className="field-error" id={id}>
      {error}
    </p>
  );
}

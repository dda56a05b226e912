import { headline, errorItems, type ApiErrorItem } from '../api/errors';
import { ApiError } from '../api/errors';

/** What went wrong, with a Retry button when `onRetry` is given. */
export function ErrorBox({
  error,
  items,
  onRetry,
  title,
}: {
  error?: unknown;
  items?: ApiErrorItem[];
  onRetry?: () => void;
  title?: string;
}) {
  const list = items ?? (error !== undefined && error !== null ? errorItems(error) : []);
  if (list.length === 0) return null;
  const first = list[0]!;
  const requestId = error instanceof ApiError ? error.requestId : undefined;
  return (
    <div className="error-box" role="alert">
      <p className="error-title">{title ?? headline(first.code)}</p>
      <ul>
        {list.map((item, i) => (
          <li key={i}>
            {item.message}
            {item.code !== 'NETWORK' && item.code !== 'GRAPHQL' ? <span className="code"> ({item.code})</span> : null}
          </li>
        ))}
      </ul>
      {requestId ? <p className="hint">Request id: {requestId}</p> : null}
      {onRetry ? (
        <button type="button" className="button secondary" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

const RETRYABLE = new Set(['NETWORK', 'TIMEOUT', 'INTERNAL', 'RATE_LIMITED']);

/** The errors of a form's action that belong to no field; Retry when it may help. */
export function ActionErrors({ action }: { action: { errors: ApiErrorItem[]; retry: () => void } }) {
  const retryable = action.errors.some((i) => RETRYABLE.has(i.code));
  return <ErrorBox items={action.errors} onRetry={retryable ? action.retry : undefined} />;
}

import type { ReactNode } from 'react';
import { useTitle } from '../lib/useTitle';

/** The page's h1, which also sets the document title. */
export function PageHeader({ title, docTitle, children }: { title: string; docTitle?: string; children?: ReactNode }) {
  useTitle(docTitle ?? title);
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children ? <div className="page-actions">{children}</div> : null}
    </div>
  );
}

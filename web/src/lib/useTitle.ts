import { useEffect } from 'react';

/** Sets the document title: "<title> · TrackR". */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · TrackR` : 'TrackR';
  }, [title]);
}

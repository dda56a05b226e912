import { useEffect, useId, useRef, type ReactNode, type RefObject } from 'react';

/**
 * A modal dialog on the native <dialog> (showModal): the rest of the page
 * is inert, so the focus stays inside; Escape and the Close button call
 * `onClose`; when it goes away the focus returns to where it was (the
 * button that opened it), or to `fallbackFocus`.
 */
export function Dialog({
  title,
  onClose,
  children,
  className,
  initialFocus,
  fallbackFocus,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  initialFocus?: RefObject<HTMLElement>;
  fallbackFocus?: () => HTMLElement | null;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const close = useRef(onClose);
  close.current = onClose;
  const fallback = useRef(fallbackFocus);
  fallback.current = fallbackFocus;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    initialFocus?.current?.focus();
    // Escape: the page decides (the dialog's state may live in the URL).
    const onCancel = (e: Event) => {
      e.preventDefault();
      close.current();
    };
    // Chromium may close without a cancellable event (repeated Escape): follow it.
    // (A `close` queued by an earlier unmount finds the dialog open again: ignore it.)
    const onNativeClose = () => {
      if (!dialog.open) close.current();
    };
    dialog.addEventListener('cancel', onCancel);
    dialog.addEventListener('close', onNativeClose);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      dialog.removeEventListener('close', onNativeClose);
      if (dialog.open) dialog.close();
      const back = opener && opener.isConnected ? opener : (fallback.current?.() ?? null);
      back?.focus();
    };
    // Opened once per mount.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <dialog
      ref={ref}
      className={`dialog ${className ?? ''}`}
      aria-labelledby={`${id}-title`}
      onClick={(e) => {
        // A click on the backdrop (the dialog element itself, outside its box) closes it.
        if (e.target === ref.current) {
          const r = ref.current.getBoundingClientRect();
          const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
          if (!inside) onClose();
        }
      }}
    >
      <div className="dialog-head">
        <h2 id={`${id}-title`}>{title}</h2>
        <button type="button" className="dialog-close" aria-label="Close" onClick={onClose} />
      </div>
      <div className="dialog-body">{children}</div>
    </dialog>
  );
}

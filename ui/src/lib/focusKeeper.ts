// Keeps the keyboard focus from falling to the page. When the element that had the focus leaves the page (a
// button replaced by the next step, a row that was revoked, a panel that closed), the browser moves the focus
// to <body> and a keyboard or screen-reader user has to start again from the top. The screens move the focus
// deliberately where they can; this catches every other case and lands on the nearest meaningful place: the
// open dialog's preferred button (or its first control), else the current screen's heading.

const focusableSelector =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Where the focus goes when what had it is gone. */
export function fallbackTarget(doc: Document = document): HTMLElement | null {
  const dialogs = doc.querySelectorAll<HTMLElement>('[role="dialog"]');
  const dialog = dialogs.length > 0 ? dialogs[dialogs.length - 1] : null;
  if (dialog) {
    return dialog.querySelector<HTMLElement>('[data-autofocus]') ?? dialog.querySelector<HTMLElement>(focusableSelector) ?? dialog;
  }
  return doc.querySelector<HTMLElement>('main h1');
}

/** Watches `root` until the returned function is called. */
export function keepFocus(root: HTMLElement): () => void {
  const doc = root.ownerDocument;
  let last: Element | null = doc.activeElement;
  const onfocusin = (event: FocusEvent) => {
    last = event.target as Element;
  };
  const observer = new MutationObserver(() => {
    const active = doc.activeElement;
    const lost = active === null || active === doc.body;
    // Only a focus lost with its element: a click on empty space also leaves the focus on <body>, and that is
    // the person's choice.
    if (lost && last !== null && last !== doc.body && !last.isConnected) {
      const target = fallbackTarget(doc);
      last = null;
      target?.focus();
    }
  });
  doc.addEventListener('focusin', onfocusin);
  observer.observe(root, { childList: true, subtree: true });
  return () => {
    doc.removeEventListener('focusin', onfocusin);
    observer.disconnect();
  };
}

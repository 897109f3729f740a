// What the opt-in entries (browser-tasks.mjs, react.mjs) share, copied beside them into pkg/.

/**
 * A signal that aborts when any of `signals` does, with its reason: `AbortSignal.any` where the
 * runtime has it (Chrome 116, Firefox 124, Safari 17.4), else the same by listeners.
 */
export function anySignal(signals) {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any(signals);
  const controller = new AbortController();
  for (const signal of signals) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}

// The baseline for `make bench`: the EvoLink poll loop a competent developer writes by hand in
// ~40 lines (fetch, setTimeout, AbortSignal, an error on non-2xx, poll until completed/failed).
// No retries, no per-request timeout, no body limit, no validation: that is what it saves.
export function createClient({ apiKey, baseUrl = 'https://api.evolink.ai', fetch = globalThis.fetch } = {}) {
  const headers = apiKey ? { Authorization: `Bearer ${apiKey}` } : {};

  async function getTask(id, { signal } = {}) {
    const response = await fetch(`${baseUrl}/v1/tasks/${encodeURIComponent(id)}`, { headers, signal });
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      const error = new Error(`EvoLink answered ${response.status}: ${text.slice(0, 200)}`);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => { clearTimeout(timer); reject(signal.reason); };
      const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async function waitForTask(id, { intervalMs = 5000, timeoutMs, signal, onProgress } = {}) {
    if (timeoutMs !== undefined) {
      const deadline = AbortSignal.timeout(timeoutMs);
      signal = signal ? AbortSignal.any([signal, deadline]) : deadline;
    }
    for (;;) {
      const task = await getTask(id, { signal });
      onProgress?.(task);
      if (task.status === 'completed') return task;
      if (task.status === 'failed' || task.status === 'cancelled') {
        throw Object.assign(new Error(`task ${id} ${task.status}: ${task.error?.message ?? ''}`), { task });
      }
      await sleep(intervalMs, signal);
    }
  }

  return { getTask, waitForTask };
}

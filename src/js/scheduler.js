// The scheduler every wait of one client shares:
// - one `setTimeout` for all pauses and request deadlines (a binary heap ordered by due time;
//   pauses ending within 10 ms of each other end together, so waits on one task poll together);
// - one request per task id at a time: every wait on that id gets its answer, and the request is
//   aborted when the last of them leaves;
// - a cap on requests in flight, and a client-wide pause after a 429;
// - in a page, a poll at once when the tab is shown again or the network comes back.
//
// Everything takes a callback and returns a function that undoes it, so a wait that is aborted
// leaves nothing behind: its pause leaves the queue (the timer is cleared when nothing waits),
// its share of a request is given up.

const COALESCE_MS = 10;
const MAX_DELAY_MS = 2 ** 31 - 1; // what setTimeout can hold

const hidden = () => globalThis.document?.visibilityState === 'hidden';

export class Scheduler {
  constructor(maxInFlight) {
    /** Pending timers `{ due, seq, wake, early }`, a min-heap; cancelled ones have no `wake`. */
    this.heap = [];
    this.live = 0;
    this.seq = 0;
    this.timer = undefined;
    this.armedFor = Infinity;
    this.onTimer = () => this.fire(false);
    this.onWake = () => hidden() || this.fire(true);
    this.listening = false;
    this.free = maxInFlight;
    /** Requests waiting for a free slot: `{ start, signal }`. */
    this.line = [];
    /** The request in flight for each task id: `{ waiters, controller }`. */
    this.flights = new Map();
    /** After a 429, no request of this client starts before this time (ms since the epoch). */
    this.pausedUntil = 0;
  }

  /** True in a page whose tab is hidden: waits then poll at their longest pause. */
  get hidden() {
    return hidden();
  }

  /** Holds every request of the client back until `until`. */
  pause(until) {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }

  /**
   * Calls `wake` after `ms`. An `early` timer (a pause between polls, not a deadline) also
   * ends when the page is shown again or the network comes back. Returns the cancel function.
   */
  sleep(ms, wake, early = false) {
    const entry = { due: Date.now() + ms, seq: this.seq++, wake, early };
    push(this.heap, entry);
    this.live++;
    this.arm();
    return () => {
      if (entry.wake) {
        entry.wake = null;
        this.live--;
        this.arm();
      }
    };
  }

  /** Wakes the timers that are due (or, with `early`, every early one), then re-arms. */
  fire(early) {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = Date.now() + COALESCE_MS;
    const ready = [];
    const take = (entry) => {
      ready.push(entry.wake);
      entry.wake = null;
      this.live--;
    };
    if (early) for (const entry of this.heap) if (entry.wake && entry.early) take(entry);
    while (this.heap.length > 0 && this.heap[0].due <= now) {
      const entry = pop(this.heap);
      if (entry.wake) take(entry);
    }
    this.arm();
    for (const wake of ready) wake();
  }

  /** Makes the armed timer (and the page listeners) match what is pending: none when nothing is. */
  arm() {
    const heap = this.heap;
    while (heap.length > 0 && !heap[0].wake) pop(heap);
    this.listen(this.live > 0);
    if (this.live === 0) {
      heap.length = 0;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.armedFor = Infinity;
      return;
    }
    const due = heap[0].due;
    if (this.timer !== undefined) {
      if (this.armedFor <= due) return;
      clearTimeout(this.timer);
    }
    this.armedFor = due;
    this.timer = setTimeout(this.onTimer, Math.min(Math.max(due - Date.now(), 0), MAX_DELAY_MS));
  }

  /** In a page, listens for the tab being shown and the network coming back while timers wait. */
  listen(on) {
    const document = globalThis.document;
    if (on === this.listening || typeof document?.addEventListener !== 'function') return;
    this.listening = on;
    const method = on ? 'addEventListener' : 'removeEventListener';
    document[method]('visibilitychange', this.onWake);
    globalThis[method]?.('online', this.onWake);
  }

  /**
   * Runs `start(signal)` (which resolves with an answer and never rejects) once fewer than
   * the cap are in flight, and calls `done` with its answer. `controller` aborts it, waiting
   * or running.
   */
  limited(start, done, controller) {
    const run = () => {
      this.free--;
      start(controller.signal).then((answer) => {
        this.free++;
        this.next();
        done(answer);
      });
    };
    if (this.free > 0) run();
    else this.line.push({ run, signal: controller.signal });
  }

  /** Starts the next request in line that still has someone waiting for it. */
  next() {
    while (this.free > 0 && this.line.length > 0) {
      const { run, signal } = this.line.shift();
      if (!signal.aborted) run();
    }
  }

  /**
   * Calls `deliver` with the answer for task `id`: joins the request in flight for it, or
   * starts one with `send(signal)`. Returns the function that gives up this share; the last
   * share given up aborts the request.
   */
  share(id, send, deliver) {
    let flight = this.flights.get(id);
    if (flight === undefined) {
      const controller = new AbortController();
      const started = { waiters: [], controller };
      this.flights.set(id, started);
      this.limited(send, (answer) => {
        if (this.flights.get(id) === started) this.flights.delete(id);
        for (const waiter of started.waiters) waiter(answer);
      }, controller);
      flight = started;
    }
    const joined = flight;
    joined.waiters.push(deliver);
    return () => {
      const at = joined.waiters.indexOf(deliver);
      if (at === -1) return;
      joined.waiters.splice(at, 1);
      if (joined.waiters.length === 0) {
        if (this.flights.get(id) === joined) this.flights.delete(id);
        joined.controller.abort();
        this.next();
      }
    };
  }
}

// A binary min-heap of timers, by due time and then by arrival.

const before = (a, b) => a.due < b.due || (a.due === b.due && a.seq < b.seq);

function push(heap, entry) {
  let at = heap.push(entry) - 1;
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (!before(entry, heap[parent])) break;
    heap[at] = heap[parent];
    at = parent;
  }
  heap[at] = entry;
}

function pop(heap) {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length > 0) {
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= heap.length) break;
      const child = left + 1 < heap.length && before(heap[left + 1], heap[left]) ? left + 1 : left;
      if (!before(heap[child], last)) break;
      heap[at] = heap[child];
      at = child;
    }
    heap[at] = last;
  }
  return top;
}

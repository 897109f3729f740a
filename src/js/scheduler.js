// The scheduler every wait of one client shares:
// - one `setTimeout` for all pauses and request deadlines (a binary heap ordered by due time;
//   pauses ending within 10 ms of each other end together, so waits on one task poll together);
// - one request per task id at a time: every wait on that id gets its answer, and the request is
//   aborted when the last of them leaves;
// - a cap on requests in flight, and a client-wide pause after a 429;
// - in a page, a poll at once when the tab is shown again or the network comes back.
//
// Timers and requests call back objects (`target.wake()`, `waiter.deliver(answer)`) rather
// than closures, so ten thousand waiting tasks cost little memory. Everything can be undone:
// a cancelled timer leaves the queue (the timer is cleared when nothing waits), and a request
// whose last waiter leaves is aborted.

const COALESCE_MS = 10;
const MAX_DELAY_MS = 2 ** 31 - 1; // what setTimeout can hold

const hidden = () => globalThis.document?.visibilityState === 'hidden';

export class Scheduler {
  constructor(maxInFlight) {
    /** Pending timers `{ due, seq, target, early }`, a min-heap; cancelled ones have no target. */
    this.heap = [];
    this.live = 0;
    this.seq = 0;
    this.timer = undefined;
    this.armedFor = Infinity;
    this.onTimer = () => this.fire(false);
    this.onWake = () => hidden() || this.fire(true);
    this.listening = false;
    this.free = maxInFlight;
    /** Flights waiting for a free slot. */
    this.line = [];
    /** The flight of each task id. */
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
   * Calls `target.wake()` after `ms`. An `early` timer (a pause between polls, not a deadline)
   * also ends when the page is shown again or the network comes back. Returns the timer, for
   * `cancel`.
   */
  sleep(ms, target, early = false) {
    const timer = { due: Date.now() + ms, seq: this.seq++, target, early };
    push(this.heap, timer);
    this.live++;
    this.arm();
    return timer;
  }

  /** Cancels a timer that has not fired. */
  cancel(timer) {
    if (timer.target !== null) {
      timer.target = null;
      this.live--;
      this.arm();
    }
  }

  /** Wakes the timers that are due (or, with `early`, every early one), then re-arms. */
  fire(early) {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = Date.now() + COALESCE_MS;
    const ready = [];
    const take = (timer) => {
      ready.push(timer.target);
      timer.target = null;
      this.live--;
    };
    if (early) for (const timer of this.heap) if (timer.target !== null && timer.early) take(timer);
    while (this.heap.length > 0 && this.heap[0].due <= now) {
      const timer = pop(this.heap);
      if (timer.target !== null) take(timer);
    }
    this.arm();
    for (const target of ready) target.wake();
  }

  /** Makes the armed timer (and the page listeners) match what is pending: none when nothing is. */
  arm() {
    const heap = this.heap;
    while (heap.length > 0 && heap[0].target === null) pop(heap);
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

  // A *flight* is one request and the waiters that want its answer: `{ id, sender, controller,
  // waiters, done }`. `sender.send(controller)` sends it (resolving with an answer, never
  // rejecting); each waiter's `deliver(answer)` receives the answer.

  /**
   * Joins `waiter` to the request in flight for task `id`, or starts one with `waiter` as its
   * sender. Returns the flight, for `leave`.
   */
  share(id, waiter) {
    let flight = this.flights.get(id);
    if (flight === undefined) {
      flight = this.request(waiter, id);
      this.flights.set(id, flight);
    }
    flight.waiters.push(waiter);
    return flight;
  }

  /**
   * Sends a request of `sender` once fewer than the cap are in flight; joins `waiter` to it
   * when given. Returns the flight, for `leave`.
   */
  request(sender, id, waiter) {
    const flight = { id, sender, controller: new AbortController(), waiters: [], done: false };
    if (waiter !== undefined) flight.waiters.push(waiter);
    if (this.free > 0) this.start(flight);
    else this.line.push(flight);
    return flight;
  }

  /** Gives up `waiter`'s share of `flight`; the last one to leave aborts the request. */
  leave(flight, waiter) {
    const at = flight.waiters.indexOf(waiter);
    if (at === -1) return;
    flight.waiters.splice(at, 1);
    if (flight.waiters.length === 0 && !flight.done) {
      this.land(flight);
      flight.controller.abort();
      this.next();
    }
  }

  start(flight) {
    this.free--;
    flight.sender.send(flight.controller).then((answer) => {
      this.free++;
      this.next();
      if (flight.done) return;
      this.land(flight);
      for (const waiter of flight.waiters) waiter.deliver(answer);
    });
  }

  /** Marks `flight` done: a later wait on its task id starts a new one. */
  land(flight) {
    flight.done = true;
    if (this.flights.get(flight.id) === flight) this.flights.delete(flight.id);
  }

  /** Starts the next requests in line that someone still waits for. */
  next() {
    while (this.free > 0 && this.line.length > 0) {
      const flight = this.line.shift();
      if (!flight.done) this.start(flight);
    }
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

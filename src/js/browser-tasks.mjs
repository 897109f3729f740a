// evolink-tasks/browser-tasks: opt-in, browser-only helpers around a client (a page that does not
// import this file downloads none of it).
//
// - Remembered tasks: a wait or a generate* asked to `remember` its task records it (id, a little
//   caller data, the last status) in the page's localStorage, namespaced by the client's base URL,
//   so that after a reload the page lists them and waits again without creating anything. A task
//   leaves the record when it fails, on `forget`, or after `maxAgeMs`; a completed one stays, with
//   its results, until its links expire (24 h). Storage that is missing, full, disabled or holds
//   something else never breaks a wait: the record is rebuilt or kept in memory, and `onWarning`
//   is told.
// - One poller per task across tabs: every wait on a task takes part in an election (Web Locks,
//   one lock per base URL and task id); the holder polls through the client's own `waitForTask`,
//   and passes each observation and the outcome to the others over a BroadcastChannel. When the
//   holder's tab closes or freezes, its lock is released and another waiting tab takes over at
//   once. Without those APIs (or in an opaque origin) each wait polls alone, as the client does.
//
// Nothing here polls by itself: every request is the client's (`waitForTask`, `create*`).
// The error classes come from the package by name, so that a tab that did not poll rejects with
// the very classes the app imports (`instanceof TaskFailedError` holds).
import {
  ApiError,
  EvoLinkError,
  InvalidResponseError,
  NetworkError,
  TaskFailedError,
  TimeoutError,
} from 'evolink-tasks';
import { anySignal } from './abort.mjs';

const VERSION = 1;
const NOTHING = Object.freeze([]);
const DAY_MS = 24 * 60 * 60 * 1000;
/** Result links expire 24 hours after generation. */
const LINK_LIFETIME_MS = DAY_MS;
/** The caller data kept with a task, as JSON, at most this long. */
const MAX_DATA_CHARS = 4096;
/** How long a poller that saw the end keeps its lock while the other tabs hear of it. */
const HANDOVER_MS = 1000;
/** A task id as the client takes it. */
const TASK_ID = /^[A-Za-z0-9._:-]{1,256}$/;
const ENDED = new Set(['completed', 'failed', 'cancelled']);
const OPTION_NAMES = ['maxAgeMs', 'onWarning', 'shareAcrossTabs', 'storageKey'];
const REMEMBER_NAMES = ['data'];
/** The reason a poll stopped because its page froze (never seen by callers). */
const FROZEN = Symbol('frozen');
/** The reason a poll stopped because a visible tab took the lock from this hidden one. */
const STOLEN = Symbol('stolen');

/**
 * Waits, watches and generates through `client` with two opt-in powers of a web page: tasks
 * remembered across reloads (`remember`), and one poller per task across the tabs of an origin.
 */
export class BrowserTasks {
  #client;
  #storageKey;
  #key = null;
  #channelName = null;
  /** What forget and remember were asked before the client could name its base URL. */
  #deferred = [];
  #maxAgeMs;
  #onWarning;
  #share;
  #channel = null;
  #channelUsers = 0;
  /** Per task id, the message handlers of this instance's waits on it. */
  #waits = new Map();
  /** The records as this page last knew them, used when the storage cannot be read. */
  #memory = [];
  /** A write failed: the storage holds an older copy than #memory. */
  #stale = false;
  #snapshot = { raw: undefined, records: [], list: Object.freeze([]), nextExpiry: -Infinity, fromStorage: false };
  #listeners = new Set();
  #warned = new Set();
  #onStorage = null;

  /**
   * @param client an `EvoLinkClient`
   * @param options `{ maxAgeMs, onWarning, shareAcrossTabs, storageKey }`, all optional
   */
  constructor(client, options = {}) {
    if (client === null || typeof client !== 'object' || typeof client.waitForTask !== 'function') {
      throw new TypeError('BrowserTasks: the first argument must be an EvoLinkClient');
    }
    const opts = plainOptions(options, OPTION_NAMES, 'BrowserTasks options');
    const { maxAgeMs = 7 * DAY_MS, onWarning, shareAcrossTabs = true, storageKey } = opts;
    if (typeof maxAgeMs !== 'number' || !(maxAgeMs > 0)) {
      throw new RangeError('BrowserTasks options: "maxAgeMs" must be a number of milliseconds above 0');
    }
    if (onWarning !== undefined && typeof onWarning !== 'function') {
      throw new TypeError('BrowserTasks options: "onWarning" must be a function');
    }
    if (typeof shareAcrossTabs !== 'boolean') throw new TypeError('BrowserTasks options: "shareAcrossTabs" must be a boolean');
    if (storageKey !== undefined && (typeof storageKey !== 'string' || storageKey === '')) {
      throw new TypeError('BrowserTasks options: "storageKey" must be a non-empty string');
    }
    this.#client = client;
    this.#storageKey = storageKey;
    this.#maxAgeMs = maxAgeMs;
    this.#onWarning = onWarning ?? ((warning) => console.warn(`evolink-tasks: ${warning.message}`));
    this.#share = shareAcrossTabs && canShare();
    // A client may be usable before its wasm is (calls wait for it, `baseUrl` throws until
    // then): the namespace is known once a call has gone through.
    if (!this.#named()) {
      this.#ready().then(
        () => {
          if (!this.#named()) return;
          for (const action of this.#deferred.splice(0)) action();
          this.#changed();
        },
        () => {},
      );
    }
  }

  /**
   * Resolves once the client can name its base URL, which `list()` needs (at once, unless the
   * client is still loading its wasm); rejects when the client could not load.
   */
  async ready() {
    if (!this.#named()) await this.#ready();
    this.#named();
  }

  /** Learns the client's base URL (the storage key and the lock and channel names); false while it cannot say. */
  #named() {
    if (this.#key !== null) return true;
    let base;
    try {
      base = String(this.#client.baseUrl);
    } catch {
      return false;
    }
    this.#key = this.#storageKey ?? `evolink-tasks:v${VERSION}:${base}`;
    this.#channelName = `evolink-tasks:${base}`;
    return true;
  }

  /** Resolves when the client can take calls (a call with a signal already aborted: no request). */
  async #ready() {
    const probe = new AbortController();
    const checked = Symbol('checked');
    probe.abort(checked);
    try {
      await this.#client.waitForTask('ready', { signal: probe.signal });
    } catch (error) {
      if (error !== checked) throw error;
    }
  }

  /** The client's base URL: remembered tasks and shared polls are namespaced by it. */
  get baseUrl() {
    return this.#client.baseUrl;
  }

  /** Whether waits are shared across tabs here (Web Locks and BroadcastChannel present, and asked for). */
  get sharesAcrossTabs() {
    return this.#share;
  }

  /**
   * `client.waitForTask`, shared across tabs; `remember` records the task (see the class).
   * Waiting on a remembered id again keeps its data unless `remember.data` replaces it.
   */
  async waitForTask(id, options = {}) {
    const { remember, wait } = await this.#prepare(id, options, 'waitForTask');
    return this.#follow(String(id), wait, remember, null);
  }

  /** `client.watchTask`, shared across tabs, with `remember` as `waitForTask` takes it. */
  watchTask(id, options = {}) {
    const queue = [];
    const pulls = [];
    let done = false;
    let failure = null;
    let closed = false;
    const controller = new AbortController();
    const push = (entry) => {
      if (closed) return;
      if (pulls.length) pulls.shift()(entry);
      else queue.push(entry);
    };
    const { signal, ...rest } = options ?? {};
    const extra = options !== null && typeof options === 'object' && 'onProgress' in options;
    const ended = this.#watching(id, extra, {
      ...rest,
      signal: signal === undefined ? controller.signal : anySignal([signal, controller.signal]),
      onProgress: (task) => push({ value: task, done: false }),
    }).then(
      () => push({ value: undefined, done: true }),
      (error) => push({ error }),
    );
    void ended;
    const settle = (entry) => {
      if (entry.done) done = true;
      if ('error' in entry) {
        done = true;
        failure = entry.error;
        return Promise.reject(entry.error);
      }
      return Promise.resolve(entry);
    };
    return {
      next() {
        if (queue.length) return settle(queue.shift());
        if (failure !== null) return Promise.resolve({ value: undefined, done: true });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => pulls.push(resolve)).then(settle);
      },
      return(value) {
        closed = true;
        done = true;
        queue.length = 0;
        controller.abort(new DOMException('The watch was closed', 'AbortError'));
        for (const pull of pulls.splice(0)) pull({ value: undefined, done: true });
        return Promise.resolve({ value, done: true });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  async #watching(id, extra, options) {
    if (extra) {
      throw new TypeError('watchTask options: unknown option "onProgress" (each observation is a value of the iteration)');
    }
    return this.waitForTask(id, options);
  }

  /** `client.generateVideo`, with the wait shared across tabs and `remember` to record the task. */
  generateVideo(params, options) {
    return this.#generate('createVideo', params, options);
  }

  /** `client.generateImage`, as `generateVideo`. */
  generateImage(params, options) {
    return this.#generate('createImage', params, options);
  }

  /** `client.generateAudio`, as `generateVideo`. */
  generateAudio(params, options) {
    return this.#generate('createAudio', params, options);
  }

  /**
   * The remembered tasks of this base URL, newest first: `{ id, data, addedAt, updatedAt,
   * status, progress, task?, expiresAt? }` (`task` and `expiresAt` once completed). The same
   * array until something changes; empty until `ready()` has resolved when the client is still
   * loading. Throws a TypeError outside a web page.
   */
  list() {
    requirePage('list remembered tasks');
    return this.#named() ? this.#read().list : NOTHING;
  }

  /**
   * Records task `id` without waiting on it (an id the page got elsewhere), or replaces the data
   * of a remembered one: `{ data }` as the `remember` option takes it. Throws a TypeError outside
   * a web page.
   */
  remember(id, options = {}) {
    const { data } = rememberOptions(options === undefined ? true : options);
    if (typeof id !== 'string' || !TASK_ID.test(id) || id === '.' || id === '..') {
      throw new TypeError(`remember: ${JSON.stringify(String(id))} is not a task id`);
    }
    this.#whenNamed(() => this.#remember(id, null, data));
  }

  #whenNamed(action) {
    if (this.#named()) action();
    else this.#deferred.push(action);
  }

  /** Drops a task from the record (the task itself goes on on the server). */
  forget(id) {
    requirePage('forget a remembered task');
    this.#whenNamed(() => this.#update((records) => records.filter((r) => r.id !== id)));
  }

  /**
   * Calls `listener()` whenever the record changes, in this tab or another one. Returns the
   * function that unsubscribes. (The shape `useSyncExternalStore` takes, with `list`.)
   */
  subscribe(listener) {
    if (typeof listener !== 'function') throw new TypeError('subscribe: the listener must be a function');
    this.#listeners.add(listener);
    if (this.#listeners.size === 1 && typeof addEventListener === 'function' && isPage()) {
      this.#onStorage = (event) => {
        if (event.key === this.#key || event.key === null) this.#changed();
      };
      addEventListener('storage', this.#onStorage);
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.#onStorage) {
        removeEventListener('storage', this.#onStorage);
        this.#onStorage = null;
      }
    };
  }

  // ---- waits -------------------------------------------------------------------------------

  /**
   * Checks the id and options as the client would (through the client itself, with a signal
   * already aborted: it checks, then stops before any request) and `remember`.
   */
  async #prepare(id, options, method) {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError(`${method}: options must be an object`);
    }
    const { remember, ...wait } = options ?? {};
    const record = rememberOptions(remember);
    const probe = new AbortController();
    const checked = Symbol('checked');
    probe.abort(checked);
    try {
      await this.#client.waitForTask(id, { ...wait, signal: probe.signal });
    } catch (error) {
      if (error !== checked) throw error;
    }
    if (wait.signal?.aborted) throw wait.signal.reason;
    this.#named();
    return { remember: record, wait };
  }

  async #generate(create, params, options = {}) {
    const { remember, wait } = await this.#prepare('created', splitOff(options, 'onCreated'), create.replace('create', 'generate'));
    const { onCreated } = options ?? {};
    if (onCreated !== undefined && typeof onCreated !== 'function') {
      throw new TypeError(`${create.replace('create', 'generate')} options: "onCreated" must be a function`);
    }
    const started = now();
    const created = await this.#client[create](params, wait.signal === undefined ? {} : { signal: wait.signal });
    if (remember) this.#remember(created.id, created, remember.data);
    onCreated?.(created);
    const timeoutMs = wait.timeoutMs === undefined ? undefined : Math.max(1, wait.timeoutMs - (now() - started));
    return this.#follow(created.id, { ...wait, timeoutMs }, remember, created);
  }

  /** One wait: remembered if asked, shared across tabs when possible. `first`: an observation already made. */
  #follow(id, wait, remember, first) {
    const { onProgress } = wait;
    let last = null;
    const seen = (task) => {
      if (last !== null && last.status === task.status && last.progress === task.progress) return;
      last = task;
      if (remember) this.#remember(id, task, undefined);
      onProgress?.(task);
    };
    if (remember && first === null) this.#remember(id, null, remember.data);
    if (first !== null) {
      // The created task, then (as client.generate* does) the wait's first observation whatever it says.
      seen(first);
      last = null;
    }
    const outcome = this.#share ? this.#shared(id, wait, seen) : this.#client.waitForTask(id, { ...wait, onProgress: seen });
    if (!remember) return outcome;
    return outcome.then(
      (task) => {
        this.#remember(id, task, undefined);
        return task;
      },
      (error) => {
        // A task that ended badly, or that the server does not know, leaves the record.
        if (isNamed(error, 'TaskFailedError') || (isNamed(error, 'ApiError') && error.status === 404)) this.#drop(id);
        throw error;
      },
    );
  }

  /**
   * A wait that takes part in the tab election for `id`: it waits for the lock, polls through
   * the client while it holds it, and meanwhile hears the holder's observations and outcome.
   */
  #shared(id, wait, seen) {
    const { signal, timeoutMs, onProgress: _own, ...pace } = wait;
    const lockName = `${this.#channelName}:${id}`;
    const client = this.#client;
    return new Promise((resolve, reject) => {
      const local = new AbortController();
      const deadline = timeoutMs === undefined ? null : now() + timeoutMs;
      let settled = false;
      /** The AbortController of this wait's turn at polling, while it has one. */
      let turn = null;
      let latest = null;
      let timer = null;
      let handingOver = false;
      /** The lock request waiting in line (aborted to steal the lock instead). */
      let attempt = null;
      let stealNext = false;
      let pollerHidden = false;
      const leading = () => turn !== null;
      const finish = (ok, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        listen(pageDocument(), 'visibilitychange', onVisibility, false);
        local.abort();
        this.#leave(id, onMessage);
        if (ok) resolve(value);
        else reject(value);
      };
      const observe = (task) => {
        latest = task;
        try {
          seen(task);
        } catch (error) {
          finish(false, error);
        }
      };
      const arm = () => {
        clearTimeout(timer);
        if (deadline !== null && !settled && !leading()) {
          timer = setTimeout(() => finish(false, timeoutError(id, latest)), Math.max(0, deadline - now()));
        }
      };
      const onAbort = () => finish(false, signal.reason);
      const announce = () => this.#post({ type: 'poller', id, hidden: isHidden() });
      // A hidden tab's client polls slowly (at maxIntervalMs): a visible tab waiting on the same
      // task takes the lock from it, so that what people look at is current.
      const stealIfBehind = () => {
        if (!settled && !leading() && pollerHidden && !isHidden() && attempt !== null && !stealNext) {
          stealNext = true;
          attempt.abort();
        }
      };
      const onVisibility = () => {
        if (leading()) announce();
        else if (!isHidden()) this.#post({ type: 'hello', id });
      };
      const onMessage = (message) => {
        if (settled) return;
        if (message.type === 'hello') {
          if (leading()) {
            announce();
            if (latest !== null) this.#post({ type: 'seen', id, task: latest });
          }
        } else if (message.type === 'poller' && !leading()) {
          pollerHidden = message.hidden === true;
          stealIfBehind();
        } else if (message.type === 'seen' && !leading()) {
          observe(message.task);
        } else if (message.type === 'end') {
          if (message.error === undefined) {
            observe(message.task);
            finish(true, message.task);
          } else {
            if (message.task !== undefined) observe(message.task);
            finish(false, revive(message.error, message.task));
          }
        }
      };

      /** Polls through the client while this wait holds the lock; resolves to release it. */
      const lead = () =>
        new Promise((released) => {
          const inner = new AbortController();
          turn = inner;
          clearTimeout(timer);
          const freeze = () => inner.abort(FROZEN);
          const onHide = (event) => event.persisted && freeze();
          listen(pageDocument(), 'freeze', freeze, true);
          listen(pageWindow(), 'pagehide', onHide, true);
          const onLocal = () => inner.abort(local.signal.reason);
          local.signal.addEventListener('abort', onLocal);
          let ended = false;
          const done = () => {
            if (ended) return;
            ended = true;
            turn = null;
            listen(pageDocument(), 'freeze', freeze, false);
            listen(pageWindow(), 'pagehide', onHide, false);
            local.signal.removeEventListener('abort', onLocal);
            arm();
          };
          // Released at once when this wait stops, is robbed or the page freezes, without
          // waiting for the client's rejection to come back.
          inner.signal.addEventListener('abort', () => {
            done();
            if (!handingOver) released(inner.signal.reason === FROZEN ? FROZEN : undefined);
          });
          announce();
          const remaining = deadline === null ? undefined : Math.max(1, deadline - now());
          client
            .waitForTask(id, {
              ...pace,
              timeoutMs: remaining,
              signal: inner.signal,
              onProgress: (task) => {
                latest = task;
                this.#post({ type: 'seen', id, task });
                observe(task);
              },
            })
            .then(
              async (task) => {
                handingOver = true;
                this.#post({ type: 'end', id, task });
                observe(task);
                finish(true, task);
                await this.#handOver(lockName);
                released();
              },
              async (error) => {
                if (inner.signal.aborted) return;
                // What the task or the server said is everyone's outcome; this tab's own
                // deadline, or its onProgress throwing, is its own: another tab takes over.
                if (error instanceof EvoLinkError && !(error instanceof TimeoutError)) {
                  handingOver = true;
                  this.#post({ type: 'end', id, error: errorRecord(error), task: error.task });
                  finish(false, error);
                  await this.#handOver(lockName);
                } else {
                  finish(false, error);
                }
                released();
              },
            )
            .finally(done);
        });

      if (signal?.aborted) return finish(false, signal.reason);
      signal?.addEventListener('abort', onAbort);
      listen(pageDocument(), 'visibilitychange', onVisibility, true);
      this.#join(id, onMessage);
      arm();
      this.#post({ type: 'hello', id });
      (async () => {
        while (!settled) {
          const steal = stealNext;
          stealNext = false;
          const current = new AbortController();
          attempt = steal ? null : current;
          const stop = () => current.abort();
          local.signal.addEventListener('abort', stop);
          let granted = false;
          let outcome;
          try {
            // A steal cannot carry a signal: it is granted at once.
            outcome = await navigator.locks.request(lockName, steal ? { steal: true } : { signal: current.signal }, () => {
              granted = true;
              attempt = null;
              return settled ? undefined : lead();
            });
          } catch (error) {
            if (settled) return;
            if (granted) {
              // Another tab stole the lock: stop polling and wait in line again.
              turn?.abort(STOLEN);
            } else if (!current.signal.aborted) {
              // No lock to be had here (an opaque origin, a lock manager that refuses): poll alone.
              outcome = await lead();
            }
          } finally {
            attempt = null;
            local.signal.removeEventListener('abort', stop);
          }
          if (outcome === FROZEN && !settled) await thawed(local.signal);
        }
      })();
    });
  }

  /** Keeps the lock until the other waits on it have heard the outcome (they drop their request), at most HANDOVER_MS. */
  async #handOver(lockName) {
    const until = now() + HANDOVER_MS;
    while (now() < until) {
      let pending;
      try {
        ({ pending = [] } = await navigator.locks.query());
      } catch {
        return;
      }
      if (!pending.some((lock) => lock.name === lockName)) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  #join(id, handler) {
    if (this.#channelUsers++ === 0) {
      this.#channel = new BroadcastChannel(this.#channelName);
      this.#channel.onmessage = (event) => this.#deliver(event.data);
    }
    let handlers = this.#waits.get(id);
    if (!handlers) this.#waits.set(id, (handlers = new Set()));
    handlers.add(handler);
  }

  #leave(id, handler) {
    const handlers = this.#waits.get(id);
    if (!handlers?.delete(handler)) return;
    if (handlers.size === 0) this.#waits.delete(id);
    if (--this.#channelUsers === 0) {
      this.#channel.close();
      this.#channel = null;
    }
  }

  /** To the other tabs, and to this instance's other waits on the task. */
  #post(message) {
    const full = { v: VERSION, ...message };
    try {
      this.#channel?.postMessage(full);
    } catch {
      // A task that cannot be cloned cannot be shared; the other tabs will poll themselves.
    }
    queueMicrotask(() => this.#deliver(full));
  }

  #deliver(message) {
    if (message === null || typeof message !== 'object' || message.v !== VERSION || typeof message.id !== 'string') return;
    for (const handler of [...(this.#waits.get(message.id) ?? [])]) handler(message);
  }

  // ---- the record --------------------------------------------------------------------------

  /** Adds or updates the record of `id` with an observation (or none yet); `data` replaces its data unless undefined. */
  #remember(id, task, data) {
    const at = Date.now();
    this.#update((records) => {
      const old = records.find((r) => r.id === id);
      const status = typeof task?.status === 'string' ? task.status : old?.status ?? 'pending';
      if (status === 'failed' || status === 'cancelled') return records.filter((r) => r.id !== id);
      const record = {
        id,
        data: data !== undefined ? data : old?.data ?? null,
        addedAt: old?.addedAt ?? at,
        updatedAt: at,
        status,
        progress: typeof task?.progress === 'number' ? task.progress : old?.progress ?? 0,
        // When this page last saw the task running: its links expire 24 h after it ended, so
        // at the earliest 24 h after that.
        runningAt: task && !ENDED.has(status) ? at : old?.runningAt ?? null,
      };
      if (status === 'completed') {
        record.task = task ?? old?.task;
        record.expiresAt = old?.expiresAt ?? (record.runningAt ?? at) + LINK_LIFETIME_MS;
      }
      return [record, ...records.filter((r) => r.id !== id)];
    });
  }

  #drop(id) {
    if (!isPage()) return;
    this.#update((records) => records.filter((r) => r.id !== id));
  }

  /** Reads, changes and writes the record (each tab writes the whole list; the last write wins). */
  #update(change) {
    const after = change([...this.#read().records]).sort((a, b) => b.addedAt - a.addedAt);
    const raw = this.#write(after);
    this.#memory = after;
    this.#snapshot = snapshot(after, raw, this.#maxAgeMs);
    this.#snapshot.fromStorage = !this.#stale && this.#storage() !== null;
    this.#changed();
  }

  /**
   * The records as stored (or, while the storage fails, as this page knows them), without the
   * expired and too old ones: the same snapshot until something changes.
   */
  #read() {
    const storage = this.#stale ? null : this.#storage();
    let raw = null;
    let fromStorage = false;
    if (storage !== null) {
      try {
        raw = storage.getItem(this.#key);
        fromStorage = true;
      } catch (error) {
        this.#warn('storage_unavailable', 'localStorage cannot be read: remembered tasks are kept in memory only', error);
      }
    }
    const cached = this.#snapshot;
    const current = Date.now() < cached.nextExpiry;
    if (fromStorage ? cached.raw === raw && cached.fromStorage && current : !cached.fromStorage && cached.records === this.#memory && current) {
      return cached;
    }
    let records = this.#memory;
    let rewrite = false;
    if (fromStorage) {
      records = [];
      if (raw !== null) {
        const parsed = parseRecords(raw);
        if (parsed === null) {
          this.#warn('storage_corrupt', `the value under localStorage key "${this.#key}" is not a record of tasks: it was rebuilt`);
          rewrite = true;
        } else {
          records = parsed.records;
          if (parsed.skipped > 0) {
            this.#warn('storage_corrupt', `${parsed.skipped} unreadable entr${parsed.skipped === 1 ? 'y was' : 'ies were'} dropped from localStorage key "${this.#key}"`);
            rewrite = true;
          }
        }
      }
    }
    const at = Date.now();
    const kept = records.filter((r) => (r.expiresAt !== undefined ? r.expiresAt > at : at - r.addedAt < this.#maxAgeMs));
    if (fromStorage && raw !== null && (rewrite || kept.length !== records.length)) raw = this.#write(kept);
    this.#memory = kept;
    this.#snapshot = snapshot(kept, raw, this.#maxAgeMs);
    this.#snapshot.fromStorage = fromStorage && !this.#stale;
    return this.#snapshot;
  }

  /** Writes the records; returns what the storage now holds (null: nothing, or it failed). */
  #write(records) {
    const storage = this.#storage();
    if (storage === null) return null;
    const text = JSON.stringify(records);
    try {
      if (records.length === 0) storage.removeItem(this.#key);
      else storage.setItem(this.#key, text);
      this.#stale = false;
      this.#warned.delete('storage_full');
      return records.length === 0 ? null : text;
    } catch (error) {
      this.#stale = true;
      const full = error?.name === 'QuotaExceededError' || error?.code === 22;
      if (full) this.#warn('storage_full', 'localStorage is full: remembered tasks are kept in memory only until it has room', error);
      else this.#warn('storage_unavailable', 'localStorage cannot be written: remembered tasks are kept in memory only', error);
      return null;
    }
  }

  /** The page's localStorage, or null (missing, or disabled: reading it throws). */
  #storage() {
    try {
      const storage = globalThis.localStorage;
      if (storage && typeof storage.getItem === 'function') return storage;
    } catch (error) {
      this.#warn('storage_unavailable', 'localStorage is disabled here: remembered tasks are kept in memory only', error);
      return null;
    }
    this.#warn('storage_unavailable', 'this page has no localStorage: remembered tasks are kept in memory only');
    return null;
  }

  #warn(code, message, cause) {
    if (this.#warned.has(code)) return;
    this.#warned.add(code);
    const warning = { code, message, cause };
    try {
      this.#onWarning(warning);
    } catch (error) {
      // A warning handler that throws must not break a wait either.
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  #changed() {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

// ---- helpers -------------------------------------------------------------------------------

function now() {
  return typeof performance === 'object' ? performance.now() : Date.now();
}

/** A web page (a document, not a worker, Node, Deno or Workers). */
function isPage() {
  return typeof document === 'object' && document !== null && typeof window === 'object';
}

function requirePage(what) {
  if (!isPage()) {
    throw new TypeError(
      `evolink-tasks/browser-tasks: cannot ${what} here: remembering tasks needs a web page's localStorage, and this runtime (Node, Deno, Workers or a web worker) has no page`,
    );
  }
}

/** The page's document and window, or null (a worker, or a runtime without them). */
function pageDocument() {
  return typeof document === 'object' && document !== null && typeof document.addEventListener === 'function' ? document : null;
}

function pageWindow() {
  return typeof window === 'object' && window !== null && typeof window.addEventListener === 'function' ? window : null;
}

function listen(target, type, handler, on) {
  if (target === null) return;
  if (on) target.addEventListener(type, handler);
  else target.removeEventListener(type, handler);
}

function isHidden() {
  return typeof document === 'object' && document !== null && document.visibilityState === 'hidden';
}

function canShare() {
  return (
    typeof navigator === 'object' &&
    navigator !== null &&
    typeof navigator.locks?.request === 'function' &&
    typeof navigator.locks?.query === 'function' &&
    typeof BroadcastChannel === 'function'
  );
}

/** `remember` as given: undefined/false → null; true → {}; { data } → checked. */
function rememberOptions(remember) {
  if (remember === undefined || remember === false) return null;
  requirePage('remember a task');
  if (remember === true) return { data: undefined };
  const opts = plainOptions(remember, REMEMBER_NAMES, '"remember"');
  let text;
  try {
    text = opts.data === undefined ? undefined : JSON.stringify(opts.data);
  } catch (error) {
    throw new TypeError(`"remember.data" must be plain JSON data (${error?.message ?? error})`);
  }
  if (text !== undefined && text.length > MAX_DATA_CHARS) {
    throw new RangeError(`"remember.data" must be at most ${MAX_DATA_CHARS} characters as JSON (it is ${text.length})`);
  }
  return { data: text === undefined ? undefined : JSON.parse(text) };
}

function plainOptions(value, names, what) {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${what} must be an object`);
  for (const key of Object.keys(value)) {
    if (!names.includes(key)) throw new TypeError(`${what}: unknown option "${key}" (known options: ${names.join(', ')})`);
  }
  return value;
}

function splitOff(options, name) {
  if (options === null || typeof options !== 'object') return options;
  const { [name]: _dropped, ...rest } = options;
  return rest;
}

/** Stored text → records, or null when it is not ours at all. */
function parseRecords(raw) {
  let value;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!Array.isArray(value)) return null;
  const records = [];
  const ids = new Set();
  for (const r of value) {
    const ok =
      r !== null &&
      typeof r === 'object' &&
      typeof r.id === 'string' &&
      r.id !== '' &&
      !ids.has(r.id) &&
      Number.isFinite(r.addedAt) &&
      typeof r.status === 'string' &&
      (r.expiresAt === undefined || Number.isFinite(r.expiresAt));
    if (ok) {
      ids.add(r.id);
      records.push(r);
    }
  }
  return { records, skipped: value.length - records.length };
}

/** What #read hands out: the records, their frozen public copies, and when the next one expires. */
function snapshot(records, raw, maxAgeMs) {
  const expiries = records.map((r) => r.expiresAt ?? r.addedAt + maxAgeMs);
  return {
    raw,
    records,
    list: Object.freeze(records.map((r) => Object.freeze(publicRecord(r)))),
    nextExpiry: Math.min(Infinity, ...expiries),
    fromStorage: false,
  };
}

function publicRecord(r) {
  const out = {
    id: r.id,
    data: r.data ?? null,
    addedAt: r.addedAt,
    updatedAt: r.updatedAt ?? r.addedAt,
    status: r.status,
    progress: typeof r.progress === 'number' ? r.progress : 0,
  };
  if (r.task !== undefined) out.task = r.task;
  if (r.expiresAt !== undefined) out.expiresAt = r.expiresAt;
  return out;
}

function isNamed(error, name) {
  return error !== null && typeof error === 'object' && error.name === name;
}

/** What crosses to the other tabs: the error's own JSON (name, message, code, plain fields). */
function errorRecord(error) {
  return typeof error.toJSON === 'function' ? error.toJSON() : { name: error.name, message: error.message, code: error.code };
}

/** The error another tab's wait ended with, as this tab's classes. */
function revive(r, task) {
  let error;
  switch (r?.name) {
    case 'TaskFailedError':
      error = new TaskFailedError(r.message, r.code, task);
      break;
    case 'ApiError':
      error = new ApiError(r.message, r.code, r.status, r.type, r.param, r.fallbackSuggestion);
      break;
    case 'NetworkError':
      error = new NetworkError(r.message);
      break;
    case 'InvalidResponseError':
      error = new InvalidResponseError(r.message);
      break;
    default:
      error = new EvoLinkError(String(r?.message ?? 'the task failed in another tab'), String(r?.code ?? 'unknown'));
  }
  for (const key of ['taskId', 'retryAfterMs', 'requestId']) {
    if (r?.[key] !== undefined) error[key] = r[key];
  }
  return error;
}

/** This tab's deadline passed while another tab was polling: the client's TimeoutError, as it words it. */
function timeoutError(id, task) {
  const error = new TimeoutError(`Timed out waiting for the task (task ${id})`, task ?? undefined);
  error.taskId = id;
  return error;
}

/** Resolves when a frozen page runs again (or the wait stops). */
function thawed(signal) {
  return new Promise((resolve) => {
    const done = () => {
      listen(pageDocument(), 'resume', done, false);
      listen(pageWindow(), 'pageshow', done, false);
      signal.removeEventListener('abort', done);
      resolve();
    };
    listen(pageDocument(), 'resume', done, true);
    listen(pageWindow(), 'pageshow', done, true);
    signal.addEventListener('abort', done);
  });
}

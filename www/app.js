// evolink-tasks demo page: no framework, no build step.
//
// "Generate video" creates a task with EvoLinkClient.createVideo (which checks the Seedance 2.0
// limits before sending anything); "Watch" takes an existing task id. Each task gets a card
// showing what EvoLinkClient.waitForTask observes (status, progress, time left), every request
// made for it (through a `fetch` wrapper given to the client, so failed polls and retries show
// too), the video when done with a countdown to its link's expiry, or the error in plain words
// with what to do next. Tasks are remembered by the library (evolink-tasks/browser-tasks, with the
// prompt and settings as their data): after a reload unfinished ones are watched again and
// finished ones re-fetched once. A second tab of the page shares each poll: one tab polls, the
// others hear its observations (shown in their timelines as seen by another tab).
//
// The API base is this page's own server (`/`): serve.mjs answers with the fake EvoLink server,
// or proxies to the real API adding the key itself, so no key ever reaches the browser.
//
// Polling follows the client's adaptive pace (planned from the task's estimate and progress
// rate). URL parameter, for tests and the curious: `?interval=MS` polls at a fixed interval.

import {
  ApiError,
  EvoLinkClient,
  EvoLinkError,
  InvalidResponseError,
  NetworkError,
  TaskFailedError,
  TimeoutError,
} from 'evolink-tasks';
import { BrowserTasks } from 'evolink-tasks/browser-tasks';

const API_BASE = '/';
const CONFIG = await loadConfig();
/** A fixed poll interval from `?interval=MS`, else null: the client's adaptive pace. */
const POLL_INTERVAL_MS = intervalFromUrl();
const WAIT_TIMEOUT_MS = 20 * 60 * 1000;
const LINK_LIFETIME_MS = 24 * 60 * 60 * 1000;
const MAX_ROWS = 80;
const ENDED = new Set(['completed', 'failed', 'cancelled']);
const RUNNING = new Set(['pending', 'processing']);
const RETRIED_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const MODEL_NAMES = {
  'seedance-2.0-text-to-video': 'Seedance 2.0',
  'seedance-2.0-fast-text-to-video': 'Seedance 2.0 Fast',
  'seedance-2.0-mini-text-to-video': 'Seedance 2.0 Mini',
};
const FIELD_NAMES = {
  model: 'Model',
  prompt: 'Prompt',
  duration: 'Duration',
  quality: 'Quality',
  aspect_ratio: 'Aspect ratio',
};

// ---------------------------------------------------------------------------------------
// Configuration: which API the page talks to (never the key), and the poll interval

async function loadConfig() {
  try {
    const response = await fetch('/demo-config.json', { cache: 'no-store' });
    if (response.ok) {
      const config = await response.json();
      if (config?.mode === 'real' || config?.mode === 'fake') return config;
    }
  } catch {
    // Served by something other than serve.mjs: assume the fake server.
  }
  return { mode: 'fake', api: 'unknown' };
}

function intervalFromUrl() {
  const text = new URLSearchParams(location.search).get('interval');
  const ms = Number(text);
  return text !== null && Number.isFinite(ms) ? Math.min(60_000, Math.max(100, Math.round(ms))) : null;
}

// ---------------------------------------------------------------------------------------
// Page wiring

const tasksList = document.getElementById('tasks');
const cardTemplate = document.getElementById('task-card');
const generateForm = document.getElementById('generate-form');
const watchForm = document.getElementById('watch-form');
/** Cards by task id (cards still being created are not in here yet). */
const cards = new Map();
/** The <li> showing each timeline row (rows are plain data, saved as they are). */
const rowElements = new WeakMap();
let nextCardNumber = 0;

/** Runs once, at the end of this module (after every constant below is defined). */
function start() {
  showMode();
  generateForm.addEventListener('submit', onGenerate);
  watchForm.addEventListener('submit', onWatch);
  for (const form of [generateForm, watchForm]) {
    form.addEventListener('input', (event) => clearFormError(form, event.target));
  }
  restoreTasks();
  setInterval(tick, 1000);
  // The buttons start disabled so that nothing submits before this module (and the wasm) loaded.
  for (const button of document.querySelectorAll('button[type="submit"]')) button.disabled = false;
  document.getElementById('loading').hidden = true;
}

function showMode() {
  const badge = document.getElementById('mode-badge');
  const note = document.getElementById('mode-note');
  const real = CONFIG.mode === 'real';
  badge.dataset.mode = CONFIG.mode;
  badge.textContent = real ? 'real API' : 'fake server';
  badge.hidden = false;
  note.textContent = real
    ? `Requests go to ${CONFIG.api} through the demo server, which adds the API key itself: the key never reaches this page. Tasks are real and billed.`
    : 'The page talks to a local fake EvoLink server: nothing leaves this machine and no key is needed. Set EVOLINK_API_KEY before `make demo` to use the real API.';
  note.hidden = false;
  document.body.dataset.mode = CONFIG.mode;
  document.getElementById('interval-text').textContent =
    POLL_INTERVAL_MS === null
      ? 'at the client’s adaptive pace (planned from each task’s estimate and progress)'
      : `every ${formatDuration(POLL_INTERVAL_MS / 1000, { exact: true })} (fixed by ?interval=)`;
}

function onGenerate(event) {
  event.preventDefault();
  clearFormError(generateForm);
  const fields = generateForm.elements;
  const params = {
    model: fields.model.value,
    prompt: fields.prompt.value.trim(),
    // An empty field is NaN: the client reports it as not a number, like any bad value.
    duration: fields.duration.value.trim() === '' ? Number.NaN : Number(fields.duration.value),
    quality: fields.quality.value,
    aspect_ratio: fields.aspect_ratio.value,
  };
  const card = new TaskCard({
    prompt: params.prompt,
    settings: { model: params.model, duration: params.duration, quality: params.quality, aspect_ratio: params.aspect_ratio },
  });
  card.create(params, (err) => showFormError(generateForm, err));
}

function onWatch(event) {
  event.preventDefault();
  clearFormError(watchForm);
  const input = watchForm.elements.task_id;
  // Surrounding spaces are a paste accident; anything else wrong with the id the client says.
  const id = input.value.trim();
  const existing = cards.get(id);
  if (existing) {
    input.value = '';
    existing.focus();
    if (!existing.watching) existing.watch();
    return;
  }
  const card = new TaskCard({ id });
  card.onShown = () => {
    input.value = '';
  };
  card.watch({ onInvalid: (err) => showFormError(watchForm, err) });
}

/** Shows a TypeError/RangeError of the client (or any early error) next to its form. */
function showFormError(form, err) {
  const box = form.querySelector('.form-error');
  const message = String(err?.message ?? err);
  // The client names the field: `"duration" must be …`, or `task id contains …`.
  const field = /^"([a-z_]+)"/.exec(message)?.[1] ?? (/^task id\b/.test(message) ? 'task_id' : undefined);
  const control = field ? form.querySelector(`[name="${field}"]`) : null;
  const problem = describeArgumentError(err, field);
  box.querySelector('.form-error-title').textContent = problem.title;
  box.querySelector('.form-error-advice').textContent = problem.advice;
  box.querySelector('.form-error-detail').textContent = `${err?.name ?? 'Error'} from the client: ${message}`;
  box.hidden = false;
  if (control) {
    control.dataset.describedby ??= control.getAttribute('aria-describedby') ?? '';
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', `${control.dataset.describedby} ${box.id}`.trim());
    control.focus();
  }
}

function clearFormError(form, changed) {
  const box = form.querySelector('.form-error');
  if (changed && !changed.matches?.('[aria-invalid="true"]') && box.hidden) return;
  box.hidden = true;
  for (const control of form.querySelectorAll('[aria-invalid="true"]')) {
    control.removeAttribute('aria-invalid');
    const describedBy = control.dataset.describedby;
    delete control.dataset.describedby;
    if (describedBy) control.setAttribute('aria-describedby', describedBy);
    else control.removeAttribute('aria-describedby');
  }
}

function describeArgumentError(err, field) {
  const isArgument = err instanceof RangeError || err instanceof TypeError;
  if (!isArgument) {
    const problem = describeError(err);
    return { title: problem.title, advice: problem.advice };
  }
  // `"duration" must be …` reads as `Duration must be …`.
  const named = field && err.message.startsWith(`"${field}"`);
  const text = named ? `${FIELD_NAMES[field] ?? field}${err.message.slice(field.length + 2)}` : err.message;
  return {
    title: `${text[0].toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`,
    advice: 'Nothing was sent: the client checks the values before any request. Correct the field and try again.',
  };
}

/** Every second: the time left and the link expiry countdowns. */
function tick() {
  for (const card of cards.values()) card.tick();
}

// ---------------------------------------------------------------------------------------
// Remembered tasks (the library's record): the prompt and settings are each task's data

/** Tells once, under the tasks heading, when this browser cannot keep tasks across reloads. */
function storageWarning(warning) {
  const note = document.getElementById('storage-note');
  note.textContent =
    warning.code === 'storage_corrupt'
      ? 'The saved task list could not be read and was started afresh.'
      : 'This browser does not let the page keep tasks: they are watched until you reload or close it.';
  note.hidden = false;
}

/** A BrowserTasks for `client`: every card's and the list's share the record (one base URL). */
function browserTasks(client) {
  return new BrowserTasks(client, { onWarning: storageWarning });
}

/** Shows the tasks remembered before the reload, once the wasm has loaded (the list is kept per
 * base URL, which the client names then). */
async function restoreTasks() {
  const tasks = browserTasks(new EvoLinkClient({ baseUrl: API_BASE }));
  try {
    await tasks.ready();
  } catch {
    return; // the wasm did not load: every call says why
  }
  const remembered = tasks.list();
  // Newest first; prepend oldest first to keep that order.
  for (const task of [...remembered].reverse()) {
    const card = new TaskCard({ remembered: task });
    card.show();
    card.restore();
  }
  updateEmptyState();
}

// ---------------------------------------------------------------------------------------
// One card per task

class TaskCard {
  /** A new card, or (`remembered`) one for a task the library remembered before the reload. */
  constructor({ id = null, prompt = '', settings = null, remembered = null }) {
    const data = remembered?.data ?? {};
    // What the card shows; the library keeps what outlives the page (id, data, last status).
    this.record = {
      id: remembered?.id ?? id,
      prompt: remembered ? data.prompt ?? '' : prompt,
      settings: remembered ? data.settings ?? null : settings,
      addedAt: remembered?.addedAt ?? Date.now(),
      state: remembered ? (data.stopped ? 'stopped' : remembered.status === 'completed' ? 'completed' : 'watching') : 'watching',
      last: remembered ? { status: remembered.status, progress: clampProgress(remembered.progress) } : null,
      estimate: null,
      expiry: remembered?.status === 'completed' ? data.expiry ?? null : null,
      rows: [],
    };
    this.root = cardTemplate.content.firstElementChild.cloneNode(true);
    this.root.taskCard = this;
    // The card is named by its title; its buttons say which task they act on.
    const titleId = `card-title-${(nextCardNumber += 1)}`;
    this.part('.card-title').id = titleId;
    this.part('article').setAttribute('aria-labelledby', titleId);
    for (const button of this.root.querySelectorAll('.actions button')) button.setAttribute('aria-describedby', titleId);
    this.controller = null;
    this.watching = false;
    this.shown = false;
    this.announcedStatus = null;
    // One client per card, so the fetch wrapper knows which card each request belongs to.
    this.client = new EvoLinkClient({ baseUrl: API_BASE, fetch: (input, init) => this.recordingFetch(input, init) });
    this.tasks = browserTasks(this.client);
    this.part('.stop').addEventListener('click', () => this.stop());
    this.part('.resume').addEventListener('click', () => {
      this.note('Watching again.');
      this.watch({ focusStop: true });
    });
    this.part('.remove').addEventListener('click', () => this.remove());
    this.renderStatic();
    this.renderRows();
    if (this.record.last) this.renderObservation(this.record.last);
  }

  get id() {
    return this.record.id;
  }

  part(selector) {
    return this.root.querySelector(selector);
  }

  /** Puts the card on the page (once): when its first request is made, or when restored. */
  show() {
    if (this.shown) return;
    this.shown = true;
    this.onShown?.();
    tasksList.prepend(this.root);
    updateEmptyState();
  }

  focus() {
    this.root.scrollIntoView({ block: 'nearest' });
    this.part('.card-title').setAttribute('tabindex', '-1');
    this.part('.card-title').focus();
  }

  setId(id) {
    this.record.id = id;
    cards.set(id, this);
    this.renderStatic();
  }

  /** What the library keeps with the task: the prompt and settings, and whether it was stopped. */
  data(stopped = false) {
    return { prompt: this.record.prompt || undefined, settings: this.record.settings ?? undefined, stopped };
  }

  renderStatic() {
    const { id, prompt, settings, addedAt } = this.record;
    this.part('.task-id').textContent = id ?? 'Creating…';
    if (id) {
      this.part('.progress').setAttribute('aria-label', `Progress of task ${id}`);
      this.part('.polls').setAttribute('aria-label', `Requests for task ${id}`);
      this.root.dataset.taskId = id;
      cards.set(id, this);
    }
    const promptText = this.part('.prompt');
    promptText.textContent = prompt ?? '';
    promptText.hidden = !prompt;
    const meta = [];
    if (settings) {
      meta.push(MODEL_NAMES[settings.model] ?? settings.model);
      if (Number.isFinite(settings.duration)) meta.push(`${settings.duration} s`);
      meta.push(settings.quality, settings.aspect_ratio);
    }
    meta.push(`added ${formatClock(addedAt)}`);
    this.part('.meta').textContent = meta.filter(Boolean).join(' · ');
    this.part('.meta').hidden = false;
  }

  // ---- requests, as the fetch wrapper sees them --------------------------------------

  /** The `fetch` given to this card's client: records each request and what came back. */
  async recordingFetch(input, init = {}) {
    this.show();
    this.settleRows({ nextRequest: true });
    const url = String(input);
    const row = { t: Date.now(), method: init.method ?? 'GET', what: url.includes('/v1/tasks/') ? 'poll' : 'create' };
    this.addRow(row);
    try {
      const response = await fetch(input, init);
      row.status = response.status;
      this.updateRow(row);
      // The answer is read here and the client gets a copy, so the page can tell a 2xx that is
      // not a task (the client retries those) from one that brought no change. Reading a
      // `response.clone()` instead does not work: the client aborts each request's signal once
      // it is done with it, even after a complete read, and that errors the unread clone.
      const body = await response.arrayBuffer();
      row.t1 = Date.now();
      if (response.ok && !isTaskBody(body)) row.invalid = true;
      this.updateRow(row);
      const noBody = [204, 205, 304].includes(response.status);
      return new Response(noBody ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch (err) {
      row.t1 = Date.now();
      row.failure = this.controller?.signal.aborted ? 'stopped' : init.signal?.aborted ? 'timeout' : 'network';
      this.updateRow(row);
      throw err;
    }
  }

  /** A timeline row that is not a request: something the page or the person did. */
  note(text) {
    this.addRow({ t: Date.now(), note: text, settled: true });
  }

  addRow(row) {
    this.record.rows.push(row);
    if (this.record.rows.length > MAX_ROWS) this.record.rows.splice(0, this.record.rows.length - MAX_ROWS);
    const list = this.part('.polls');
    const item = rowItem(row);
    rowElements.set(row, item);
    list.prepend(item);
    while (list.children.length > MAX_ROWS) list.lastElementChild.remove();
    this.updateRowCount();
  }

  updateRow(row) {
    const item = rowItem(row);
    rowElements.get(row)?.replaceWith(item);
    rowElements.set(row, item);
  }

  updateRowCount() {
    const polls = this.record.rows.filter((r) => r.method).length;
    this.part('.timeline .count').textContent = `(${polls})`;
    this.part('.timeline').hidden = this.record.rows.length === 0;
  }

  renderRows() {
    const list = this.part('.polls');
    list.replaceChildren();
    for (const row of this.record.rows) {
      const item = rowItem(row);
      rowElements.set(row, item);
      list.prepend(item);
    }
    this.updateRowCount();
  }

  /**
   * Finishes rows whose meaning is now known: an answered poll that brought no observation was
   * "no change" (the client reports only changes); a failed one followed by another request was
   * retried, one that ended the wait was not.
   */
  settleRows({ nextRequest = false, gaveUp = false } = {}) {
    for (const row of this.record.rows) {
      if (!row.method || row.settled) continue;
      if (row.status === undefined && row.failure === undefined && !nextRequest) continue;
      if (row.status >= 200 && row.status < 300 && !row.obs) row.same = true;
      // Shown only on rows that failed: followed by another request means retried.
      if (nextRequest) row.retried = true;
      else if (gaveUp) row.final = true;
      row.settled = true;
      this.updateRow(row);
    }
  }

  /** Attaches an observation to the request that brought it. */
  attachObservation(task) {
    const obs = { status: String(task.status), progress: clampProgress(task.progress) };
    const row = this.record.rows.findLast((r) => r.method && r.status >= 200 && r.status < 300 && !r.obs && !r.settled);
    if (row) {
      row.obs = obs;
      row.settled = true;
      this.updateRow(row);
    } else {
      // No request of this page brought it: another tab polls the task and passed it on.
      this.addRow({ t: Date.now(), obs, settled: true, note: 'seen by another tab' });
    }
    return row;
  }

  // ---- creating, watching, stopping ---------------------------------------------------

  /** Starts a watch: a fresh AbortController and the buttons for it. */
  begin(message) {
    this.controller = new AbortController();
    this.watching = true;
    this.root.dataset.state = 'running';
    this.record.state = 'watching';
    this.showProblem(null);
    this.part('.eta').textContent = message;
    this.setButtons({ stop: true, resume: false, remove: false });
    return this.controller.signal;
  }

  /** Creates the task, then watches it. `onInvalid(err)` gets argument errors (no card shown). */
  async create(params, onInvalid) {
    const signal = this.begin('Creating the task…');
    let created = null;
    try {
      // Created, remembered with its prompt and settings, and waited on (shared with other tabs).
      const task = await this.tasks.generateVideo(params, {
        ...this.waitOptions(signal),
        remember: { data: this.data() },
        onCreated: (task) => {
          created = task;
          this.createdTask = task;
          this.setId(task.id);
          this.attachObservation(task);
          this.observe(task);
          announce(`Task ${task.id} created.`);
          this.part('.eta').textContent = 'Checking the task…';
        },
      });
      this.watching = false;
      this.settleRows();
      this.complete(task);
    } catch (err) {
      this.watching = false;
      if (!this.shown) {
        // Nothing was sent: the client refused the values (or the page stopped it at once).
        onInvalid(err);
        return;
      }
      if (created === null) this.part('.task-id').textContent = 'Not created';
      else this.settleRows({ gaveUp: true });
      this.fail(err);
    }
  }

  /** The wait's options: the pace, the deadline, this card's signal, and what each observation shows. */
  waitOptions(signal) {
    return {
      ...(POLL_INTERVAL_MS === null ? {} : { intervalMs: POLL_INTERVAL_MS }),
      timeoutMs: WAIT_TIMEOUT_MS,
      signal,
      onProgress: (observed) => {
        // The created task was shown by onCreated already.
        if (observed === this.createdTask) return;
        this.attachObservation(observed);
        this.observe(observed);
      },
    };
  }

  /** Polls the task until it ends, fails or is stopped. */
  async watch({ onInvalid, continuing = false, focusStop = false } = {}) {
    if (this.watching && !continuing) return;
    const signal = continuing ? this.controller.signal : this.begin('Checking the task…');
    if (focusStop) this.part('.stop').focus();
    this.watching = true;
    try {
      const task = await this.tasks.waitForTask(this.id, { ...this.waitOptions(signal), remember: { data: this.data() } });
      this.watching = false;
      this.settleRows();
      this.complete(task);
    } catch (err) {
      this.watching = false;
      if (!this.shown && onInvalid) {
        cards.delete(this.id);
        onInvalid(err);
        return;
      }
      this.settleRows({ gaveUp: true });
      this.fail(err);
    }
  }

  stop() {
    if (!this.controller || this.controller.signal.aborted) return;
    this.controller.abort();
    // Remembered as stopped: after a reload it is shown, not watched.
    if (this.id) this.tasks.remember(this.id, { data: this.data(true) });
  }

  /** After a reload: resume unfinished tasks, re-fetch finished ones once, leave stopped ones. */
  async restore() {
    const { state } = this.record;
    if (state === 'stopped') {
      this.showStopped({ fromReload: true });
      return;
    }
    if (state === 'watching') {
      this.note('Page loaded: watching again.');
      await this.watch();
      return;
    }
    // Finished (or given up on): one GET shows the state the server has now.
    this.note('Page loaded: checking the final state once.');
    const signal = this.begin('Checking the final state…');
    let task;
    try {
      task = await this.client.getTask(this.id, { signal });
    } catch (err) {
      this.watching = false;
      this.settleRows({ gaveUp: true });
      this.fail(err);
      return;
    }
    this.watching = false;
    this.attachObservation(task);
    if (task.status === 'completed') this.complete(task);
    else if (ENDED.has(task.status)) this.showEnded(task);
    else await this.watch();
  }

  // ---- what the card shows -------------------------------------------------------------

  /** Shows one observation (from the creation answer, onProgress or getTask). */
  observe(task) {
    this.record.last = { status: String(task.status), progress: clampProgress(task.progress), t: Date.now() };
    const estimate = task.task_info?.estimated_time;
    if (typeof estimate === 'number' && typeof task.created === 'number' && RUNNING.has(task.status)) {
      this.record.estimate = { readyAt: (task.created + estimate) * 1000 };
    }
    if (typeof task.created === 'number') this.record.created = task.created;
    this.renderObservation(this.record.last);
    if (this.record.last.status !== this.announcedStatus && !ENDED.has(this.record.last.status)) {
      announce(`Task ${this.id}: ${this.record.last.status}, ${this.record.last.progress} %.`);
    }
    this.announcedStatus = this.record.last.status;
    this.tick();
  }

  renderObservation({ status, progress }) {
    this.setBadge(status);
    this.part('.progress-row').hidden = false;
    this.part('.progress').value = progress;
    this.part('.percent').textContent = `${progress} %`;
  }

  /** `text` on the badge; `kind` picks its colour (a documented status, or `other`). */
  setBadge(text, kind = text) {
    const badge = this.part('.badge');
    badge.textContent = text;
    badge.dataset.status = ENDED.has(kind) || RUNNING.has(kind) || kind === 'stopped' ? kind : 'other';
  }

  /** Called every second: time left while running, link expiry when done. */
  tick() {
    if (this.watching && this.record.last && !ENDED.has(this.record.last.status)) {
      this.part('.eta').textContent = this.describeTimeLeft();
    }
    if (this.record.expiry) this.renderExpiry();
  }

  describeTimeLeft() {
    const { status } = this.record.last;
    const seconds = estimateSecondsLeft(this.record);
    if (seconds === null) {
      return RUNNING.has(status) ? 'Estimating the time left…' : `The server reports “${status}”; still waiting.`;
    }
    return seconds < 1 ? 'Should be ready any moment.' : `About ${formatDuration(seconds)} left.`;
  }

  complete(task) {
    this.observe(task);
    this.record.state = 'completed';
    this.root.dataset.state = 'done';
    this.part('.eta').textContent = '';
    if (!this.record.expiry) {
      // The library remembers when the links expire (24 h after this page last saw the task
      // running, at the earliest); the basis of that count is this page's to remember.
      const expiry = expiryOf(task, this.record.rows);
      const kept = this.tasks.list().find((r) => r.id === this.id);
      this.record.expiry = kept?.expiresAt ? { ...expiry, at: kept.expiresAt, from: kept.expiresAt - LINK_LIFETIME_MS } : expiry;
      this.tasks.remember(this.id, { data: { ...this.data(), expiry: this.record.expiry } });
    }
    const urls = Array.isArray(task.results) ? task.results.filter((url) => typeof url === 'string') : [];
    this.showResults(urls);
    if (urls.length === 0) this.part('.eta').textContent = 'The task completed but returned no result link.';
    this.setButtons({ stop: false, resume: false, remove: true });
    announce(`Task ${this.id} completed.${urls.length ? ' The video is ready.' : ''}`);
  }

  showResults(urls) {
    const box = this.part('.results');
    const expired = this.record.expiry && Date.now() >= this.record.expiry.at;
    box.replaceChildren(...urls.map((url, index) => resultFigure(url, index, urls.length, expired)));
    if (urls.length) {
      const expiry = document.createElement('p');
      expiry.className = 'expiry';
      expiry.append(span('expiry-countdown', ''), ' ', span('expiry-basis', ''));
      expiry.firstChild.setAttribute('role', 'timer');
      box.append(expiry);
    }
    box.hidden = urls.length === 0;
    this.renderExpiry();
  }

  renderExpiry() {
    const countdown = this.part('.expiry-countdown');
    if (!countdown || !this.record.expiry) return;
    const { at, basis, from } = this.record.expiry;
    const left = at - Date.now();
    const expiresAt = new Date(at);
    countdown.textContent =
      left > 0
        ? `Link expires in ${formatCountdown(left)} (${formatDayTime(expiresAt)}): download the video to keep it.`
        : `The result link expired at ${formatDayTime(expiresAt)}.`;
    countdown.dataset.expired = String(left <= 0);
    this.part('.expiry-basis').textContent = {
      running: `Counted as 24 h from ${formatClock(from)}, the last check that saw the task still running: it finished after that, so this is the earliest it can expire.`,
      created: `Counted as 24 h from ${formatClock(from)}, when the task was created: it finished later, so the link may last a little longer.`,
      completed: `Counted as 24 h from ${formatClock(from)}, when this page first saw the task completed: it may have finished earlier.`,
    }[basis];
  }

  /** A failed or cancelled task, as getTask returned it after a reload. */
  showEnded(task) {
    this.observe(task);
    this.record.state = 'ended';
    this.root.dataset.state = 'failed';
    this.part('.eta').textContent = '';
    this.showProblem(describeTaskFailure(task.error?.code ?? (task.status === 'cancelled' ? 'cancelled' : undefined), task));
    this.setButtons({ stop: false, resume: false, remove: true });
  }

  fail(err) {
    if (isAbort(err)) {
      this.showStopped();
      return;
    }
    if (err instanceof TaskFailedError) this.observe(err.task);
    const problem = describeError(err, { creating: this.id === null });
    if (!(err instanceof TaskFailedError)) this.setBadge('error', 'failed');
    this.root.dataset.state = 'failed';
    this.record.state = problem.resumable ? 'watching' : 'ended';
    this.part('.eta').textContent = '';
    this.showProblem({ ...problem, detail: technicalDetail(err) });
    this.setButtons({ stop: false, resume: problem.resumable && this.id !== null, remove: true });
    announce(`${this.id ? `Task ${this.id}` : 'New task'}: ${problem.title}`);
  }

  showStopped({ fromReload = false } = {}) {
    const hadFocus = this.root.contains(document.activeElement);
    this.record.state = 'stopped';
    this.root.dataset.state = 'stopped';
    this.setBadge('stopped');
    this.part('.eta').textContent = '';
    const last = this.record.last;
    const where = last ? ` The last check said “${last.status}” at ${last.progress} %.` : '';
    this.showProblem(
      this.id === null
        ? { ...STOPPED, title: 'Stopped while creating the task.', advice: 'If the request reached the server, the task may exist (and be billed) anyway; without its id it cannot be watched.' }
        : { ...STOPPED, title: fromReload ? `Not watching: stopped before the page was reloaded.${where}` : `Stopped watching.${where}` },
    );
    this.setButtons({ stop: false, resume: this.id !== null, remove: true });
    // The Stop button just disappeared: keep the keyboard focus in the card.
    if (hadFocus && !fromReload) this.part(this.id ? '.resume' : '.remove').focus();
    if (!fromReload) {
      this.note('Stopped by you: no more requests.');
      announce(`Stopped watching task ${this.id ?? ''}.`);
    }
  }

  setButtons({ stop, resume, remove }) {
    this.part('.stop').hidden = !stop;
    this.part('.resume').hidden = !resume;
    this.part('.remove').hidden = !remove;
  }

  showProblem(problem) {
    const box = this.part('.problem');
    box.hidden = problem === null;
    if (problem === null) return;
    box.classList.toggle('neutral', problem.stopped === true);
    this.part('.problem-title').textContent = problem.title;
    this.part('.problem-advice').textContent = problem.advice;
    this.part('.problem-detail').textContent = problem.detail ?? '';
    this.part('.problem-detail').hidden = !problem.detail;
  }

  remove() {
    this.stop();
    if (this.id) this.tasks.forget(this.id);
    this.root.remove();
    if (this.id) cards.delete(this.id);
    updateEmptyState();
    document.getElementById('tasks-heading').focus();
  }
}

function updateEmptyState() {
  document.getElementById('no-tasks').hidden = tasksList.children.length > 0;
}

/** One timeline row: when, the request and its HTTP status, what came back. */
function rowItem(row) {
  const item = document.createElement('li');
  const when = document.createElement('time');
  when.dateTime = new Date(row.t).toISOString();
  when.textContent = formatClock(row.t);
  if (!row.method) {
    item.className = 'row-note';
    item.append(when, span('request', ''), span('outcome', row.note ?? ''), span('pct', row.obs ? `${row.obs.progress} %` : ''));
    if (row.obs) item.querySelector('.outcome').textContent = row.note ? `${row.obs.status}, ${row.note}` : row.obs.status;
    return item;
  }
  const code = row.status ?? (row.failure ? '—' : '…');
  const request = span('request', `${row.method} ${code}`);
  let outcome = '';
  let kind = 'pending';
  if (row.obs) {
    outcome = row.what === 'create' ? `created, ${row.obs.status}` : row.obs.status;
    kind = 'change';
  } else if (row.failure) {
    outcome = {
      stopped: 'stopped (request aborted)',
      timeout: 'no answer in time',
      network: 'could not connect',
      unloaded: 'no answer: the page was closed or reloaded',
    }[row.failure];
    kind = row.failure === 'stopped' || row.failure === 'unloaded' ? 'note' : 'fail';
  } else if (row.status !== undefined && (row.status < 200 || row.status >= 300)) {
    outcome = httpWords(row.status);
    kind = 'fail';
  } else if (row.invalid) {
    outcome = 'not a task';
    kind = 'fail';
  } else if (row.same) {
    outcome = 'no change';
    kind = 'same';
  } else if (row.status !== undefined) {
    outcome = 'reading…';
  } else {
    outcome = 'waiting for the answer…';
  }
  if (kind === 'fail' && row.retried) outcome += ', retried';
  if (kind === 'fail' && row.final && (RETRIED_STATUSES.has(row.status) || row.failure || row.invalid)) outcome += ', gave up';
  item.className = `row-${kind}`;
  item.append(when, request, span('outcome', outcome), span('pct', row.obs ? `${row.obs.progress} %` : ''));
  return item;
}

/** Whether an answer's body is a task object (an HTML page or truncated JSON is not). */
function isTaskBody(bytes) {
  try {
    const task = JSON.parse(new TextDecoder().decode(bytes));
    return typeof task?.id === 'string' && typeof task?.status === 'string';
  } catch {
    return false;
  }
}

function httpWords(status) {
  const words = {
    400: 'invalid request',
    401: 'key refused',
    402: 'out of credits',
    403: 'no access',
    404: 'not found',
    408: 'request timeout',
    413: 'too large',
    429: 'rate limited',
    500: 'server error',
    502: 'bad gateway',
    503: 'unavailable',
    504: 'gateway timeout',
  };
  return words[status] ?? (status >= 500 ? 'server error' : `HTTP ${status}`);
}

function resultFigure(url, index, count, expired) {
  const figure = document.createElement('figure');
  const label = count > 1 ? `Download video ${index + 1}` : 'Download video';
  const link = document.createElement('a');
  link.href = url;
  link.download = '';
  link.className = 'button download';
  link.textContent = label;
  const caption = document.createElement('figcaption');
  caption.append(link);
  if (expired) {
    figure.append(paragraph('video-error', 'The video is no longer available: result links expire 24 hours after generation.'), caption);
    return figure;
  }
  const video = document.createElement('video');
  video.controls = true;
  video.playsInline = true;
  video.preload = 'auto';
  video.src = url;
  video.setAttribute('aria-label', count > 1 ? `Generated video ${index + 1}` : 'Generated video');
  video.addEventListener('error', () => {
    caption.prepend(paragraph('video-error', 'The video could not be loaded here; the link may have expired.'));
  });
  figure.append(video, caption);
  return figure;
}

function span(className, text) {
  const element = document.createElement('span');
  element.className = className;
  element.textContent = text;
  return element;
}

function paragraph(className, text) {
  const element = document.createElement('p');
  element.className = className;
  element.textContent = text;
  return element;
}

/** Announces `text` through the polite live region, keeping only the last few messages. */
function announce(text) {
  const region = document.getElementById('announcer');
  region.append(paragraph('', text));
  while (region.children.length > 3) region.firstElementChild.remove();
}

// ---------------------------------------------------------------------------------------
// Time left and link expiry

function clampProgress(value) {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(100, Math.max(0, Math.round(value))) : 0;
}

/**
 * Seconds left, or null when unknown. While processing, the rate of progress seen so far is
 * extrapolated; before that, `task_info.estimated_time` (counted from `created`) is used.
 */
function estimateSecondsLeft(record) {
  const points = record.rows
    .filter((r) => r.obs?.status === 'processing')
    .map((r) => ({ t: r.t1 ?? r.t, progress: r.obs.progress }));
  const first = points[0];
  const last = points.at(-1);
  if (points.length >= 2 && last.progress > first.progress) {
    const msPerPercent = (last.t - first.t) / (last.progress - first.progress);
    return Math.max(0, ((100 - last.progress) * msPerPercent - (Date.now() - last.t)) / 1000);
  }
  if (record.estimate) return Math.max(0, (record.estimate.readyAt - Date.now()) / 1000);
  return null;
}

/**
 * When the result links expire: 24 h after generation finished. The API does not say when
 * that was, so count from the earliest moment it can have been (the page never overstates
 * the time left): the last answer that still said running, else the task's `created` time.
 */
function expiryOf(task, rows) {
  const completedRow = rows.findLastIndex((r) => r.obs?.status === 'completed');
  const earlier = rows.slice(0, completedRow === -1 ? rows.length : completedRow);
  const running = earlier.findLast(
    (r) => r.method && r.status >= 200 && r.status < 300 && !r.invalid && (r.same || (r.obs && !ENDED.has(r.obs.status))),
  );
  if (running) return { at: (running.t1 ?? running.t) + LINK_LIFETIME_MS, basis: 'running', from: running.t1 ?? running.t };
  if (typeof task.created === 'number') return { at: task.created * 1000 + LINK_LIFETIME_MS, basis: 'created', from: task.created * 1000 };
  const seen = rows[completedRow]?.t1 ?? Date.now();
  return { at: seen + LINK_LIFETIME_MS, basis: 'completed', from: seen };
}

function formatDuration(seconds, { exact = false } = {}) {
  if (exact && seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  const rounded = Math.max(1, Math.round(seconds));
  if (rounded < 60) return `${rounded} s`;
  const minutes = Math.floor(rounded / 60);
  const rest = rounded % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

function formatCountdown(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min ${String(s).padStart(2, '0')} s` : `${m} min ${String(s).padStart(2, '0')} s`;
}

function formatClock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function formatDayTime(date) {
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const day = new Date();
  if (date.toDateString() === day.toDateString()) return `today at ${time}`;
  day.setDate(day.getDate() + 1);
  if (date.toDateString() === day.toDateString()) return `tomorrow at ${time}`;
  day.setDate(day.getDate() - 2);
  if (date.toDateString() === day.toDateString()) return `yesterday at ${time}`;
  return `${date.toLocaleDateString([], { weekday: 'long', month: 'short', day: 'numeric' })} at ${time}`;
}

// ---------------------------------------------------------------------------------------
// Errors in plain words

const STOPPED = {
  stopped: true,
  resumable: true,
  title: 'Stopped watching.',
  advice: 'The task itself keeps running on the server. Press “Watch again” to pick it up.',
};

const INPUT_PROBLEM = 'Change the prompt or the settings, then generate again.';
const SERVER_PROBLEM =
  'This is usually temporary: start a new task in a minute. Nothing is resubmitted automatically, because the first attempt may already be billed.';

// error.code of a failed task -> [what happened, what to do next].
const TASK_FAILURES = {
  content_policy_violation: ['The prompt was refused by the content filter.', INPUT_PROBLEM],
  invalid_parameters: ['The generation settings were refused.', INPUT_PROBLEM],
  image_processing_error: ['An input image could not be processed.', 'Try another image.'],
  image_dimension_mismatch: ['The input images have mismatched sizes.', 'Use images of the same size.'],
  request_cancelled: ['The task was cancelled.', 'Generate again if you still want the video.'],
  cancelled: ['The task was cancelled.', 'Generate again if you still want the video.'],
  generation_timeout: ['The generation took too long and was stopped by the provider.', SERVER_PROBLEM],
  resource_not_found: ['This task id is unknown or has expired.', 'Check the id; finished tasks are only kept for a while.'],
};

// HTTP status -> [what happened, what to do next]; 5xx are handled together.
const HTTP_PROBLEMS = {
  400: ['The server refused the request as invalid.', 'Check the task id or the form values.'],
  401: ['The API key was refused.', 'Check the key that your backend or proxy adds to requests (EVOLINK_API_KEY for make demo).'],
  402: ['The account has run out of credits.', 'Top up the EvoLink balance, then try again.'],
  403: ['This key has no access to that model or task.', 'Use a key with access, or choose another model.'],
  404: ['No task with this id was found; it may have expired.', 'Check the id. Finished tasks are only kept for a while.'],
  413: ['The request was too large.', 'Shorten the prompt and try again.'],
  429: ['Too many requests right now.', 'Wait a few seconds, then try again.'],
};

// HTTP status of a refused creation -> [what happened, what to do next], where it differs.
const CREATE_PROBLEMS = {
  400: ['The server refused the video settings.', 'Check the prompt and the settings, then generate again.'],
  404: ['The server has no video creation endpoint at this address.', 'Check the API address the demo server proxies to (EVOLINK_BASE_URL).'],
};

function isAbort(err) {
  return err?.name === 'AbortError';
}

/** { title, advice, resumable, stopped? } for anything a wait or a creation can throw. */
function describeError(err, { creating = false } = {}) {
  if (isAbort(err)) return STOPPED;
  if (err instanceof TaskFailedError) return describeTaskFailure(err.code, err.task);
  if (err instanceof TimeoutError) return describeTimeout(err.task);
  if (err instanceof NetworkError) {
    return problem('The server could not be reached.', 'Check that the demo server is still running (make demo), then press “Watch again”.', true);
  }
  if (err instanceof InvalidResponseError) {
    return problem('The server answered with something that is not a task.', 'A proxy or CDN in front of the API may be interfering; try again later.', true);
  }
  if (err instanceof ApiError && creating && CREATE_PROBLEMS[err.status]) {
    const [title, advice] = CREATE_PROBLEMS[err.status];
    return problem(title, advice, false);
  }
  if (err instanceof ApiError) return describeHttpStatus(err.status, err.message);
  if (err instanceof EvoLinkError) return problem(`The client reported a problem: ${err.message} (${err.code}).`, 'Try again.', true);
  if (err instanceof RangeError || err instanceof TypeError) {
    return problem(`The client refused a value: ${err.message}.`, 'Correct it and try again.', false);
  }
  return problem(`Something unexpected went wrong: ${err?.message ?? err}.`, 'Reload the page and try again.', false);
}

function describeTaskFailure(code, task) {
  const known = TASK_FAILURES[code];
  const serverSays = task?.error?.message;
  const [title, advice] = known ?? [`The generation failed${serverSays ? `: ${serverSays}` : '.'}`, SERVER_PROBLEM];
  return problem(title, advice, false);
}

function describeTimeout(task) {
  const last = task ? ` The last check said “${task.status}” at ${clampProgress(task.progress)} %.` : '';
  return problem(`Gave up waiting after ${formatDuration(WAIT_TIMEOUT_MS / 1000)}.${last}`, 'The task may still finish: press “Watch again”.', true);
}

function describeHttpStatus(status, message) {
  if (status >= 500) {
    return problem(`The server had a problem (HTTP ${status}), several times in a row.`, 'This is usually temporary: press “Watch again” in a minute.', true);
  }
  const [title, advice] = HTTP_PROBLEMS[status] ?? [`The server answered HTTP ${status}${message ? `: ${message}` : '.'}`, 'Try again later.'];
  return problem(title, advice, status === 429);
}

function problem(title, advice, resumable) {
  return { title, advice, resumable };
}

/** The error as a developer sees it: class, HTTP status, code and message. */
function technicalDetail(err) {
  if (isAbort(err)) return '';
  const parts = [err?.name, err?.status ? `HTTP ${err.status}` : '', err?.code].filter(Boolean);
  return [parts.join(' · '), err?.message].filter(Boolean).join(': ');
}

start();

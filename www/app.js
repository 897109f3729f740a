// evolink-tasks demo page: no framework, no build step.
//
// "Generate video" creates a task with a plain fetch to POST /v1/videos/generations (the
// package does not create tasks yet); "Watch" takes an existing task id. Either way one card
// per task shows what EvoLinkClient.waitForTask observes (status, progress, a timeline, an
// estimate of the time left), then the video, or the error in plain words with what to do
// next. The API base is this page's own server (`/`): in production that would be a proxy
// that adds the API key, so no key ever reaches the browser.

import {
  ApiError,
  EvoLinkClient,
  EvoLinkError,
  InvalidResponseError,
  NetworkError,
  TaskFailedError,
  TimeoutError,
} from '/pkg/browser.mjs';

const API_BASE = '/';
const CREATE_PATH = 'v1/videos/generations';
const MODEL = 'seedance-2.0-text-to-video';
const POLL_INTERVAL_MS = 1000;
const WAIT_TIMEOUT_MS = 10 * 60 * 1000;
const ENDED = new Set(['completed', 'failed', 'cancelled']);
const BADGE_STATUSES = new Set([...ENDED, 'pending', 'processing']);

const client = new EvoLinkClient({ baseUrl: API_BASE });

// ---------------------------------------------------------------------------------------
// Page wiring

const tasksList = document.getElementById('tasks');
const cardTemplate = document.getElementById('task-card');

document.getElementById('generate-form').addEventListener('submit', onGenerate);
document.getElementById('watch-form').addEventListener('submit', onWatch);
// The buttons start disabled so that nothing submits before this module (and the wasm) loaded.
for (const button of document.querySelectorAll('button[type="submit"]')) button.disabled = false;
document.getElementById('loading').hidden = true;

function onGenerate(event) {
  event.preventDefault();
  const request = readGenerateForm(event.currentTarget);
  const card = new TaskCard(request.prompt);
  follow(card, async (signal) => {
    const task = await createVideoTask(request, signal);
    card.setTaskId(task.id);
    card.observe(task);
    return task.id;
  });
}

function onWatch(event) {
  event.preventDefault();
  const input = event.currentTarget.elements.task_id;
  const id = input.value.trim();
  if (id === '') return;
  input.value = '';
  const card = new TaskCard();
  card.setTaskId(id);
  follow(card, async () => id);
}

function readGenerateForm(form) {
  const fields = form.elements;
  return {
    prompt: fields.prompt.value.trim(),
    duration: Number(fields.duration.value),
    quality: fields.quality.value,
    aspect_ratio: fields.aspect_ratio.value,
  };
}

/**
 * Runs one watch on a card: `start(signal)` resolves to the task id (creating the task
 * first if need be), then waitForTask polls it until it ends, fails or is stopped.
 */
async function follow(card, start) {
  const controller = new AbortController();
  card.startWatching(controller, () => follow(card, async () => card.taskId));
  try {
    const id = await start(controller.signal);
    const task = await client.waitForTask(id, {
      intervalMs: POLL_INTERVAL_MS,
      timeoutMs: WAIT_TIMEOUT_MS,
      signal: controller.signal,
      onProgress: (observed) => card.observe(observed),
    });
    card.complete(task);
  } catch (err) {
    card.fail(err);
  }
}

// ---------------------------------------------------------------------------------------
// Creating a task (plain fetch)

/** An error answer to the creation request; `status` 0 means the server was not reached. */
class CreationError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'CreationError';
    this.status = status;
    this.code = code;
  }
}

async function createVideoTask(request, signal) {
  let response;
  try {
    response = await fetch(new URL(CREATE_PATH, new URL(API_BASE, location.href)), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, ...request }),
      signal,
    });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new CreationError(0, 'network_error', String(err?.message ?? err));
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new CreationError(response.status, String(body?.error?.code ?? `http_${response.status}`), body?.error?.message ?? '');
  }
  if (typeof body?.id !== 'string') {
    throw new CreationError(response.status, 'invalid_response', 'The answer carries no task id.');
  }
  return body;
}

// ---------------------------------------------------------------------------------------
// One card per task

class TaskCard {
  constructor(prompt = '') {
    this.root = cardTemplate.content.firstElementChild.cloneNode(true);
    this.taskId = null;
    this.lastStatus = null;
    this.observations = [];
    this.controller = null;
    const promptText = this.part('.prompt');
    promptText.textContent = prompt;
    promptText.hidden = prompt === '';
    this.part('.stop').addEventListener('click', () => this.controller?.abort());
    this.part('.remove').addEventListener('click', () => this.remove());
    tasksList.prepend(this.root);
    updateEmptyState();
  }

  part(selector) {
    return this.root.querySelector(selector);
  }

  setTaskId(id) {
    this.taskId = id;
    this.part('.task-id').textContent = id;
    this.part('.progress').setAttribute('aria-label', `Progress of task ${id}`);
    this.part('.observations').setAttribute('aria-label', `Observations of task ${id}`);
  }

  /** Enters the watching state; `resume` restarts a watch after a stop or a passing error. */
  startWatching(controller, resume) {
    this.controller = controller;
    this.root.dataset.state = 'running';
    this.showProblem(null);
    this.part('.eta').textContent = this.taskId ? 'Checking the task…' : 'Creating the task…';
    this.part('.resume').onclick = resume;
    this.setButtons({ stop: true, resume: false, remove: false });
  }

  setButtons({ stop, resume, remove }) {
    this.part('.stop').hidden = !stop;
    this.part('.resume').hidden = !resume;
    this.part('.remove').hidden = !remove;
  }

  /** Shows one observation of the task (from the creation answer or from onProgress). */
  observe(task) {
    const progress = clampProgress(task.progress);
    this.showStatus(task.status);
    this.part('.progress-row').hidden = false;
    this.part('.progress').value = progress;
    this.part('.percent').textContent = `${progress} %`;
    this.addObservation(task.status, progress);
    this.part('.eta').textContent = this.describeTimeLeft(task);
  }

  showStatus(status) {
    if (status !== this.lastStatus && !ENDED.has(status)) announce(`Task ${this.taskId}: ${status}.`);
    this.lastStatus = status;
    this.setBadge(status, BADGE_STATUSES.has(status) ? status : 'other');
  }

  /** `kind` picks the badge colour: a documented status, or `other`. */
  setBadge(text, kind) {
    const badge = this.part('.badge');
    badge.textContent = text;
    badge.dataset.status = kind;
  }

  addObservation(status, progress) {
    const last = this.observations.at(-1);
    const now = Date.now();
    if (last?.status === status && last.progress === progress) return;
    this.observations.push({ time: now, status, progress });
    this.part('.observations').prepend(timelineItem(now, status, progress));
    this.part('.timeline .count').textContent = `(${this.observations.length})`;
    this.part('.timeline').hidden = false;
  }

  describeTimeLeft(task) {
    if (ENDED.has(task.status)) return '';
    const seconds = estimateSecondsLeft(task, this.observations);
    if (seconds === null) {
      return task.status === 'pending' || task.status === 'processing'
        ? 'Estimating the time left…'
        : `The server reports “${task.status}”; still waiting.`;
    }
    return seconds < 1 ? 'Should be ready any moment.' : `About ${formatDuration(seconds)} left.`;
  }

  complete(task) {
    this.observe(task);
    this.root.dataset.state = 'done';
    const urls = Array.isArray(task.results) ? task.results.filter((url) => typeof url === 'string') : [];
    this.showResults(urls);
    this.part('.eta').textContent = urls.length ? '' : 'The task completed but returned no result link.';
    this.setButtons({ stop: false, resume: false, remove: true });
    announce(`Task ${this.taskId} is complete.${urls.length ? ' The video is ready below.' : ''}`);
  }

  showResults(urls) {
    const box = this.part('.results');
    box.replaceChildren(...urls.map((url, index) => resultFigure(url, index, urls.length)));
    if (urls.length) box.append(paragraph('note', 'Result links expire 24 hours after generation: download the file to keep it.'));
    box.hidden = urls.length === 0;
  }

  fail(err) {
    if (err instanceof TaskFailedError) this.observe(err.task);
    const problem = describeError(err);
    if (this.taskId === null) this.part('.task-id').textContent = 'Not created';
    if (this.lastStatus === null) this.setBadge(problem.stopped ? 'stopped' : 'error', problem.stopped ? 'other' : 'failed');
    this.root.dataset.state = problem.stopped ? 'stopped' : 'failed';
    this.part('.eta').textContent = '';
    this.showProblem({ ...problem, detail: technicalDetail(err) });
    this.setButtons({ stop: false, resume: problem.resumable && this.taskId !== null, remove: true });
    announce(`${this.taskId ? `Task ${this.taskId}` : 'New task'}: ${problem.title}`);
  }

  showProblem(problem) {
    const box = this.part('.problem');
    box.hidden = problem === null;
    if (problem === null) return;
    box.classList.toggle('neutral', problem.stopped === true);
    this.part('.problem-title').textContent = problem.title;
    this.part('.problem-advice').textContent = problem.advice;
    this.part('.problem-detail').textContent = problem.detail;
    this.part('.problem-detail').hidden = problem.detail === '';
  }

  remove() {
    this.root.remove();
    updateEmptyState();
    document.getElementById('tasks-heading').focus();
  }
}

function updateEmptyState() {
  document.getElementById('no-tasks').hidden = tasksList.children.length > 0;
}

function timelineItem(timeMs, status, progress) {
  const item = document.createElement('li');
  const time = document.createElement('time');
  time.dateTime = new Date(timeMs).toISOString();
  time.textContent = new Date(timeMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  item.append(time, ' ', span('timeline-status', status), ' ', span('timeline-progress', `${progress} %`));
  return item;
}

function resultFigure(url, index, count) {
  const figure = document.createElement('figure');
  const video = document.createElement('video');
  video.controls = true;
  video.playsInline = true;
  video.preload = 'auto';
  video.src = url;
  const label = count > 1 ? `Download video ${index + 1}` : 'Download video';
  const link = document.createElement('a');
  link.href = url;
  link.download = '';
  link.className = 'button download';
  link.textContent = label;
  const caption = document.createElement('figcaption');
  caption.append(link);
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
// Time left

function clampProgress(value) {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(100, Math.max(0, Math.round(value))) : 0;
}

/**
 * Seconds left, or null when unknown. A pending task carries `task_info.estimated_time`
 * (counted from `created`); while processing, the rate of progress so far is extrapolated.
 */
function estimateSecondsLeft(task, observations) {
  const estimate = task.task_info?.estimated_time;
  if (typeof estimate === 'number' && typeof task.created === 'number') {
    return Math.max(0, task.created + estimate - Date.now() / 1000);
  }
  const processing = observations.filter((o) => o.status === 'processing');
  if (processing.length < 2) return null;
  const first = processing[0];
  const last = processing.at(-1);
  if (last.progress <= first.progress) return null;
  const msPerPercent = (last.time - first.time) / (last.progress - first.progress);
  return ((100 - last.progress) * msPerPercent - (Date.now() - last.time)) / 1000;
}

function formatDuration(seconds) {
  const rounded = Math.max(1, Math.round(seconds));
  if (rounded < 60) return `${rounded} s`;
  const minutes = Math.floor(rounded / 60);
  const rest = rounded % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
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
  401: ['The API key was refused.', 'Check the key that your backend or proxy adds to requests.'],
  402: ['The account has run out of credits.', 'Top up the EvoLink balance, then try again.'],
  403: ['This key has no access to that model or task.', 'Use a key with access, or choose another model.'],
  404: ['No task with this id was found; it may have expired.', 'Check the id. Finished tasks are only kept for a while.'],
  413: ['The request was too large.', 'Shorten the prompt and try again.'],
  429: ['Too many requests right now.', 'Wait a few seconds, then try again.'],
};

/** { title, advice, resumable, stopped? } for anything `follow` can catch. */
function describeError(err) {
  if (err?.name === 'AbortError') return STOPPED;
  if (err instanceof TaskFailedError) return describeTaskFailure(err);
  if (err instanceof TimeoutError) return describeTimeout(err.task);
  if (err instanceof NetworkError || err?.code === 'network_error') {
    return problem('The server could not be reached.', 'Check that the demo server is still running (node www/serve.mjs), then try again.', true);
  }
  if (err instanceof InvalidResponseError || err?.code === 'invalid_response') {
    return problem('The server answered with something that is not a task.', 'A proxy or CDN in front of the API may be interfering; try again later.', true);
  }
  if (err instanceof ApiError || err instanceof CreationError) return describeHttpStatus(err.status, err.message);
  if (err instanceof EvoLinkError) return problem(`The client reported a problem: ${err.message} (${err.code}).`, 'Try again.', true);
  return problem(`Something unexpected went wrong: ${err?.message ?? err}.`, 'Reload the page and try again.', false);
}

function describeTaskFailure(err) {
  const known = TASK_FAILURES[err.code];
  const serverSays = err.task?.error?.message;
  const [title, advice] = known ?? [`The generation failed${serverSays ? `: ${serverSays}` : '.'}`, SERVER_PROBLEM];
  return problem(title, advice, false);
}

function describeTimeout(task) {
  const last = task ? ` The last check said “${task.status}” at ${clampProgress(task.progress)} %.` : '';
  return problem(`Gave up waiting after ${formatDuration(WAIT_TIMEOUT_MS / 1000)}.${last}`, 'The task may still finish: press “Watch again”.', true);
}

function describeHttpStatus(status, message) {
  if (status >= 500) return problem(`The server had a problem (HTTP ${status}).`, 'This is usually temporary: try again in a minute.', true);
  const [title, advice] = HTTP_PROBLEMS[status] ?? [`The server answered HTTP ${status}${message ? `: ${message}` : '.'}`, 'Try again later.'];
  return problem(title, advice, status === 429);
}

function problem(title, advice, resumable) {
  return { title, advice, resumable };
}

/** The error as a developer sees it: class, HTTP status, code and message. */
function technicalDetail(err) {
  if (err?.name === 'AbortError') return '';
  const parts = [err?.name, err?.status ? `HTTP ${err.status}` : '', err?.code].filter(Boolean);
  return [parts.join(' · '), err?.message].filter(Boolean).join(': ');
}

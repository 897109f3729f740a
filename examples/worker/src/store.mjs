// TaskStore: the Durable Object of one task (binding `TASKS`, named by the task id). It records
// what this worker created and what it learnt since, and it is the only place that asks EvoLink
// about its task: its alarm polls at the package's adaptive pace (`planPoll`) until the task
// ends, GET /tasks/:id may poll sooner, and a callback is confirmed here.
//
// Storage (two keys, three with saved results):
//   record  { task, source, checkedAt, callbackNonce? }  the task as EvoLink last answered it,
//           where that answer came from ('create', 'alarm', 'poll', 'callback'), when (ms), and
//           the nonce of the task's callback token. An ended task (completed, failed, cancelled)
//           is final: a late or repeated observation never replaces it.
//   watch   { since, pace, polls, failures, triedAt, stopped, confirmations }  the alarm's state:
//           creation time, planPoll's state as it returned it, GETs made, failures in a row, the
//           last attempt, why the alarms stopped (null while they run; also null once the task
//           ended), and the GETs made to confirm callbacks.
//   saves   { since, deleteAt, items: [{ state, attempts, retryAt?, reason?, message?, size?,
//           contentType?, etag? }] }  with the RESULTS bucket bound, once the task completed:
//           per result URL, its copy in R2 ('saving', 'saved', 'failed', 'deleted'; results.mjs).
//           After the task ended the alarm does this work: the copies due, their retries, and the
//           deletion of the copies at `deleteAt`.
import { DurableObject } from 'cloudflare:workers';
import { ApiError, planPoll } from 'evolink-tasks';
import { HttpError } from './http.mjs';
import { MAX_ATTEMPTS, copyResult, newSaves, resultKey, retryAt } from './results.mjs';
import { newClient, pollSettings, resultSettings, upstreamError } from './settings.mjs';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const CONFIRM_TIMEOUT_MS = 8000; // EvoLink waits 10 s for the webhook's answer
// GETs a task's callbacks may cost in all: EvoLink sends one callback, at most 4 times. Beyond
// that a callback (a replay by whoever holds the URL) is answered from the record: the alarms
// go on polling, so nothing is lost but a replayer's power to spend the key's rate.
const MAX_CONFIRMATIONS = 4;
const MAX_RETRY_AFTER_MS = 3600_000;

export const isTerminal = (task) => TERMINAL.has(task.status);

/** The Retry-After header in ms (seconds or an HTTP date), or null. */
function retryAfterMs(value, now) {
  if (value === null || value === undefined) return null;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : null;
}

/** An answer the worker turns into an error response (errors keep no class across RPC). */
const failure = (e) => {
  const h = upstreamError(e);
  return { error: { status: h.status, code: h.code, message: h.message } };
};

export class TaskStore extends DurableObject {
  #inflight = null; // the poll under way, shared by whoever asks meanwhile
  #client = null;
  #retryAfter = null; // Retry-After of the client's last answer
  // When the last GET began, kept in memory: a request that loaded the record before that GET
  // wrote its answer must not start another.
  #askedAt = 0;
  #copying = null; // the copy under way (a promise), and how to stop it
  #stopCopy = null;

  #api() {
    // One GET per poll: a failed poll is retried by the alarm, on its own backoff, not inside
    // the request that found it (maxRetries 0).
    this.#client ??= newClient(this.env, async (input, init) => {
      const answer = await fetch(input, init);
      this.#retryAfter = answer.headers.get('retry-after');
      return answer;
    }, { maxRetries: 0 });
    return this.#client;
  }

  async #load() {
    const got = await this.ctx.storage.get(['record', 'watch', 'saves']);
    return { record: got.get('record') ?? null, watch: got.get('watch') ?? null, saves: got.get('saves') ?? null };
  }

  /** Records a task just created and sets its first alarm. */
  async create(task, callbackNonce) {
    const now = Date.now();
    const record = { task, source: 'create', checkedAt: now };
    if (callbackNonce) record.callbackNonce = callbackNonce;
    const watch = { since: now, pace: undefined, polls: 0, failures: 0, triedAt: 0, stopped: null };
    const at = this.#plan(task, watch, now);
    await this.ctx.storage.put({ record, watch });
    if (at !== null) await this.ctx.storage.setAlarm(at);
    return { task, source: record.source };
  }

  /** GET /tasks/:id and GET /v1/tasks/:id: the record, polled first when the task runs and
   * nobody asked for MIN_POLL_INTERVAL_MS, so however often anyone asks, EvoLink is asked at most
   * once per interval per task, and never once the task has ended. */
  async show() {
    const { record, watch, saves } = await this.#load();
    if (!record) return { error: { status: 404, code: 'unknown_task', message: 'No task with that id was created here' } };
    const { showIntervalMs } = pollSettings(this.env);
    const last = Math.max(record.checkedAt, watch?.triedAt ?? 0, this.#askedAt);
    if (isTerminal(record.task)) {
      // A task that completed before the bucket was bound is saved from its first read on.
      const started = saves ?? (await this.#startSaves(record.task, Date.now()));
      return { task: record.task, source: record.source, saves: started };
    }
    if (Date.now() - last < showIntervalMs) return { task: record.task, source: record.source, saves };
    return this.#poll('poll');
  }

  /** DELETE /results/:id: the task's saved copies are deleted (a copy under way is stopped first)
   * and recorded as deleted; no retry or retention alarm remains for them. */
  async deleteResults() {
    const { record, saves } = await this.#load();
    if (!record) return { error: { status: 404, code: 'unknown_task', message: 'No task with that id was created here' } };
    if (!saves) return { deleted: 0 };
    const deleted = await this.#deleteSaves(record.task.id, saves, 'request', 'deleted on request (DELETE /results/:id)');
    if (isTerminal(record.task)) await this.ctx.storage.deleteAlarm();
    return { deleted };
  }

  /** POST /callback with a valid token whose nonce is `nonce`: confirmed with one GET, recorded
   * (at most MAX_CONFIRMATIONS GETs per task; then, and once the task ended, the record). */
  async callback(nonce, text) {
    const { record, watch } = await this.#load();
    if (!record || record.callbackNonce !== nonce) {
      return { error: { status: 403, code: 'invalid_callback_token', message: 'The callback token is not this task’s' } };
    }
    if (isTerminal(record.task) || (watch?.confirmations ?? 0) >= MAX_CONFIRMATIONS) {
      return { task: record.task, source: record.source };
    }
    const signal = AbortSignal.timeout(CONFIRM_TIMEOUT_MS);
    return this.#poll('callback', (client) => client.confirmCallback(text, { signal }));
  }

  async alarm() {
    const { record, watch, saves } = await this.#load();
    if (record && saves && isTerminal(record.task)) return this.#results(record.task, saves);
    if (!record || !watch || isTerminal(record.task) || watch.stopped) return;
    if (Date.now() - watch.since >= pollSettings(this.env).maxAgeMs) {
      watch.stopped = 'max_age';
      await this.ctx.storage.put('watch', watch);
      return;
    }
    await this.#poll('alarm');
  }

  /** One GET of the task (or the confirmation of a callback), recorded, and the next alarm set. */
  #poll(source, ask = (client, id) => client.getTask(id)) {
    if (!this.#inflight) this.#askedAt = Date.now();
    this.#inflight ??= this.#pollOnce(source, ask).finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async #pollOnce(source, ask) {
    const loaded = await this.#load();
    const { record } = loaded;
    const watch = loaded.watch ?? { since: record.checkedAt, pace: undefined, polls: 0, failures: 0, triedAt: 0, stopped: null };
    if (source === 'callback') watch.confirmations = (watch.confirmations ?? 0) + 1;
    const id = record.task.id;
    let task;
    const started = Date.now();
    try {
      task = await ask(this.#api(), id);
      if (task?.id !== id) throw new HttpError(502, 'upstream_mismatch', 'EvoLink answered another task');
    } catch (e) {
      await this.#failed(e, watch, started);
      return failure(e);
    }
    const now = Date.now();
    Object.assign(watch, { polls: watch.polls + 1, failures: 0, triedAt: now });
    const updated = isTerminal(record.task) ? record : { ...record, task, source, checkedAt: now };
    let at = isTerminal(updated.task) ? null : this.#plan(updated.task, watch, now);
    // The poll that learnt of the completion (callback, alarm or read, whichever came first)
    // starts the saving: an alarm now does the copies, so this answer does not wait for them.
    let { saves } = loaded;
    const saving = !saves && !isTerminal(record.task) && updated.task.status === 'completed' && this.#savesFor(updated.task, now);
    if (saving) {
      saves = saving;
      at = now;
    }
    await this.ctx.storage.put(saving ? { record: updated, watch, saves } : { record: updated, watch });
    if (at === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
    return { task: updated.task, source: updated.source, saves };
  }

  /** The saves of a completed task, or null (no bucket, not completed). A RESULT_* var that is
   * not a whole number (POST /tasks answers 503 meanwhile) must not lose the task's record. */
  #savesFor(task, now) {
    if (!this.env.RESULTS || task.status !== 'completed') return null;
    try {
      return newSaves(task, now, resultSettings(this.env).retentionMs);
    } catch (e) {
      console.error('results not saved:', e.message);
      return null;
    }
  }

  /** Starts the saves of a task found completed without them (null if there is nothing to save). */
  async #startSaves(task, now) {
    const saves = this.#savesFor(task, now);
    if (!saves) return null;
    await this.ctx.storage.put('saves', saves);
    await this.ctx.storage.setAlarm(now);
    return saves;
  }

  /** The alarm of an ended task: deletes the copies whose retention ran out, else makes the
   * first copy that is due (one per alarm, so each alarm stays well within its 15 minutes), then
   * sets the alarm for the next copy, retry or the deletion. */
  async #results(task, saves) {
    const { bucket, maxBytes, retryMs } = resultSettings(this.env);
    if (!bucket) return;
    if (Date.now() >= saves.deleteAt) {
      await this.#deleteSaves(task.id, saves, 'retention', 'deleted when its retention (RESULT_RETENTION_MS) ran out');
      return;
    }
    for (let index = 0; index < saves.items.length; index++) {
      if (saves.items[index].state !== 'saving' || saves.items[index].retryAt > Date.now()) continue;
      const stop = new AbortController();
      this.#stopCopy = stop;
      this.#copying = copyResult(bucket, task.results[index], resultKey(task.id, index), {
        maxBytes, signal: stop.signal, customMetadata: { task: task.id, index: String(index) },
      });
      const outcome = await this.#copying;
      this.#copying = this.#stopCopy = null;
      // Read again: a DELETE may have come meanwhile (then the copy just made goes too).
      saves = (await this.#load()).saves;
      const item = saves.items[index];
      if (item.state !== 'saving') {
        if (outcome.ok) await bucket.delete(resultKey(task.id, index));
        break;
      }
      const now = Date.now();
      // Waiting for the isolate's part buffers is not an attempt, for a while (a few minutes):
      // then it counts as one, so nothing can keep a task's alarm busy forever.
      if (outcome.busy && (item.waits ?? 0) < 60) {
        item.waits = (item.waits ?? 0) + 1;
        item.retryAt = now + 1000 + Math.round(Math.random() * 2000);
        await this.ctx.storage.put('saves', saves);
        break;
      }
      item.attempts += 1;
      if (outcome.ok) {
        Object.assign(item, { state: 'saved', size: outcome.size, contentType: outcome.contentType, etag: outcome.etag, savedAt: now });
        delete item.retryAt;
        delete item.reason;
        delete item.message;
      } else if (outcome.retry && item.attempts < MAX_ATTEMPTS) {
        Object.assign(item, { reason: outcome.reason, message: outcome.message, retryAt: retryAt(item.attempts, retryMs, now) });
      } else {
        const gaveUp = outcome.retry ? ` (gave up after ${item.attempts} attempts)` : '';
        Object.assign(item, { state: 'failed', reason: outcome.reason, message: outcome.message + gaveUp });
        delete item.retryAt;
      }
      await this.ctx.storage.put('saves', saves);
      break;
    }
    const retries = saves.items.filter((i) => i.state === 'saving').map((i) => i.retryAt);
    const kept = saves.items.some((i) => i.state === 'saved');
    const next = Math.min(...retries, kept ? saves.deleteAt : Infinity);
    if (next === Infinity) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }

  /** Deletes every copy of the task (stopping one under way) and records why; the count deleted. */
  async #deleteSaves(id, saves, reason, message) {
    let deleted = 0;
    const keys = [];
    for (const [index, item] of saves.items.entries()) {
      if (item.state === 'saved') deleted += 1;
      if (item.state === 'saved' || item.state === 'saving') {
        keys.push(resultKey(id, index));
        Object.assign(item, { state: 'deleted', reason, message });
        delete item.retryAt;
      }
    }
    // Recorded first, so a copy finishing meanwhile sees it and deletes what it made.
    await this.ctx.storage.put('saves', saves);
    this.#stopCopy?.abort(new Error('deleted'));
    await this.#copying;
    if (this.env.RESULTS && keys.length > 0) await this.env.RESULTS.delete(keys);
    return deleted;
  }

  /** After a failed GET: stop on a refusal (401, 403, 404, other 4xx), wait out a 429 (its
   * Retry-After, else a backoff), back off on anything else (5xx, network, bad answers). */
  async #failed(e, watch, now) {
    const { backoffMs: [min, max] } = pollSettings(this.env);
    watch.polls += 1;
    watch.triedAt = now;
    let at = null;
    if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429) {
      watch.stopped = `http_${e.status}`;
    } else {
      watch.failures += 1;
      const backoff = Math.min(max, min * 2 ** Math.min(watch.failures - 1, 20)) * (0.75 + Math.random() * 0.5);
      const hinted = e instanceof ApiError && e.status === 429 ? retryAfterMs(this.#retryAfter, now) : null;
      at = now + Math.round(hinted ?? backoff);
    }
    await this.ctx.storage.put('watch', watch);
    if (at === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
  }

  /** The time of the next poll from the package's pace (null when the task has ended). */
  #plan(task, watch, now) {
    const { delayMs, state } = planPoll(task, watch.pace, { nowMs: now, ...pollSettings(this.env).pace });
    watch.pace = state;
    return delayMs === null ? null : now + delayMs;
  }
}

/** The Durable Object of task `id`. */
export function taskStub(env, id) {
  if (!env.TASKS) throw new HttpError(503, 'not_configured', 'The Durable Object binding TASKS is required (see wrangler.toml)');
  return env.TASKS.get(env.TASKS.idFromName(id));
}

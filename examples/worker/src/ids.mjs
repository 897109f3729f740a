// Task ids: which path segments are task ids at all, and which of those could name a task this
// worker created. Both are decided here, before any Durable Object is asked, because asking one
// wakes it (a billed request) even when it holds nothing.
import { HttpError } from './http.mjs';

// EvoLink's ids read `task-unified-<unix seconds>-<8 characters>` (the docs call them opaque;
// every id seen has this shape, e.g. task-unified-1791201739-cr1kn0el). If EvoLink ever changes
// it, POST /tasks logs "unexpected task id" and this line is the one to update.
const EVOLINK_ID = /^task-unified-(\d{10})-[A-Za-z0-9]{8}$/;
// How far a task's creation second may be ahead of this worker's clock (clocks differ a little).
const CLOCK_SKEW_S = 600;

/** Whether `id` has the shape of an EvoLink task id. */
export const isTaskId = (id) => typeof id === 'string' && EVOLINK_ID.test(id);

/** A task id from a path segment (still percent-encoded): 400 if it is not one. */
export function taskId(segment) {
  let id = null;
  try {
    id = decodeURIComponent(segment);
  } catch {}
  if (!isTaskId(id)) throw new HttpError(400, 'invalid_task_id', 'That is not an EvoLink task id');
  return id;
}

/** Whether a task with this id can exist yet: its creation second is not in the future. An id
 * dated later is unknown without asking its Durable Object. */
export function mayExist(id, now = Date.now()) {
  return Number(EVOLINK_ID.exec(id)[1]) <= now / 1000 + CLOCK_SKEW_S;
}

export const unknownTask = () => new HttpError(404, 'unknown_task', 'No task with that id was created here');

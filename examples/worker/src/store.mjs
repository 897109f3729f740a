// Where the worker records the tasks it created: one Durable Object per task (binding `TASKS`),
// or, without the binding (a quick local run), a Map in this isolate's memory.
//
// A record is { task, source, checkedAt }: the task as EvoLink last answered it, where that answer
// came from ('create', 'poll' or 'callback') and when (ms). Only tasks created through this worker
// have a record; an update for any other id changes nothing. A terminal state (completed, failed,
// cancelled) is final: a late or repeated observation never replaces it.
import { DurableObject } from 'cloudflare:workers';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export const isTerminal = (task) => TERMINAL.has(task.status);

function next(record, task, source) {
  return isTerminal(record.task) ? record : { task, source, checkedAt: Date.now() };
}

/** The Durable Object class behind the `TASKS` binding: one instance per task id. */
export class TaskStore extends DurableObject {
  async read() {
    return (await this.ctx.storage.get('record')) ?? null;
  }

  async create(task) {
    const record = { task, source: 'create', checkedAt: Date.now() };
    await this.ctx.storage.put('record', record);
    return record;
  }

  /** Records a confirmed observation; null if this task was not created here. */
  async update(task, source) {
    const record = await this.read(); // no other call runs in between (input gate)
    if (!record) return null;
    const updated = next(record, task, source);
    if (updated !== record) await this.ctx.storage.put('record', updated);
    return updated;
  }
}

const memory = new Map(); // task id → record; the oldest are dropped beyond MEMORY_LIMIT
const MEMORY_LIMIT = 1000;

/** The same three calls on the memory Map. */
function memoryRecord(id) {
  return {
    read: async () => memory.get(id) ?? null,
    async create(task) {
      const record = { task, source: 'create', checkedAt: Date.now() };
      memory.set(id, record);
      if (memory.size > MEMORY_LIMIT) memory.delete(memory.keys().next().value);
      return record;
    },
    async update(task, source) {
      const record = memory.get(id);
      if (!record) return null;
      const updated = next(record, task, source);
      memory.set(id, updated);
      return updated;
    },
  };
}

/** The record of task `id`: `read()`, `create(task)`, `update(task, source)`. */
export function taskRecord(env, id) {
  return env.TASKS ? env.TASKS.get(env.TASKS.idFromName(id)) : memoryRecord(id);
}

export const storeKind = (env) => (env.TASKS ? 'durable-object' : 'memory');

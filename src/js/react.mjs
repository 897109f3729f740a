// evolink-tasks/react: React hooks over a client or a BrowserTasks (evolink-tasks/browser-tasks).
// React is a peer dependency, and the only import: the hooks take the client (or BrowserTasks) as
// an argument, so they never load the wasm themselves.
//
// - useTask(source, id, options): waits on a task by id; aborts on unmount and when the id or the
//   source changes. A remembered task after a reload is waited on the same way.
// - useGenerateTask(source, kind): `generate(params, options)` creates and waits; aborts a running
//   one when called again, on `abort()` and on unmount.
// - useRememberedTasks(tasks): the remembered tasks, following changes made in any tab.
//
// Safe under StrictMode (a wait starts after the effect's mount settles, so the simulated unmount
// makes no request), on the server (the state is idle and nothing runs: effects do not run there)
// and in concurrent rendering (nothing happens during render; results of an abandoned wait are
// dropped).
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { anySignal } from './abort.mjs';

/** The state before anything runs (and on the server). */
const IDLE = Object.freeze({
  phase: 'idle',
  id: undefined,
  task: undefined,
  status: undefined,
  progress: undefined,
  result: undefined,
  error: undefined,
});

function observed(phase, id, task) {
  return {
    phase,
    id,
    task,
    status: task?.status,
    progress: typeof task?.progress === 'number' ? task.progress : undefined,
    result: phase === 'completed' ? task : undefined,
    error: undefined,
  };
}

function failed(id, task, error) {
  return { ...observed('failed', id, task), error };
}

function abortError() {
  return new DOMException('The component stopped waiting', 'AbortError');
}

/**
 * Waits on task `id` through `source` (an `EvoLinkClient` or a `BrowserTasks`) and returns its
 * state. A falsy `id` (or source) means idle. The options are read when a wait starts; a wait
 * restarts when `id` or `source` changes.
 */
export function useTask(source, id, options) {
  const [state, setState] = useState(IDLE);
  const latest = useRef(options);
  latest.current = options;

  useEffect(() => {
    if (!source || !id) {
      setState(IDLE);
      return undefined;
    }
    const controller = new AbortController();
    let last;
    setState(observed('waiting', id, undefined));
    // Started after the mount settles: StrictMode's simulated unmount comes first and aborts
    // this before any request.
    queueMicrotask(() => {
      if (controller.signal.aborted) return;
      const { signal, onProgress, ...rest } = latest.current ?? {};
      let started;
      try {
        started = source.waitForTask(id, {
          ...rest,
          signal: signal === undefined ? controller.signal : anySignal([signal, controller.signal]),
          onProgress: (task) => {
            last = task;
            if (!controller.signal.aborted) setState(observed('waiting', id, task));
            onProgress?.(task);
          },
        });
      } catch (error) {
        started = Promise.reject(error);
      }
      Promise.resolve(started).then(
        (task) => {
          if (!controller.signal.aborted) setState(observed('completed', id, task));
        },
        (error) => {
          if (!controller.signal.aborted) setState(failed(id, error?.task ?? last, error));
        },
      );
    });
    return () => controller.abort(abortError());
  }, [source, id]);

  return state;
}

const CREATE = { video: 'generateVideo', image: 'generateImage', audio: 'generateAudio' };

/**
 * Creates and waits on tasks of `kind` ('video', 'image' or 'audio') through `source`.
 * `generate(params, options)` starts one (aborting the one running) and resolves with the
 * completed task, or `undefined` when it failed or was aborted (the state says which);
 * `abort()` stops it; unmounting aborts it too.
 */
export function useGenerateTask(source, kind = 'video') {
  const method = CREATE[kind];
  if (method === undefined) throw new TypeError(`useGenerateTask: kind must be 'video', 'image' or 'audio', not ${String(kind)}`);
  const [state, setState] = useState(IDLE);
  const running = useRef(null);

  useEffect(
    () => () => {
      running.current?.abort(abortError());
      running.current = null;
    },
    [],
  );

  const generate = useCallback(
    async (params, options) => {
      running.current?.abort(abortError());
      const controller = new AbortController();
      running.current = controller;
      const live = () => running.current === controller && !controller.signal.aborted;
      const { signal, onCreated, onProgress, ...rest } = options ?? {};
      let id;
      let last;
      setState({ ...IDLE, phase: 'creating' });
      try {
        const task = await source[method](params, {
          ...rest,
          signal: signal === undefined ? controller.signal : anySignal([signal, controller.signal]),
          onCreated: (created) => {
            id = created.id;
            last = created;
            if (live()) setState(observed('waiting', id, created));
            onCreated?.(created);
          },
          onProgress: (task) => {
            last = task;
            if (live()) setState(observed('waiting', id, task));
            onProgress?.(task);
          },
        });
        if (live()) setState(observed('completed', task.id, task));
        return task;
      } catch (error) {
        if (live()) setState(failed(id ?? error?.taskId, error?.task ?? last, error));
        return undefined;
      } finally {
        if (running.current === controller) running.current = null;
      }
    },
    [source, method],
  );

  const abort = useCallback(() => {
    const controller = running.current;
    if (!controller) return;
    running.current = null;
    controller.abort(abortError());
    setState((s) => ({ ...s, phase: 'idle' }));
  }, []);

  const reset = useCallback(() => {
    running.current?.abort(abortError());
    running.current = null;
    setState(IDLE);
  }, []);

  return { ...state, generate, abort, reset };
}

const NONE = Object.freeze([]);
const noSubscription = () => () => {};

/**
 * The remembered tasks of `tasks` (a `BrowserTasks`), newest first, updated when they change in
 * this tab or another. On the server, and before hydration, an empty list.
 */
export function useRememberedTasks(tasks) {
  const subscribe = useCallback((listener) => (tasks ? tasks.subscribe(listener) : noSubscription()), [tasks]);
  const read = useCallback(() => (tasks ? tasks.list() : NONE), [tasks]);
  return useSyncExternalStore(subscribe, read, serverList);
}

function serverList() {
  return NONE;
}

// Types of evolink-tasks/react (src/js/react.mjs), written by hand. React itself is a peer dependency.
import type { CompletedTask, CreateParams, GenerateOptions, Task, TaskStatus, VideoParams, WaitOptions } from 'evolink-tasks';
import type { RememberedTask, RememberOptions } from 'evolink-tasks/browser-tasks';

/** What the hooks can wait through: an `EvoLinkClient` or a `BrowserTasks`. */
export interface TaskSource {
    waitForTask(id: string, options?: WaitOptions): Promise<CompletedTask>;
}

/** What `useGenerateTask` can create through: an `EvoLinkClient` or a `BrowserTasks`. */
export interface GenerateSource {
    generateVideo(params: VideoParams, options?: GenerateOptions): Promise<CompletedTask>;
    generateImage(params: CreateParams, options?: GenerateOptions): Promise<CompletedTask>;
    generateAudio(params: CreateParams, options?: GenerateOptions): Promise<CompletedTask>;
}

/**
 * `idle`: nothing running (also on the server); `creating`: the create request is out;
 * `waiting`: polling; `completed`: `result` is the completed task; `failed`: `error` says why.
 */
export type TaskPhase = "idle" | "creating" | "waiting" | "completed" | "failed";

export interface TaskState {
    phase: TaskPhase;
    /** The task id, once known. */
    id: string | undefined;
    /** The last observation. */
    task: Task | undefined;
    status: TaskStatus | undefined;
    /** 0..100, as the last observation said. */
    progress: number | undefined;
    /** The completed task (phase `completed`). */
    result: CompletedTask | undefined;
    /** What the wait rejected with (phase `failed`): an `EvoLinkError`, a `TypeError`, … */
    error: unknown;
}

/** Options of `useTask`: the wait's, read when a wait starts; `remember` with a `BrowserTasks`. */
export type UseTaskOptions = WaitOptions & RememberOptions;

/** Waits on task `id` (idle when it is null, undefined or empty); aborts on unmount and when `id` or `source` changes. */
export function useTask(source: TaskSource | null | undefined, id: string | null | undefined, options?: UseTaskOptions): TaskState;

export type GenerateKind = "video" | "image" | "audio";

export interface GenerateTaskState extends TaskState {
    /** Creates a task and waits on it, aborting the one running. Resolves with the completed task, or undefined when it failed or was aborted (see `error`). */
    generate(params: CreateParams | VideoParams, options?: GenerateOptions & RememberOptions): Promise<CompletedTask | undefined>;
    /** Stops the running wait (the task goes on on the server); the phase becomes `idle`. */
    abort(): void;
    /** Stops and forgets: back to the idle state. */
    reset(): void;
}

/** Creates tasks of `kind` (default `video`) and follows them; unmounting aborts the wait. */
export function useGenerateTask(source: GenerateSource | null | undefined, kind?: GenerateKind): GenerateTaskState;

/** The remembered tasks of a `BrowserTasks`, updated when they change in any tab; empty on the server. */
export function useRememberedTasks<Data = unknown>(tasks: { list(): readonly RememberedTask<Data>[]; subscribe(listener: () => void): () => void } | null | undefined): readonly RememberedTask<Data>[];

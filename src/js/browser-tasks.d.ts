// Types of evolink-tasks/browser-tasks (src/js/browser-tasks.mjs), written by hand.
import type { CompletedTask, CreateParams, EvoLinkClient, GenerateOptions, Task, TaskStatus, VideoParams, WaitOptions, WatchOptions } from 'evolink-tasks';

/** Options of `new BrowserTasks(client, options)`. */
export interface BrowserTasksOptions {
    /** Unfinished tasks older than this leave the record, in ms. Default 7 days. */
    maxAgeMs?: number | undefined;
    /**
     * Told when the page's storage is missing, disabled, full or holds something else (the wait
     * goes on; the record is kept in memory or rebuilt). Default: `console.warn`. Each code is
     * reported once until the storage works again.
     */
    onWarning?: ((warning: StorageWarning) => void) | undefined;
    /** Share one poll per task among the tabs of this origin (Web Locks + BroadcastChannel). Default true. */
    shareAcrossTabs?: boolean | undefined;
    /** The localStorage key. Default `evolink-tasks:v1:<client.baseUrl>`. */
    storageKey?: string | undefined;
}

/** A problem with the page's storage: the wait went on. */
export interface StorageWarning {
    code: "storage_unavailable" | "storage_full" | "storage_corrupt";
    message: string;
    /** What the storage threw, if anything. */
    cause?: unknown;
}

/** Asks a wait to remember its task: `true`, or the caller data to keep with it (plain JSON, at most 4096 characters). */
export type RememberOption<Data = unknown> = boolean | { data?: Data | undefined };

/** `remember` on top of the client's options. */
export interface RememberOptions<Data = unknown> {
    /** Record the task in this page's storage until it ends. Refused (a TypeError) outside a web page. */
    remember?: RememberOption<Data> | undefined;
}

/** A remembered task, as `list()` returns it. */
export interface RememberedTask<Data = unknown> {
    readonly id: string;
    /** What `remember.data` said, or null. */
    readonly data: Data | null;
    /** When it was first remembered (ms since the epoch). */
    readonly addedAt: number;
    readonly updatedAt: number;
    /** The last status seen. */
    readonly status: TaskStatus;
    readonly progress: number;
    /** Once completed: the task with its results. */
    readonly task?: CompletedTask;
    /** Once completed: when its result links expire, at the earliest (ms since the epoch). */
    readonly expiresAt?: number;
}

/**
 * Waits, watches and generates through a client, with tasks remembered across reloads
 * (`remember`) and one poller per task across the tabs of an origin.
 */
export declare class BrowserTasks<Data = unknown> {
    constructor(client: EvoLinkClient, options?: BrowserTasksOptions);
    /** The client's base URL: remembered tasks and shared polls are namespaced by it. */
    readonly baseUrl: string;
    /** Whether waits are shared across tabs here. */
    readonly sharesAcrossTabs: boolean;
    waitForTask(id: string, options?: WaitOptions & RememberOptions<Data>): Promise<CompletedTask>;
    watchTask(id: string, options?: WatchOptions & RememberOptions<Data>): AsyncIterableIterator<Task>;
    generateVideo(params: VideoParams, options?: GenerateOptions & RememberOptions<Data>): Promise<CompletedTask>;
    generateImage(params: CreateParams, options?: GenerateOptions & RememberOptions<Data>): Promise<CompletedTask>;
    generateAudio(params: CreateParams, options?: GenerateOptions & RememberOptions<Data>): Promise<CompletedTask>;
    /** Resolves once the client can name its base URL, which `list()` needs: at once, unless the client's wasm is still loading. */
    ready(): Promise<void>;
    /** The remembered tasks, newest first; the same array until something changes (empty before `ready()` while the client loads). TypeError outside a web page. */
    list(): readonly RememberedTask<Data>[];
    /** Records task `id` without waiting on it, or replaces a remembered task's data. TypeError outside a web page. */
    remember(id: string, options?: { data?: Data | undefined }): void;
    /** Drops a task from the record. TypeError outside a web page. */
    forget(id: string): void;
    /** Calls `listener` when the record changes (in this tab or another); returns the unsubscribe function. */
    subscribe(listener: () => void): () => void;
}

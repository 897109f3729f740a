// TypeScript declarations of the package, written by hand: the API is the one src/web/client.rs exports.

declare global {
    /**
     * `Symbol.dispose` (explicit resource management), declared here too so that a project whose
     * `lib` predates it (es2022, say) type-checks `EvoLinkClient[Symbol.dispose]`; where the lib
     * declares it, the two declarations merge.
     */
    interface SymbolConstructor {
        readonly dispose: unique symbol;
    }
}

/** A task status. Documented values are listed; any other string may arrive and means "still running". */
export type TaskStatus = "pending" | "processing" | "completed" | "failed" | "cancelled" | (string & {});

/** One entry of `result_data`, as seen on real responses. */
export interface TaskResultData {
    url?: string;
    video_url?: string;
    image_url?: string;
    audio_url?: string;
    stream_audio_url?: string;
    title?: string;
    duration?: number;
    tags?: string | string[];
    result_id?: string;
    [field: string]: unknown;
}

/** A task object exactly as `GET /v1/tasks/{id}` returned it; unknown fields are kept. */
export interface Task {
    id: string;
    object?: "video.generation.task" | "image.generation.task" | "audio.generation.task" | (string & {});
    /** Unix seconds. */
    created?: number;
    model?: string;
    status: TaskStatus;
    /** 0..100. */
    progress?: number;
    /** Result URLs of a completed task. They expire 24 hours after generation: save them. */
    results?: string[];
    result_data?: TaskResultData[];
    type?: "video" | "image" | "audio" | "text" | (string & {});
    task_info?: {
        can_cancel?: boolean;
        /** Seconds; on creation and pending responses. */
        estimated_time?: number;
        video_duration?: number;
        [field: string]: unknown;
    };
    /** Present on failed tasks. */
    error?: { code?: string | number; message?: string; [field: string]: unknown };
    usage?: { [field: string]: unknown };
    [field: string]: unknown;
}

/**
 * A task that ended `completed`: what `waitForTask` and the `generate*` methods resolve with.
 * The API documents `results` on a completed task (and only there); `progress` is typically 100,
 * which the API does not promise.
 */
export interface CompletedTask extends Task {
    status: "completed";
    /** Result URLs. They expire 24 hours after generation: save the files. */
    results: string[];
}

/**
 * Options of `new EvoLinkClient(options)`. Every option is optional, in every options object of
 * this package: left out or `undefined` means the default.
 */
export interface ClientOptions {
    /** Sent as `Authorization: Bearer <apiKey>`. Never ship a key to a browser: use a proxy. */
    apiKey?: string | undefined;
    /**
     * Default `https://api.evolink.ai` (a trailing `/v1` names the same root). https; http to any
     * host without `apiKey` (a proxy adds it), to loopback with one, or anywhere with
     * `allowInsecureHttp`; or a path relative to the page (`/evolink`).
     */
    baseUrl?: string | undefined;
    /** Send `apiKey` over plain http to a host that is not this machine. Default false. */
    allowInsecureHttp?: boolean | undefined;
    /** Extra request headers. */
    headers?: Record<string, string> | undefined;
    /** A fetch to use instead of the global one; it is called unbound. */
    fetch?: ((input: string, init: RequestInit) => Promise<Response>) | undefined;
    /** Longest time one request may take, in ms. Default 30000. */
    requestTimeoutMs?: number | undefined;
    /** Transient failures tolerated in a row during a wait. Default 3. */
    maxRetries?: number | undefined;
    /** Requests in flight at once, across all waits of this client. Default 6 (Cloudflare Workers' limit). */
    maxConcurrentRequests?: number | undefined;
}

/** Options of `getTask`. */
export interface RequestOptions {
    /** Aborting rejects with `signal.reason` at once and cancels the request. */
    signal?: AbortSignal | undefined;
}

/** Options of `watchTask`. */
export interface WatchOptions extends RequestOptions {
    /** Overall deadline in ms; then a `TimeoutError` carries the last observation. */
    timeoutMs?: number | undefined;
    /** A fixed pause between polls, in ms. Without it the pace is adaptive (planned from `estimated_time` and progress). */
    intervalMs?: number | undefined;
    /** Shortest adaptive pause, in ms. Default 1000. */
    minIntervalMs?: number | undefined;
    /** Longest adaptive pause, in ms, and the pace of a hidden page. Default 30000. */
    maxIntervalMs?: number | undefined;
}

/** Options of `waitForTask`. */
export interface WaitOptions extends WatchOptions {
    /**
     * Called with the first observation and on every change of status or progress. If it throws,
     * the wait rejects with that. What it returns is awaited when it is a promise (an async
     * function) before the next poll, and a rejection rejects the wait.
     */
    onProgress?: ((task: Task) => unknown) | undefined;
}

/** Options of `generateVideo`, `generateImage` and `generateAudio`. */
export interface GenerateOptions extends WaitOptions {
    /**
     * Called once with the created task, before the first poll: keep `task.id` (the task is
     * billed) to resume with `waitForTask` if the wait fails. What it returns is awaited when it
     * is a promise (an async function), and a rejection rejects the call.
     */
    onCreated?: ((task: Task) => unknown) | undefined;
}

/** What `getCredits` resolves with: the API's answer as it is. */
export interface Credits {
    [field: string]: unknown;
}

/** Parameters of `createImage` and `createAudio`: sent as they are, `model` required. */
export interface CreateParams {
    model: string;
    prompt?: string | undefined;
    /** HTTPS, at most 2048 characters, not a private or loopback address. Unsigned: confirm each callback. */
    callback_url?: string | undefined;
    [field: string]: unknown;
}

/** Parameters of `createVideo`. For Seedance 2.0 models the documented limits are checked before sending. */
export interface VideoParams extends CreateParams {
    model: "seedance-2.0-text-to-video" | "seedance-2.0-image-to-video" | "seedance-2.0-reference-to-video"
    | "seedance-2.0-fast-text-to-video" | "seedance-2.0-fast-image-to-video" | "seedance-2.0-fast-reference-to-video"
    | "seedance-2.0-mini-text-to-video" | "seedance-2.0-mini-image-to-video" | "seedance-2.0-mini-reference-to-video"
    | (string & {});
    prompt: string;
    /** Seconds, 4..15 (default 5). */
    duration?: number | undefined;
    /** 1080p only on the standard tier. Default 720p. */
    quality?: "480p" | "720p" | "1080p" | undefined;
    aspect_ratio?: "16:9" | "9:16" | "1:1" | "4:3" | "3:4" | "21:9" | "adaptive" | undefined;
    /** 1-2 for image-to-video, 0-9 for reference-to-video, none for text-to-video. */
    image_urls?: string[] | undefined;
    /** Reference-to-video only, 0-3. */
    video_urls?: string[] | undefined;
    /** Reference-to-video only, 0-3, not alone. */
    audio_urls?: string[] | undefined;
    generate_audio?: boolean | undefined;
}

/** Base class of every error this package creates. */
export declare class EvoLinkError extends Error {
    /** A stable machine-readable code. */
    readonly code: string;
    /** The task the error is about, when there is one (always, once a `generate*` call has created its task). */
    readonly taskId?: string;
    /** What `JSON.stringify` keeps: `name`, `message`, `code` and the plain fields, never the key. */
    toJSON(): { name: string; message: string; code: string; status?: number; taskId?: string; [field: string]: unknown };
}

/** A non-2xx answer from the API or a proxy in front of it. */
export declare class ApiError extends EvoLinkError {
    readonly name: "ApiError";
    /** HTTP status. */
    readonly status: number;
    /** The body's `error.code` as a string, else `http_<status>`. */
    readonly code: string;
    readonly type: string | undefined;
    readonly param: string | undefined;
    readonly fallbackSuggestion: string | undefined;
    /** The server's `Retry-After` (seconds or an HTTP date), in ms from when it was read. */
    readonly retryAfterMs?: number;
    /** The answer's request id header (`x-request-id`), for support requests. */
    readonly requestId?: string;
}

/** The task ended as `failed` or `cancelled`. */
export declare class TaskFailedError extends EvoLinkError {
    readonly name: "TaskFailedError";
    /** `task.error.code`, or `cancelled`. */
    readonly code: string;
    readonly task: Task;
}

/** The overall deadline (`timeoutMs`) passed. */
export declare class TimeoutError extends EvoLinkError {
    readonly name: "TimeoutError";
    readonly code: "timeout";
    /** The last observation, if any. */
    readonly task: Task | undefined;
}

/** `fetch` failed, the connection broke, or a request timed out. */
export declare class NetworkError extends EvoLinkError {
    readonly name: "NetworkError";
    readonly code: "network_error";
    readonly cause: unknown;
}

/** A 2xx answer that is not a task object. */
export declare class InvalidResponseError extends EvoLinkError {
    readonly name: "InvalidResponseError";
    readonly code: "invalid_response";
}
/**
 * A client for EvoLink's task API.
 */
export class EvoLinkClient {
    /**
     * Confirms a callback: reads its body (see `parseTaskCallback`) and resolves with the task
     * as `GET /v1/tasks/{id}` returns it now. A callback is unsigned: trust only this answer.
     */
    confirmCallback(body: string | object | Request, options?: RequestOptions): Promise<Task>;
    /**
     * Creates an audio task (`POST /v1/audios/generations`) and resolves with the pending task.
     */
    createAudio(params: CreateParams, options?: RequestOptions): Promise<Task>;
    /**
     * Creates an image task (`POST /v1/images/generations`) and resolves with the pending task.
     */
    createImage(params: CreateParams, options?: RequestOptions): Promise<Task>;
    /**
     * Creates a video task (`POST /v1/videos/generations`) and resolves with the pending task.
     */
    createVideo(params: VideoParams, options?: RequestOptions): Promise<Task>;
    /**
     * Creates a video task and waits for it: `createVideo` then `waitForTask` in one call.
     * `onCreated`, then `onProgress`, see the created task first; every error after the
     * create carries `taskId`.
     */
    generateVideo(params: VideoParams, options?: GenerateOptions): Promise<CompletedTask>;
    /** Creates an image task and waits for it, as `generateVideo` does. */
    generateImage(params: CreateParams, options?: GenerateOptions): Promise<CompletedTask>;
    /** Creates an audio task and waits for it, as `generateVideo` does. */
    generateAudio(params: CreateParams, options?: GenerateOptions): Promise<CompletedTask>;
    /** The account's credits, `GET /v1/credits`: checks a key without creating a task. */
    getCredits(options?: RequestOptions): Promise<Credits>;
    /**
     * Fetches a task: `GET /v1/tasks/{id}`, repeated after transient failures as a wait does.
     */
    getTask(id: string, options?: RequestOptions): Promise<Task>;
    /**
     * Creates a client. Throws a `TypeError`/`RangeError` for bad options; in a page whose wasm
     * is still loading (see `ready`), the first call rejects with that error instead.
     */
    constructor(options?: ClientOptions);
    /**
     * Polls a task until it ends and resolves with the completed task.
     */
    waitForTask(id: string, options?: WaitOptions): Promise<CompletedTask>;
    /**
     * The observations of a task, one per change, as an async iterable.
     */
    watchTask(id: string, options?: WatchOptions): AsyncIterableIterator<Task>;
    /**
     * The resolved base URL. In a page, it throws an `EvoLinkError` (code `not_ready`) until
     * `ready()` resolves.
     */
    readonly baseUrl: string;
    /**
     * Frees the client's memory in the WebAssembly instance now, instead of when the client is
     * garbage collected. Later calls reject with a `TypeError`; a second `free()` does nothing.
     */
    free(): void;
    /** `free()`, for `using client = new EvoLinkClient(…)`. */
    [Symbol.dispose](): void;
}

/**
 * Reads and checks a callback body (a string, a parsed object or a `Request`) into the task
 * it describes. EvoLink signs nothing: treat the result as a hint and confirm it with
 * `client.confirmCallback` (or `getTask`) before acting on it.
 */
export function parseTaskCallback(body: string | object | Request): Promise<Task>;

/** What `planPoll` keeps between calls: a plain JSON value, to store as it is (Durable Object storage). */
export type PollState = { [field: string]: unknown };

/** Options of `planPoll`. */
export interface PlanPollOptions {
    /** The current time in ms (default `Date.now()`). */
    nowMs?: number | undefined;
    /** Shortest pause, in ms. Default 1000. */
    minIntervalMs?: number | undefined;
    /** Longest pause, in ms. Default 30000. */
    maxIntervalMs?: number | undefined;
}

/**
 * The adaptive pace as a pure function, for a scheduler that runs between requests (a Durable
 * Object alarm): `task` as the API sent it, `state` undefined at first then the previous call's.
 * `delayMs` is the pause before the next poll, null once the task has ended. In a page, it throws
 * an `EvoLinkError` (code `not_ready`) until `ready()` resolves.
 */
export function planPoll(task: Task, state?: PollState, options?: PlanPollOptions): { delayMs: number | null; state: PollState };

/**
 * Resolves once the WebAssembly is ready. In Node, Deno, workerd and edge runtimes it is ready
 * as soon as the import is; a page or a browser worker loads it while the app starts, and calls
 * made before wait for it on their own. Await it before the two synchronous members that need
 * it, `planPoll` and `client.baseUrl`. Rejects with an `EvoLinkError` (code `wasm_unavailable`)
 * naming the URL and the status when the wasm cannot load.
 */
export function ready(): Promise<void>;

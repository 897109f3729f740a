// Entry for pages, web and service workers, and the bundlers that ship the file a
// `new URL('…', import.meta.url)` names (webpack, Vite, Parcel, Next.js): exports at once and
// starts fetching and compiling the wasm that sits next to this file (a streaming compile), so the
// app runs while it loads; the client's first call waits for it if it must (see lazy.mjs).
import { EvoLinkError } from '../errors.js';
import { start } from './load.mjs';

const url = new URL('./evolink_tasks.wasm', import.meta.url);

/** What a wasm that could not load says: where from, what came back, and what to do. */
function loadError(detail, cause) {
  return new EvoLinkError(
    `evolink-tasks: no WebAssembly at ${url} (${detail}). A bundler that did not ship evolink_tasks.wasm? Import 'evolink-tasks/inline' instead`,
    'wasm_unavailable',
    cause === undefined ? undefined : { cause },
  );
}

/** The wasm, compiled as it streams in, with a clear error instead of a 404 page compiled as wasm. */
async function compile() {
  let response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw loadError(cause?.message ?? cause, cause);
  }
  if (!response.ok) throw loadError(`HTTP ${response.status}`);
  const type = response.headers.get('content-type')?.split(';')[0].trim();
  try {
    // A server that does not say `application/wasm` gets the bytes compiled once read.
    return await (type === 'application/wasm' ? WebAssembly.compileStreaming(response) : WebAssembly.compile(await response.arrayBuffer()));
  } catch (cause) {
    throw loadError(`HTTP ${response.status}, ${type}: ${cause?.message ?? cause}`, cause);
  }
}

start(compile());

export * from './lazy.mjs';

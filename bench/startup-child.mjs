// One measured Node process of bench/startup.mjs: `node bench/startup-child.mjs NAME` imports
// client NAME, creates it and gets one task, and prints the times as JSON. It imports nothing
// else, so whatever Node loads on first use (the file system, timers, WebAssembly) is paid
// inside the clock by the client that needs it, as in an application's fresh process.
//
// To split the import of a client that runs wasm, WebAssembly.Module and WebAssembly.Instance
// are wrapped (for every client alike: a call through a wrapper costs nanoseconds) and the time
// spent inside them is reported: compiling the wasm, and instantiating it (which runs the
// module's start function, wasm-bindgen's externref table set-up).
import { clients, inMemoryFetch, load } from './clients.mjs';

// Every client's in-memory fetch builds a Response: load Node's fetch implementation (undici,
// loaded lazily on first use) before the clock starts, for all alike.
await new Response('{}').json();
const client = clients[process.argv[2]];
const { fetch } = inMemoryFetch(client);

const wasmMs = { compile: 0, instantiate: 0 };
const { Module, Instance } = WebAssembly;
const timed = (Original, key) => {
  function Wrapped(...args) {
    const t = performance.now();
    try {
      return new Original(...args);
    } finally {
      wasmMs[key] += performance.now() - t;
    }
  }
  Wrapped.prototype = Original.prototype; // `instanceof WebAssembly.Module` still holds
  Object.defineProperty(Wrapped, 'name', { value: Original.name });
  return Wrapped;
};
WebAssembly.Module = timed(Module, 'compile');
WebAssembly.Instance = timed(Instance, 'instantiate');

const t0 = performance.now();
const module = await load(client);
const t1 = performance.now();
WebAssembly.Module = Module;
WebAssembly.Instance = Instance;
const instance = client.create(module, fetch);
const tc = performance.now();
await client.get(instance, 'task-startup-1');
const t2 = performance.now();
console.log(JSON.stringify({
  importMs: t1 - t0, constructMs: tc - t1, getMs: t2 - tc, firstCallMs: t2 - t1, totalMs: t2 - t0, sinceProcessStartMs: t2,
  wasmCompileMs: wasmMs.compile, wasmInstantiateMs: wasmMs.instantiate,
}));
process.exit(0);

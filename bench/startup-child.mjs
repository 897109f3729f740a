// One measured Node process of bench/startup.mjs: `node bench/startup-child.mjs NAME [BUNDLE]`
// imports client NAME (from the file BUNDLE when it had to be bundled first), creates it and
// gets one task, and prints the times as JSON. It imports nothing
// else, so whatever Node loads on first use (the file system, timers, WebAssembly) is paid
// inside the clock by the client that needs it, as in an application's fresh process.
import { clients, inMemoryFetch, load } from './clients.mjs';

// Every client's in-memory fetch builds a Response: load Node's fetch implementation (undici,
// loaded lazily on first use) before the clock starts, for all alike.
await new Response('{}').json();
const client = clients[process.argv[2]];
const { fetch } = inMemoryFetch(client);
const t0 = performance.now();
const module = await (process.argv[3] ? import(process.argv[3]) : load(client));
const t1 = performance.now();
const instance = client.create(module, fetch);
await client.get(instance, 'task-startup-1');
const t2 = performance.now();
console.log(JSON.stringify({ importMs: t1 - t0, firstCallMs: t2 - t1, totalMs: t2 - t0, sinceProcessStartMs: t2 }));
process.exit(0);

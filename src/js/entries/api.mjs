// What every entry that starts synchronously exports (Node, Deno, workerd, the edge): the client
// and the functions made in Rust (wasm-bindgen's glue, `#glue`), the error classes (the same
// module the glue imports as its snippet), and `ready()`, already resolved there.
export { EvoLinkClient, parseTaskCallback, planPoll } from '#glue';
export * from './classes.mjs';

/** The wasm is ready as soon as this module has run: resolves at once. */
export function ready() {
  return Promise.resolve();
}

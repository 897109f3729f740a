// Rollup's usual set-up for an app that imports packages: node-resolve at its defaults.
import { nodeResolve } from '@rollup/plugin-node-resolve';

export default { input: 'main.js', output: { dir: 'dist', format: 'es' }, plugins: [nodeResolve()] };

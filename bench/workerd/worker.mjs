// Start-up in workerd (bench/startup.mjs), one bundle per client: `bench-client` is aliased at
// bundle time to the client's module and CLIENT names it in bench/clients.mjs. The module is
// imported statically, as a worker would; the first request after workerd starts creates the
// client and makes one get against the same in-memory fetch as in Node.
import * as module from 'bench-client';
import { clients, inMemoryFetch } from '../clients.mjs';

/* global CLIENT */
const client = clients[CLIENT];

export default {
  async fetch() {
    const { fetch } = inMemoryFetch(client);
    const instance = client.create(module, fetch);
    return Response.json(await client.get(instance, 'task-startup-1'));
  },
};

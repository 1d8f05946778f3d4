// A thread of idle collaborators for bench/connections.bench.ts: each client connects, syncs, sets its presence and
// stays open; the first client of each project also writes a short paragraph into the notes.
import { parentPort, workerData } from 'node:worker_threads';
import { userOrigin } from '../../src/lib/editor/model/origin';
import { ProjectDoc } from '../../src/lib/editor/model/project-doc';
import { connectClient, presenceUser, waitFor, type ClientSpec, type YClient } from './clients';

const { wsUrl, clients: specs, perProject, concurrency } = workerData as { wsUrl: string; clients: ClientSpec[]; perProject: number; concurrency: number };
const port = parentPort!;
process.setMaxListeners(0); // y-websocket adds an exit listener per provider

const PARAGRAPH = 'Running order for the morning show: open with the station ident, weather at ten past, then the interview. '.repeat(10);
const open: YClient[] = [];

async function connect(spec: ClientSpec): Promise<void> {
  const client = connectClient(wsUrl, spec.projectId, spec.token);
  open.push(client);
  await client.synced;
  client.provider.awareness.setLocalStateField('user', presenceUser(spec));
  if (spec.index % perProject === 0) {
    const model = new ProjectDoc(client.doc);
    model.transact(userOrigin(spec.userId), (d) => d.notes.insert(0, PARAGRAPH));
  }
}

async function init() {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < specs.length) await connect(specs[next++]);
    })
  );
  const connectMs = performance.now() - t0;
  // Everyone sees everyone of their project (presence went through the server), and the notes arrived.
  await waitFor(() => open.every((c) => c.provider.awareness.getStates().size >= perProject && c.doc.getText('notes').length > 0), `every client to see its project's ${perProject} presences and notes`, 30_000);
  const extensions = [...new Set(open.map((c) => (c.provider.ws as unknown as { extensions?: string } | null)?.extensions ?? '?'))];
  port.postMessage({ type: 'ready', connectMs, settledMs: performance.now() - t0, extensions, connected: open.filter((c) => c.provider.wsconnected).length });
}

port.on('message', async (msg: { type: string }) => {
  if (msg.type === 'init') await init();
  if (msg.type === 'count') port.postMessage({ type: 'count', connected: open.filter((c) => c.provider.wsconnected).length });
  if (msg.type === 'close') {
    for (const c of open.splice(0)) c.destroy();
    port.postMessage({ type: 'closed' });
  }
});

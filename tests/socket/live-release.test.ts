import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { JobJson } from '$lib/job';
import { api, createTeam, type Team } from '../helpers/api';
import { leaseHoldingWorker } from '../helpers/live-channel';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

// The gateway over real sockets: the built server (no local workers, 30 s leases) and an in-process worker holding a
// channel's live job, whose connection is cut as a network drop would cut it.
const GRACE_MS = 1500;
/** How long a restarted attempt airs before its attempts start over (10 minutes by default). */
const STEADY_SECONDS = 2;
let server: RunningServer;
let team: Team;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startServer({ env: { LIVE_RELEASE_GRACE_MS: String(GRACE_MS), LIVE_STEADY_AIR_SECONDS: String(STEADY_SECONDS) } });
  team = await createTeam(server, 'Release');
});
afterAll(async () => {
  for (const stop of stops) await stop();
  await server?.destroy();
});

async function liveJobHeld(name: string) {
  const held = await leaseHoldingWorker(server, team.owner, `${name} box`);
  stops.push(() => held.worker.stop());
  const channel = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.owner.token, body: { name } });
  expect(channel.status).toBe(201);
  const started = await api(server, 'POST', `/api/channels/${channel.body.id}/live`, { token: team.editor.token, body: { action: 'start' } });
  expect(started.status).toBe(202);
  await waitFor(() => held.runs.length === 1, 'the worker runs the live job');
  const jobId = started.body.jobId as string;
  const job = async () => (await api(server, 'GET', `/api/jobs/${jobId}`, { token: team.owner.token })).body as JobJson;
  // The worker's connection (private to WorkerClient): cut under it, then socket.io reconnects after `delayMs`.
  const socket = (held.worker as unknown as { socket: Socket }).socket;
  const drop = async (delayMs: number) => {
    socket.io.reconnectionDelay(delayMs).reconnectionDelayMax(delayMs).randomizationFactor(0);
    socket.io.engine.close();
    await waitFor(() => !socket.connected, 'the worker is cut off');
    await waitFor(() => socket.connected, 'the worker reconnects', delayMs + 10_000);
  };
  return { held, job, drop };
}

describe('a live job whose worker loses its connection', () => {
  it('stays with a worker that is back within the grace: same run, same attempt', async () => {
    const { held, job, drop } = await liveJobHeld('Steady FM');
    await drop(100);
    // Past the grace: had the lease been released, the job would be on its second attempt by now.
    await new Promise((r) => setTimeout(r, GRACE_MS + 1000));
    expect(await job()).toMatchObject({ status: 'running', attempts: 1 });
    expect(held.runs).toHaveLength(1);
    expect(held.runs[0].ctx.signal.aborted).toBe(false);
  });

  it('is re-queued at once when the worker is not back within the grace, and handed back to it without a second run at once', async () => {
    const { held, job, drop } = await liveJobHeld('Blip FM');
    await drop(GRACE_MS + 2000);
    await waitFor(async () => (await job()).attempts === 2 && held.runs.length === 2, 'the job runs again', 20_000);
    const again = await job();
    expect(again.status).toBe('running');
    // Released on the disconnect, not by the 30 s lease running out.
    expect(again.error).toMatch(/disconnected/);
    // The same process got it back: the old run was stopped before the new one began.
    expect(held.runs[0].ended).toBe(true);
    expect(held.runs[1]).toMatchObject({ ended: false, othersGoing: 0 });
    expect(held.runs[1].ctx.job.attempt).toBe(2);
    // And it keeps the lease: heartbeats renew it for the new run.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await job()).toMatchObject({ status: 'running', attempts: 2 });
  });

  it('gets its attempts back once the restarted run has aired steadily, so crashes weeks apart never use up the budget', async () => {
    const { held, job, drop } = await liveJobHeld('Budget FM');
    await drop(GRACE_MS + 2000);
    await waitFor(async () => (await job()).attempts === 2 && held.runs.length === 2, 'the job runs again', 20_000);
    const ctx = held.runs[1].ctx;
    const call = (what: string, method: string, body: string, type: string) =>
      ctx.request!(`/api/worker/jobs/${ctx.job.id}/${what}`, { method, body, headers: { 'content-type': type } }).then(async (r) => ({ status: r.status, text: await r.text() }));
    const health = () => call('health', 'POST', JSON.stringify({ silent: false, emergency: false, message: null, outputs: [] }), 'application/json');
    // On air: the run's first playlist is in. A report before the steady time changes nothing.
    const playlist = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n#EXTINF:2.0,\nseg-1.ts\n';
    expect((await call('hls/index.m3u8', 'PUT', playlist, 'application/vnd.apple.mpegurl')).status).toBe(201);
    expect((await health()).status).toBe(200);
    expect((await job()).attempts).toBe(2);
    await new Promise((r) => setTimeout(r, STEADY_SECONDS * 1000 + 300));
    expect((await health()).status).toBe(200);
    expect(await job()).toMatchObject({ status: 'running', attempts: 1 });
    // Still the same run, holding its lease.
    expect(held.runs[1].ended).toBe(false);
  });
});

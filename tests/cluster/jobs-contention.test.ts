import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobJson } from '$lib/job';
import { api } from '../helpers/api';
import { startCluster, waitForWorkers, type Cluster } from '../helpers/cluster';
import { waitFor } from '../helpers/yclient';

// Two built web processes on one PostgreSQL database and one Redis, four worker processes split across them: every
// job is claimed once, runs once, and succeeds, whichever process queued it and whichever worker took it.
let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster(2, { JOB_LEASE_SECONDS: '5', JOB_POLL_MS: '200' });
  const [a, b] = cluster.servers.map((s) => s.url);
  cluster.spawnWorker('w-a1', [a, b], ['--only', 'system.sleep', '--concurrency', '2']);
  cluster.spawnWorker('w-a2', [a, b], ['--only', 'system.sleep', '--concurrency', '2']);
  cluster.spawnWorker('w-b1', [b, a], ['--only', 'system.sleep', '--concurrency', '2']);
  cluster.spawnWorker('w-b2', [b, a], ['--only', 'system.sleep', '--concurrency', '2']);
  await waitForWorkers(cluster, ['w-a1', 'w-a2', 'w-b1', 'w-b2']);
});

afterAll(async () => {
  await cluster?.destroy();
});

const jobsOf = async (ids: string[]) =>
  cluster.sql<{ id: string; status: string; attempts: number; lease_owner: string | null; result: string | null }>('select id, status, attempts, lease_owner, result from jobs where id = any($1)', [ids]);

describe('jobs with two web processes', () => {
  it('each worker is on the first server of its list, under its own id', async () => {
    const [a, b] = cluster.servers;
    expect((await cluster.workersOn(a)).map((w) => w.name).sort()).toEqual(['w-a1', 'w-a2']);
    expect((await cluster.workersOn(b)).map((w) => w.name).sort()).toEqual(['w-b1', 'w-b2']);
  });

  it('120 jobs queued through both processes each run exactly once, all succeed, on workers of both', async () => {
    const [a, b] = cluster.servers;
    const queued: JobJson[] = [];
    // Queued alternately through each process; each process's gateway and poll race the other's for every job.
    for (let i = 0; i < 120; i++) queued.push(await cluster.enqueue(i % 2 ? b : a, { type: 'system.sleep', input: { ms: 20 + (i % 7) * 10 } }));
    const ids = queued.map((j) => j.id);
    await waitFor(async () => (await jobsOf(ids)).every((j) => j.status === 'succeeded'), 'every job succeeds', 60_000);

    const rows = await jobsOf(ids);
    expect(rows).toHaveLength(120);
    for (const r of rows) {
      expect(r.status).toBe('succeeded');
      // Claimed once: a second claim would have counted a second attempt.
      expect(r.attempts).toBe(1);
      expect(r.lease_owner).toBeNull();
    }
    // The workers' own logs: each job started once, on one worker, as attempt 1.
    const started = cluster.workers.flatMap((w) => w.attempts().filter((x) => ids.includes(x.jobId)).map((x) => ({ ...x, worker: w.name })));
    expect(started).toHaveLength(120);
    expect(new Set(started.map((s) => s.jobId)).size).toBe(120);
    expect(started.every((s) => s.attempt === 1)).toBe(true);
    // The result names the process that ran it: the worker whose log says it started the job.
    const pidOf = new Map(cluster.workers.map((w) => [w.name, w.proc.pid]));
    const resultPid = new Map(rows.map((r) => [r.id, (JSON.parse(r.result!) as { pid: number }).pid]));
    for (const s of started) expect(resultPid.get(s.jobId)).toBe(pidOf.get(s.worker));
    const ranOn = new Set(started.map((s) => s.worker));
    expect([...ranOn].some((n) => n.startsWith('w-a'))).toBe(true);
    expect([...ranOn].some((n) => n.startsWith('w-b'))).toBe(true);
  });

  it('a cancel through one process stops the job on a worker connected to the other, and frees its slot there', async () => {
    const [a, b] = cluster.servers;
    // Ten long jobs for eight slots: two wait in the queue.
    const long = [];
    for (let i = 0; i < 10; i++) long.push(await cluster.enqueue(a, { type: 'system.sleep', input: { ms: 120_000 } }));
    const longIds = long.map((j) => j.id);
    const onB = new Set((await cluster.workersOn(b)).map((w) => w.id));
    let victim: { id: string; lease_owner: string } | undefined;
    await waitFor(async () => {
      const held = await cluster.sql<{ id: string; lease_owner: string }>("select id, lease_owner from jobs where id = any($1) and status = 'running'", [longIds]);
      victim = held.find((h) => onB.has(h.lease_owner));
      return held.length === 8 && victim !== undefined;
    }, 'eight long jobs running, one on a worker of server B', 20_000);
    const worker = cluster.workers.find((w) => w.attempts().some((x) => x.jobId === victim!.id))!;
    expect(worker.name.startsWith('w-b')).toBe(true);
    const startedBefore = worker.attempts().filter((x) => longIds.includes(x.jobId)).length;
    expect(startedBefore).toBe(2);

    const r = await api(a, 'POST', `/api/jobs/${victim!.id}/cancel`, { token: cluster.team.editor.token });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('canceled');
    // The worker stops it: told through its room (with the socket.io Redis adapter), or else by its next heartbeat.
    await waitFor(() => worker.output().includes(`job ${victim!.id} stopped`), 'the worker stops the canceled job', 15_000);
    // Its slot on server B is free again: B hands it one of the queued long jobs.
    await waitFor(() => worker.attempts().filter((x) => longIds.includes(x.jobId)).length === 3, `${worker.name} takes a queued job`, 15_000);
    await waitFor(async () => {
      const held = await cluster.sql<{ n: string }>("select count(*) as n from jobs where lease_owner = $1 and status = 'running'", [victim!.lease_owner]);
      return Number(held[0].n) === 2;
    }, `${worker.name} holds two jobs again`);
    for (const id of longIds) await api(a, 'POST', `/api/jobs/${id}/cancel`, { token: cluster.team.editor.token });
  });
});

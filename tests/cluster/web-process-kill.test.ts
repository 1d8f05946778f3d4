import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, waitForWorkers, type Cluster } from '../helpers/cluster';
import { waitFor } from '../helpers/yclient';

// A web process killed with SIGKILL while its workers run jobs: they dial the next server of their list under the same
// worker id, their leases stay theirs (renewed through the other process), and every job succeeds once.
let cluster: Cluster;
const LEASE_SECONDS = 5;

beforeAll(async () => {
  cluster = await startCluster(2, { JOB_LEASE_SECONDS: String(LEASE_SECONDS), JOB_POLL_MS: '200' });
  const [a, b] = cluster.servers.map((s) => s.url);
  for (const name of ['k-a1', 'k-a2']) cluster.spawnWorker(name, [a, b], ['--only', 'system.sleep']);
  for (const name of ['k-b1', 'k-b2']) cluster.spawnWorker(name, [b, a], ['--only', 'system.sleep']);
  await waitForWorkers(cluster, ['k-a1', 'k-a2', 'k-b1', 'k-b2']);
});

afterAll(async () => {
  await cluster?.destroy();
});

type Row = { id: string; status: string; attempts: number; lease_owner: string | null; result: string | null; error: string | null };

describe('a web process killed with SIGKILL', () => {
  it("loses no job: its workers move to the other process with their jobs, which finish once, on the same workers", async () => {
    const [a, b] = cluster.servers;
    const idsOnA = new Map((await cluster.workersOn(a)).map((w) => [w.id, w.name]));
    expect([...idsOnA.values()].sort()).toEqual(['k-a1', 'k-a2']);
    // Eight jobs of 8 s for four single-slot workers: four run, four wait.
    const jobs = [];
    for (let i = 0; i < 8; i++) jobs.push(await cluster.enqueue(i % 2 ? b : a, { type: 'system.sleep', input: { ms: 8000 } }));
    const ids = jobs.map((j) => j.id);
    let heldOnA: Row[] = [];
    await waitFor(async () => {
      const running = await cluster.sql<Row>("select id, status, attempts, lease_owner, result, error from jobs where id = any($1) and status = 'running'", [ids]);
      heldOnA = running.filter((r) => idsOnA.has(r.lease_owner ?? ''));
      return running.length === 4 && heldOnA.length === 2;
    }, 'four jobs running, two on the workers of server A', 20_000);

    await a.kill9();

    // Same ids, now on B (the worker id is the lease owner, so the leases stay theirs).
    await waitFor(async () => (await cluster.workersOn(b)).length === 4, 'all four workers on server B', 20_000);
    const onB = await cluster.workersOn(b);
    for (const [id, name] of idsOnA) expect(onB.find((w) => w.name === name)?.id).toBe(id);
    await waitFor(async () => (await cluster.sql<Row>('select status from jobs where id = any($1)', [ids])).every((r) => r.status === 'succeeded'), 'every job succeeds', 60_000);

    const rows = await cluster.sql<Row>('select id, status, attempts, lease_owner, result, error from jobs where id = any($1)', [ids]);
    // Designed outcome: the moved workers renewed their leases through B before they expired, so nothing was released
    // and run again: one attempt each, no lease-expiry error on record.
    for (const r of rows) {
      expect(r.status).toBe('succeeded');
      expect(r.attempts).toBe(1);
      expect(r.error).toBeNull();
    }
    // The jobs A's workers held finished on those same worker processes (their pid in the result, their log's one start).
    for (const held of heldOnA) {
      const name = idsOnA.get(held.lease_owner!)!;
      const worker = cluster.workers.find((w) => w.name === name)!;
      const result = JSON.parse(rows.find((r) => r.id === held.id)!.result!) as { pid: number; sleptMs: number };
      expect(result.pid).toBe(worker.proc.pid);
      expect(result.sleptMs).toBeGreaterThanOrEqual(8000);
      expect(worker.output()).toMatch(/lost http:\/\/127\.0\.0\.1:\d+ .*dialling/);
    }
    const started = cluster.workers.flatMap((w) => w.attempts().filter((x) => ids.includes(x.jobId)));
    expect(started).toHaveLength(8);
    expect(new Set(started.map((s) => s.jobId)).size).toBe(8);
  });

  it('with its last server gone too, a worker keeps dialling; a server started again takes its jobs', async () => {
    const [a, b] = cluster.servers;
    const job = await cluster.enqueue(b, { type: 'system.sleep', input: { ms: 100 } });
    await waitFor(async () => (await cluster.sql<Row>('select status from jobs where id = $1', [job.id]))[0].status === 'succeeded', 'a job after the kill succeeds');
    await b.kill9();
    const again = await a.restart();
    cluster.servers[0] = again;
    await waitFor(async () => (await cluster.workersOn(again)).length === 4, 'the workers come back to the restarted server', 30_000);
    const after = await cluster.enqueue(again, { type: 'system.sleep', input: { ms: 100 } });
    await waitFor(async () => (await cluster.sql<Row>('select status from jobs where id = $1', [after.id]))[0].status === 'succeeded', 'a job on the restarted server succeeds', 20_000);
  });
});

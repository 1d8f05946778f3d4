import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { JobJson } from '$lib/job';
import { WORKER_PROTOCOL_VERSION } from '$lib/worker-protocol';
import { PermanentJobError, WorkerClient } from '../../workers/worker-client';
import { echoJob, sleepJob } from '../../workers/system/system-jobs';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

// Workers over real sockets: in-process WorkerClients for protocol details, `node build/worker.js` processes for faults.
const WORKER_ENTRY = path.resolve(import.meta.dirname, '../../build/worker.js');

let server: RunningServer;
let team: Team;
let workerToken: string;
const clients: WorkerClient[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  server = await startServer({ env: { JOB_LEASE_SECONDS: '2', JOB_POLL_MS: '200', JOB_BACKOFF_BASE_MS: '100' } });
  team = await createTeam(server, 'Workers');
  const r = await api(server, 'POST', '/api/worker-tokens', { token: team.owner.token, body: { name: 'test box' } });
  expect(r.status).toBe(201);
  expect(r.body.token).toMatch(/^asw_/);
  workerToken = r.body.token;
});

afterAll(async () => {
  for (const c of clients) await c.stop();
  for (const c of children) c.kill('SIGKILL');
  await server?.destroy();
});

const quiet = () => undefined;

async function worker(handlers: ConstructorParameters<typeof WorkerClient>[0]['handlers'], name = 'w', concurrency = 1) {
  const c = new WorkerClient({ server: server.url, token: workerToken, name, concurrency, version: 'test', handlers, log: quiet });
  clients.push(c);
  await c.start();
  return c;
}

const enqueue = async (body: object) => {
  const r = await api(server, 'POST', `/api/projects/${team.projectId}/jobs`, { token: team.editor.token, body });
  expect([200, 201]).toContain(r.status);
  return r.body as JobJson;
};
const getJob = async (id: string) => (await api(server, 'GET', `/api/jobs/${id}`, { token: team.viewer.token })).body as JobJson;
const until = async (id: string, pred: (j: JobJson) => boolean, what: string, ms = 20_000) => {
  let last: JobJson | undefined;
  await waitFor(async () => pred((last = await getJob(id))), `${what} (last: ${JSON.stringify(last)})`, ms);
  return last!;
};

function spawnWorker(name: string, only = 'system.sleep'): ChildProcess {
  const child = spawn(process.execPath, [WORKER_ENTRY, '--server', server.url, '--name', name, '--only', only], {
    env: { ...process.env, AIRSTUDIO_WORKER_TOKEN: workerToken },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  children.push(child);
  return child;
}

describe('worker protocol', () => {
  it('refuses a worker with a bad token, a bad hello, or another protocol version, with a reason', async () => {
    const hello = { token: workerToken, name: 'x', capabilities: ['system.echo'], concurrency: 1, version: 't', protocol: WORKER_PROTOCOL_VERSION, instanceId: 'abcdefgh12' };
    for (const [auth, code] of [
      [{ ...hello, token: 'asw_nope.nope' }, 'unauthorized'],
      [{ ...hello, token: team.owner.token }, 'unauthorized'],
      [{ ...hello, capabilities: [] }, 'bad_hello'],
      [{ ...hello, protocol: 99 }, 'protocol_mismatch']
    ] as const) {
      const s = io(`${server.url}/workers`, { auth, transports: ['websocket'], reconnection: false });
      const err = await new Promise<{ data?: { code: string; message: string } }>((resolve) => s.on('connect_error', resolve));
      s.close();
      expect(err.data?.code).toBe(code);
      expect(err.data?.message.length).toBeGreaterThan(10);
    }
    const bad = new WorkerClient({ server: server.url, token: 'asw_x.y', name: 'bad', concurrency: 1, version: 't', handlers: { 'system.echo': echoJob }, log: quiet });
    await expect(bad.start()).rejects.toThrow(/worker token/);
  });

  it('npm run worker-token makes an operator token (every project) that a worker can use', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, [path.resolve(import.meta.dirname, '../../build/worker-token.js'), '--name', 'ops box'], {
      env: { ...process.env, DATA_DIR: server.dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe']
    }).toString().trim();
    expect(out).toMatch(/^asw_[a-z2-7]{16}\.[a-z2-7]+$/);
    const ops = new WorkerClient({ server: server.url, token: out, name: 'ops', concurrency: 1, version: 't', handlers: { 'system.echo': echoJob }, log: quiet });
    clients.push(ops);
    await ops.start();
    const listed = (await api(server, 'GET', '/health')).body.workers.list.find((x: { name: string }) => x.name === 'ops');
    expect(listed.scope).toBe('operator');
    await ops.stop();
  });

  it('runs a job end to end: progress and the result reach every member over socket.io, and /health lists the worker', async () => {
    const w = await worker({ 'system.sleep': sleepJob, 'system.echo': echoJob }, 'e2e');
    const seen: JobJson[] = [];
    const member: Socket = io(server.url, { path: '/socket.io', auth: { token: team.viewer.token }, transports: ['websocket'] });
    await new Promise<void>((resolve, reject) =>
      member.emit('project:join', team.projectId, (r: { ok: boolean }) => (r.ok ? resolve() : reject(new Error('join failed'))))
    );
    member.on('job', (j: JobJson) => seen.push(j));
    const health = (await api(server, 'GET', '/health')).body;
    expect(health.workers.list.some((x: { name: string; capabilities: string[] }) => x.name === 'e2e' && x.capabilities.includes('system.sleep'))).toBe(true);

    const job = await enqueue({ type: 'system.sleep', input: { ms: 900 } });
    const done = await until(job.id, (j) => j.status === 'succeeded', 'sleep job succeeds');
    expect((done.result as { sleptMs: number }).sleptMs).toBeGreaterThanOrEqual(900);
    expect(done.progress).toBe(1);
    await waitFor(() => seen.some((j) => j.id === job.id && j.status === 'succeeded'), 'member sees success');
    const mine = seen.filter((j) => j.id === job.id);
    expect(mine[0].status).toBe('queued');
    expect(mine.some((j) => j.status === 'running' && j.progress > 0 && j.progress < 1)).toBe(true);
    member.close();
    await w.stop();
  });

  it('cancel stops a running job on its worker', async () => {
    let aborted = false;
    const w = await worker({
      'system.sleep': async (ctx) => {
        ctx.signal.addEventListener('abort', () => (aborted = true));
        return sleepJob(ctx);
      }
    }, 'cancel');
    const job = await enqueue({ type: 'system.sleep', input: { ms: 60_000 } });
    await until(job.id, (j) => j.status === 'running', 'running');
    const r = await api(server, 'POST', `/api/jobs/${job.id}/cancel`, { token: team.editor.token });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('canceled');
    await waitFor(() => aborted && w.runningCount === 0, 'the worker aborted the job');
    expect((await getJob(job.id)).status).toBe('canceled');
    expectApiError(await api(server, 'POST', `/api/jobs/${job.id}/cancel`, { token: team.editor.token }), 409);
    // Retry brings it back; this worker takes it again.
    const again = await api(server, 'POST', `/api/jobs/${job.id}/retry`, { token: team.editor.token });
    expect(again.body.status).toBe('queued');
    await until(job.id, (j) => j.status === 'running', 'running again');
    await api(server, 'POST', `/api/jobs/${job.id}/cancel`, { token: team.editor.token });
    await w.stop();
  });

  it('retries a failing job with backoff, then fails it with the error kept; a permanent error fails at once', async () => {
    const w = await worker({
      'system.sleep': sleepJob,
      'system.echo': async () => {
        throw new PermanentJobError('this input can never work');
      }
    }, 'flaky');
    const flaky = await enqueue({ type: 'system.sleep', input: { ms: 10, failTimes: 2 }, maxAttempts: 3 });
    const ok = await until(flaky.id, (j) => j.status === 'succeeded', 'succeeds on the third attempt');
    expect(ok.attempts).toBe(3);
    const hopeless = await enqueue({ type: 'system.sleep', input: { ms: 10, failTimes: 5 }, maxAttempts: 2 });
    const failed = await until(hopeless.id, (j) => j.status === 'failed', 'fails after two attempts');
    expect(failed.attempts).toBe(2);
    expect(failed.error).toMatch(/failing attempt 2 on purpose/);
    const permanent = await enqueue({ type: 'system.echo', input: 1, maxAttempts: 5 });
    const p = await until(permanent.id, (j) => j.status === 'failed', 'permanent failure');
    expect(p.attempts).toBe(1);
    expect(p.error).toBe('this input can never work');
    await w.stop();
  });

  it('dedupes jobs by idempotency key through the API', async () => {
    const a = await enqueue({ type: 'system.echo', input: { a: 1 }, idempotencyKey: 'k-1' });
    const b = await enqueue({ type: 'system.echo', input: { a: 2 }, idempotencyKey: 'k-1' });
    expect(b.id).toBe(a.id);
    await api(server, 'POST', `/api/jobs/${a.id}/cancel`, { token: team.editor.token });
  });

  it('survives garbage from a worker: bad events get an error answer and the server keeps serving', async () => {
    const w = await worker({ 'system.echo': echoJob }, 'garbage');
    const raw = (w as unknown as { socket: Socket }).socket;
    const answers = await Promise.all([
      raw.timeout(5000).emitWithAck('job:heartbeat', 'not an object'),
      raw.timeout(5000).emitWithAck('job:complete', { nope: true }),
      raw.timeout(5000).emitWithAck('job:fail', { jobId: 'x'.repeat(1000), error: 1 }),
      raw.timeout(5000).emitWithAck('job:complete', { jobId: 'aaaaaaaaaaaaaaaa', result: 1 })
    ]);
    for (const a of answers) expect(a).toMatchObject({ ok: false, error: { code: expect.any(String), message: expect.any(String) } });
    raw.emit('job:progress', { jobId: 42, progress: 'lots' } as never);
    const job = await enqueue({ type: 'system.echo', input: { still: 'working' } });
    expect((await until(job.id, (j) => j.status === 'succeeded', 'echo after garbage')).result).toEqual({ echo: { still: 'working' } });
    await w.stop();
  });
});

describe('faults', () => {
  it('a worker killed with SIGKILL mid-job: after its lease expires another worker finishes the job, once', async () => {
    const first = spawnWorker('doomed');
    await waitFor(async () => (await api(server, 'GET', '/health')).body.workers.list.some((x: { name: string }) => x.name === 'doomed'), 'doomed connects');
    const job = await enqueue({ type: 'system.sleep', input: { ms: 3000 }, idempotencyKey: 'fault-1' });
    const running = await until(job.id, (j) => j.status === 'running' && j.progress > 0, 'doomed runs it');
    expect(running.attempts).toBe(1);
    first.kill('SIGKILL');
    const survivor = spawnWorker('survivor');
    const done = await until(job.id, (j) => j.status === 'succeeded', 'survivor finishes it', 30_000);
    expect(done.attempts).toBe(2);
    expect((done.result as { pid: number }).pid).toBe(survivor.pid);
    const list = (await api(server, 'GET', `/api/projects/${team.projectId}/jobs?limit=200`, { token: team.owner.token })).body.jobs as JobJson[];
    expect(list.filter((j) => j.idempotencyKey === 'fault-1')).toHaveLength(1);
    survivor.kill('SIGTERM');
  });
});

describe('supervision', () => {
  it('npm start runs local workers and restarts a killed one with backoff', async () => {
    const s = await startServer({ env: { LOCAL_WORKERS: '1', LOG_LEVEL: 'info' } });
    try {
      const names = async () => ((await api(s, 'GET', '/health')).body.workers.list as { name: string; connectedAt: number }[]);
      await waitFor(async () => (await names()).some((w) => w.name === 'local-1'), 'local worker connects', 20_000);
      const before = (await names()).find((w) => w.name === 'local-1')!;
      const { execFileSync } = await import('node:child_process');
      const pid = Number(execFileSync('pgrep', ['-P', String(s.proc.pid), '-f', 'worker.js']).toString().trim().split('\n')[0]);
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGKILL');
      await waitFor(() => /local worker exited; restarting/.test(s.output()), 'supervisor notices');
      await waitFor(async () => (await names()).some((w) => w.name === 'local-1' && w.connectedAt > before.connectedAt), 'a new local worker connects', 20_000);
      expect(s.output()).toMatch(/"restartInMs":250/);
    } finally {
      await s.destroy();
    }
  });

  it('/health reports queue depth per type', async () => {
    const job = await enqueue({ type: 'system.echo', input: 1, idempotencyKey: 'depth' });
    const h = (await api(server, 'GET', '/health')).body;
    expect(h.queue['system.echo'].queued).toBeGreaterThanOrEqual(1);
    await api(server, 'POST', `/api/jobs/${job.id}/cancel`, { token: team.editor.token });
  });
});

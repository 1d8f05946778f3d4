import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerSupervisor } from '$lib/server/worker/supervisor';
import { waitFor } from '../helpers/yclient';

// The supervisor over real child processes: a "worker" that crashes at once, every time.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-supervisor-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the local worker supervisor', () => {
  it('restarts a crashed worker after 250 ms the first time, then backs off exponentially in a crash loop', async () => {
    const script = path.join(dir, 'crash.mjs');
    fs.writeFileSync(script, 'process.exit(1);\n');
    const lines: { msg: string; restartInMs?: number; pid?: number }[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      }
    });
    const supervisor = new WorkerSupervisor({ script, server: 'http://127.0.0.1:9', token: 'unused', count: 1, concurrency: 1 }, pino({ level: 'info' }, sink));
    supervisor.start();
    try {
      await waitFor(() => lines.filter((l) => l.msg === 'local worker exited; restarting').length >= 4, 'four crashes', 20_000);
    } finally {
      await supervisor.stop();
    }
    const delays = lines.filter((l) => l.msg === 'local worker exited; restarting').map((l) => l.restartInMs);
    expect(delays.slice(0, 4)).toEqual([250, 500, 1000, 2000]);
    expect(supervisor.restarts).toBeGreaterThanOrEqual(4);
    // Each restart is a new process.
    const pids = lines.filter((l) => l.msg === 'local worker started').map((l) => l.pid);
    expect(new Set(pids).size).toBe(pids.length);
  }, 30_000);
});

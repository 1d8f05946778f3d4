import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTeam, expectApiError, api, type Team } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';
import { clientTracker, serverCaughtUp, waitFor } from '../helpers/yclient';

/** One sample's value from Prometheus text, or undefined when the metric is absent. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics (Prometheus, prom-client)', () => {
  let server: RunningServer;
  let team: Team;
  const clients = clientTracker();
  const scrape = async () => (await fetch(`${server.url}/metrics`)).text();

  beforeAll(async () => {
    server = await startServer();
    team = await createTeam(server, 'Metrics');
  });
  afterEach(() => clients.closeAll());
  afterAll(async () => server?.destroy());

  it('serves process and realtime metrics to loopback, following connections, updates and refused writes', async () => {
    const before = await scrape();
    expect(sample(before, 'airstudio_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(before, 'airstudio_yjs_connections')).toBe(0);

    const [editor, viewer] = await clients.connectSynced(server.wsUrl, team.projectId, [team.editor.token, team.viewer.token]);
    editor.doc.getText('notes').insert(0, 'counted');
    viewer.doc.getText('notes').insert(0, 'refused');
    await serverCaughtUp(editor, viewer);
    await serverCaughtUp(viewer, editor);
    await waitFor(async () => (sample(await scrape(), 'airstudio_yjs_refused_writes_total') ?? 0) >= 1, 'the refused write to be counted');
    const during = await scrape();
    expect(sample(during, 'airstudio_yjs_connections')).toBe(2);
    expect(sample(during, 'airstudio_yjs_loaded_documents')).toBe(1);
    expect(sample(during, 'airstudio_yjs_updates_total')).toBeGreaterThanOrEqual(1);
  });

  it('counts workers and jobs: queued per type, and finished ones by outcome', async () => {
    expect(sample(await scrape(), 'airstudio_workers_connected')).toBe(0);
    const r = await api(server, 'POST', `/api/projects/${team.projectId}/jobs`, { token: team.editor.token, body: { type: 'system.echo', input: 1 } });
    expect(r.status).toBe(201);
    expect(await scrape()).toMatch(/airstudio_jobs\{type="system.echo",status="queued"\} 1/);
    await api(server, 'POST', `/api/jobs/${r.body.id}/cancel`, { token: team.editor.token });
    const after = await scrape();
    expect(after).toMatch(/airstudio_jobs_finished_total\{type="system.echo",status="canceled"\} 1/);
    expect(after).not.toMatch(/airstudio_jobs\{type="system.echo",status="queued"\} [1-9]/);
  });

  it('with METRICS_TOKEN set, asks for it as a bearer token', async () => {
    const guarded = await startServer({ env: { METRICS_TOKEN: 'scrape-secret-123' } });
    try {
      expectApiError(await api(guarded, 'GET', '/metrics'), 401, 'unauthorized');
      expectApiError(await api(guarded, 'GET', '/metrics', { token: 'scrape-secret-124' }), 401, 'unauthorized');
      const ok = await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret-123' } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('airstudio_yjs_connections');
    } finally {
      await guarded.destroy();
    }
  });
});

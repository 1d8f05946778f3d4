import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveStatus } from '$lib/live';
import { api, createTeam, type Team } from '../helpers/api';
import { tempDir } from '../helpers/media';
import { airAsRotation, uploadTones } from '../helpers/live-channel';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

const run = promisify(execFile);

// The recorder's last file: hour-long segments (the default) never finish in a short run, so everything recorded
// is in the open file when people stop the channel. The real live job on the local worker must finish and upload it.
let server: RunningServer;
let team: Team;
let dir: string;

beforeAll(async () => {
  server = await startServer({ env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2' } });
  team = await createTeam(server, 'Recorder');
  dir = await tempDir('airstudio-recstop-');
});
afterAll(async () => {
  await server?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('recording on stop', () => {
  it('finishes and stores the partial recording file when the channel is stopped', async () => {
    const assets = await uploadTones(server, team, dir, [330, 550], 8);
    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.editor.token, body: { name: 'Stop FM', recordingEnabled: true } });
    expect(created.status).toBe(201);
    const channel = created.body as { id: string };
    await airAsRotation(server, team, assets, 'Stop rotation');

    const started = await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'start' } });
    expect(started.status).toBe(202);
    await waitFor(async () => ((await api(server, 'GET', `/api/channels/${channel.id}/live`, { token: team.viewer.token })).body as LiveStatus).state === 'on-air', 'on air', 60_000);
    // Some seconds of air into the open recording file.
    await new Promise((r) => setTimeout(r, 6000));
    const recDir = path.join(server.dataDir, 'recordings', channel.id);

    const stopped = await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'stop' } });
    expect(stopped.body.state).toBe('off-air');

    let files: string[] = [];
    await waitFor(() => (files = fs.existsSync(recDir) ? fs.readdirSync(recDir).filter((f) => /^rec-\d{8}-\d{6}\.m4a$/.test(f)) : []).length > 0, 'the partial recording stored', 30_000);
    // One file, or two if the run crossed the top of an hour (where the recorder cuts).
    let seconds = 0;
    for (const f of files) {
      const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', path.join(recDir, f)]);
      const probe = JSON.parse(stdout) as { format: { duration: string }; streams: { codec_name: string }[] };
      expect(probe.streams.map((s) => s.codec_name)).toEqual(['aac']);
      seconds += Number(probe.format.duration);
    }
    // At least the 6 s waited on air (less a second for the cut at the start).
    expect(seconds).toBeGreaterThan(5);
    // The podcast card lists it.
    const listed = await api(server, 'GET', `/api/channels/${channel.id}/recordings`, { token: team.viewer.token });
    expect(listed.body.recordings.map((r: { name: string }) => r.name)).toEqual(files);
  }, 180_000);
});

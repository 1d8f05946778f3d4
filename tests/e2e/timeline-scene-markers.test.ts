import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AssetJson } from '$lib/asset';
import type { JobJson } from '$lib/job';
import { keysBetween } from '$lib/editor/model/order';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { newClip } from '$lib/editor/model/timeline/clip';
import { newTrack } from '$lib/editor/model/timeline/track';
import { api, createTeam, type Team } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { tempDir, writeShots } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage, openProject, uploadProcessed } from '../helpers/studio';
import { connectClient, waitFor, type YClient } from '../helpers/yclient';

// Scene detection's findings used on the timeline: real Chromium, the built server, one real local worker.
let server: RunningServer;
let browser: Browser;
let team: Team;
let dir = '';
let shots: AssetJson;
/** A headless collaborator: lays out the cut and reads the server's document. */
let script: YClient;

beforeAll(async () => {
  dir = await tempDir('airstudio-scene-markers-e2e-');
  server = await startServer({ env: { LOCAL_WORKERS: '1' } });
  team = await createTeam(server, 'Scene cut');
  const file = path.join(dir, 'shots.mp4');
  await writeShots(file);
  shots = await uploadProcessed(server, team.projectId, team.owner, file);
  // V1: c1 at 10 s shows the source from 1 s to 5 s, so its cuts (2 s and 4 s of the source) fall at 11 s and 13 s.
  script = connectClient(server.wsUrl, team.projectId, team.owner.token);
  await script.synced;
  const [o1] = keysBetween(null, null, 1);
  new ProjectDoc(script.doc).transact(userOrigin(team.owner.id), (p) =>
    p.timeline.apply([
      { op: 'insert', kind: 'track', record: newTrack({ id: 'v1', kind: 'video', name: 'V1', order: o1 }) },
      { op: 'insert', kind: 'clip', record: newClip({ id: 'c1', trackId: 'v1', assetId: shots.id, start: 10, in: 1, out: 5 }) }
    ])
  );
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  script?.destroy();
  await browser?.close();
  await server?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const markers = () => new ProjectDoc(script.doc).timeline.snapshot().markers.map((m): [number, string] => [m.time, m.label]);

describe('scene markers on the timeline', () => {
  it('the inspector says to detect scenes first, then marks the source’s cuts where they fall in the clip', async () => {
    const page: Page = await newPage(browser, 'editor', { viewport: { width: 1600, height: 1000 } });
    await openProject(await logIn(page, server.url, team.editor), server.url, team.projectId);
    await page.locator('[data-clip-id="c1"]').click();
    await page.locator('[data-inspector][data-inspector-clips="1"]').waitFor({ timeout: WAIT });
    const mark = page.getByRole('button', { name: 'Mark scene cuts' });
    await mark.click();
    await page.getByText('No scene detection of this clip’s media yet').waitFor({ timeout: WAIT });

    const started = await api(server, 'POST', `/api/assets/${shots.id}/tools/scenes`, { token: team.owner.token, body: {} });
    expect(started.status).toBe(202);
    await waitFor(async () => ((await api(server, 'GET', `/api/jobs/${started.body.id}`, { token: team.owner.token })).body as JobJson).status === 'succeeded', 'scene detection', 120_000);

    await mark.click();
    await waitFor(() => markers().length === 2, 'two markers in the server’s document', WAIT);
    const [first, second] = markers();
    expect(first![1]).toBe('Scene cut');
    expect(Math.abs(first![0] - 11)).toBeLessThanOrEqual(0.2);
    expect(Math.abs(second![0] - 13)).toBeLessThanOrEqual(0.2);
  });
});

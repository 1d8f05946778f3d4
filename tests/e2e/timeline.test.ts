import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AssetJson } from '$lib/asset';
import { api, createTeam, type Team, type TestUser } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { ffmpeg, h264, picture, sine, tempDir } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage, openProject, uploadProcessed } from '../helpers/studio';
import { waitFor } from '../helpers/yclient';

// The timeline editor as two people use it at once: real Chromium, the built server, one real local worker.
// Processing and rendering take seconds on a 2-core box next to other suites: longer waits; nothing asserts a duration.
let server: RunningServer;
let browser: Browser;
let team: Team;
let dir = '';
let clipA: AssetJson;
let clipB: AssetJson;

beforeAll(async () => {
  dir = await tempDir('airstudio-timeline-e2e-');
  server = await startServer({ env: { LOCAL_WORKERS: '1' } });
  team = await createTeam(server, 'Evening cut');
  const a = path.join(dir, 'opening.mp4');
  const b = path.join(dir, 'closing.mp4');
  await Promise.all([
    ffmpeg(...picture(4), ...sine(4, 440), '-shortest', ...h264, '-c:a', 'aac', a),
    ffmpeg(...picture(4, '320x240', 30), ...sine(4, 660), '-shortest', ...h264, '-c:a', 'aac', b)
  ]);
  [clipA, clipB] = await Promise.all([a, b].map((file) => uploadProcessed(server, team.projectId, team.owner, file)));
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Logs in through the form and opens the project's studio, live. */
async function openStudio(user: TestUser, name: string): Promise<Page> {
  return openProject(await logIn(await newPage(browser, name), server.url, user), server.url, team.projectId);
}

/** What a page shows of the cut: each clip as "track start+duration", in order. */
async function layout(page: Page): Promise<string[]> {
  return page.locator('[data-clip-id]').evaluateAll((els) =>
    els
      .map((el) => {
        const e = el as HTMLElement;
        return `${e.closest<HTMLElement>('[data-track]')?.dataset.track} ${e.dataset.start}+${e.dataset.duration}`;
      })
      .sort()
  );
}

async function sameLayout(a: Page, b: Page, expected: string[], what: string) {
  await waitFor(async () => {
    const [la, lb] = await Promise.all([layout(a), layout(b)]);
    return JSON.stringify(la) === JSON.stringify(expected) && JSON.stringify(lb) === JSON.stringify(expected);
  }, what, WAIT);
}

const clip = (page: Page, start: string) => page.locator(`[data-clip-id][data-start="${start}"]`);

describe('timeline editor in the browser', () => {
  it('two editors cut together live; undo is per user; a render shows in both Jobs panels and lands in the library', async () => {
    const a = await openStudio(team.owner, 'A');
    const b = await openStudio(team.editor, 'B');

    await a.getByText('Add a video track and drag media from the library').waitFor({ timeout: WAIT });
    await a.getByRole('button', { name: 'Add video track' }).click();
    await b.locator('[data-track-id]').first().waitFor({ timeout: WAIT });
    const track = await b.locator('[data-track-id]').first().getAttribute('data-track');

    // A adds both clips from the bin at the playhead: the playhead waits at the end of each added clip.
    await a.locator(`[data-bin-asset="${clipA.id}"]`).getByRole('button', { name: /to timeline/ }).click();
    await clip(a, '0.000').waitFor({ timeout: WAIT });
    await a.locator(`[data-bin-asset="${clipB.id}"]`).getByRole('button', { name: /to timeline/ }).click();
    await sameLayout(a, b, [`${track} 0.000+4.000`, `${track} 4.000+4.000`], 'B sees both clips');

    // A puts the playhead at 2 s (a click on the ruler) and selects the first clip; B grabs the second.
    const zoom = 60;
    const ruler = a.getByRole('slider', { name: /Time ruler/ });
    const rb = (await ruler.boundingBox())!;
    await a.mouse.click(rb.x + 2 * zoom, rb.y + rb.height / 2);
    await a.locator('[data-playhead="2.000"]').waitFor({ timeout: WAIT });
    // The program monitor shows the clip under the playhead; B sees where A's playhead is.
    await a.locator('[data-monitor-clip]:not([data-monitor-clip=""])').waitFor({ timeout: WAIT });
    await b.locator('[data-peer-playhead]').first().waitFor({ timeout: WAIT });
    await clip(a, '0.000').click();
    await a.locator('[data-clip-id][data-selected="true"][data-start="0.000"]').waitFor({ timeout: WAIT });

    const second = (await clip(b, '4.000').boundingBox())!;
    const x0 = second.x + second.width / 2;
    const y0 = second.y + second.height / 2;
    await b.mouse.move(x0, y0);
    await b.mouse.down();
    await b.mouse.move(x0 + zoom, y0, { steps: 4 });
    await b.mouse.move(x0 + 2 * zoom, y0, { steps: 4 });
    // At the same time: A splits (S) while B drops the clip 2 s later.
    await Promise.all([a.keyboard.press('s'), b.mouse.up()]);

    const converged = [`${track} 0.000+2.000`, `${track} 2.000+2.000`, `${track} 6.000+4.000`];
    await sameLayout(a, b, converged, 'both pages show the split and the move');

    // A's undo takes back A's split only: B's move stays.
    await a.keyboard.press('Control+z');
    await sameLayout(a, b, [`${track} 0.000+4.000`, `${track} 6.000+4.000`], "A's undo removes only the split");

    // A spot already taken is refused with a message, and nothing changes.
    await a.mouse.click(rb.x + 1 * zoom, rb.y + rb.height / 2);
    await a.locator('[data-playhead="1.000"]').waitFor({ timeout: WAIT });
    await a.locator(`[data-bin-asset="${clipA.id}"]`).getByRole('button', { name: /to timeline/ }).click();
    await a.getByRole('alert').filter({ hasText: `There is already a clip at 0 s on track "${track}"` }).waitFor({ timeout: WAIT });

    // A drags media from the bin onto the track at 11 s (HTML5 drag and drop).
    const lane = a.locator('[data-lane-track]').first();
    const lb = (await lane.boundingBox())!;
    const dataTransfer = await a.evaluateHandle((id) => {
      const dt = new DataTransfer();
      dt.setData('application/x-airstudio-asset', id);
      return dt;
    }, clipB.id);
    await lane.dispatchEvent('dragover', { dataTransfer, clientX: lb.x + 11 * zoom, clientY: lb.y + lb.height / 2 });
    await lane.dispatchEvent('drop', { dataTransfer, clientX: lb.x + 11 * zoom, clientY: lb.y + lb.height / 2 });
    await dataTransfer.dispose();
    // B trims the end of the clip at 6 s by 1 s (drag its right edge).
    const moved = (await clip(b, '6.000').boundingBox())!;
    const ex = moved.x + moved.width - 3;
    const ey = moved.y + moved.height / 2;
    await b.mouse.move(ex, ey);
    await b.mouse.down();
    await b.mouse.move(ex - zoom / 2, ey, { steps: 3 });
    await b.mouse.move(ex - zoom, ey, { steps: 3 });
    await b.mouse.up();
    await sameLayout(a, b, [`${track} 0.000+4.000`, `${track} 11.000+4.000`, `${track} 6.000+3.000`], 'the dropped clip and the trim on both pages');

    // A renders the cut (480p is quickest); both Jobs panels show it.
    await a.getByLabel('Render preset').selectOption('mp4-480p');
    const started = a.waitForResponse((r) => r.url().endsWith(`/api/projects/${team.projectId}/renders`) && r.request().method() === 'POST', { timeout: WAIT });
    await a.getByRole('button', { name: 'Render', exact: true }).click();
    const response = await started;
    expect(response.status()).toBe(201);
    const job = (await response.json()) as { id: string };
    for (const page of [a, b]) await page.locator(`[data-job-id="${job.id}"][data-job-type="timeline.render"]`).waitFor({ timeout: WAIT });
    await b.getByText('Rendering the cut').first().waitFor({ timeout: WAIT });

    await a.locator(`[data-job-id="${job.id}"][data-job-status="succeeded"]`).waitFor({ timeout: 180_000 });
    await b.locator(`[data-job-id="${job.id}"][data-job-status="succeeded"]`).waitFor({ timeout: WAIT });
    const listed = await api(server, 'GET', `/api/projects/${team.projectId}/assets?kind=video`, { token: team.owner.token });
    expect((listed.body.assets as AssetJson[]).some((x) => x.render?.jobId === job.id)).toBe(true);
  }, 360_000);

  it('a viewer sees the timeline read-only', async () => {
    const v = await openStudio(team.viewer, 'V');
    await v.locator('[data-clip-id]').first().waitFor({ timeout: WAIT });
    expect(await v.getByRole('button', { name: 'Add video track' }).count()).toBe(0);
    expect(await v.getByRole('button', { name: 'Render', exact: true }).count()).toBe(0);
    expect(await v.getByRole('button', { name: /^Mute / }).first().isDisabled()).toBe(true);
  }, 60_000);
});

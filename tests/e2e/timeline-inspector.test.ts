import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AssetJson } from '$lib/asset';
import { keysBetween } from '$lib/editor/model/order';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { newClip, newTitleClip } from '$lib/editor/model/timeline/clip';
import { clipDuration, type ClipSnapshot } from '$lib/editor/model/timeline/snapshot';
import { newTrack } from '$lib/editor/model/timeline/track';
import { createTeam, type Team, type TestUser } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { ffmpeg, h264, picture, sine, tempDir } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage, openProject, uploadProcessed } from '../helpers/studio';
import { connectClient, waitFor, type YClient } from '../helpers/yclient';

// The clip inspector as two editors use it at once: real Chromium, the built server, one real local worker.
// Waits are generous (a 2-core box next to other suites); nothing asserts a duration.

let server: RunningServer;
let browser: Browser;
let team: Team;
let dir = '';
let media: AssetJson;
/** A headless collaborator: builds the starting cut (the studio has no "add title" yet) and reads the server's document. */
let script: YClient;

beforeAll(async () => {
  dir = await tempDir('airstudio-inspector-e2e-');
  server = await startServer({ env: { LOCAL_WORKERS: '1' } });
  team = await createTeam(server, 'Inspector cut');
  const file = path.join(dir, 'interview.mp4');
  await ffmpeg(...picture(4), ...sine(4, 440), '-shortest', ...h264, '-c:a', 'aac', file);
  media = await uploadProcessed(server, team.projectId, team.owner, file);

  // V1: c1 [0,3) source 0–3 · c2 [3,6) source 1–4 (handles on both sides of the cut). T1: title tt [0,3) "Hello".
  script = connectClient(server.wsUrl, team.projectId, team.owner.token);
  await script.synced;
  const [o1, o2] = keysBetween(null, null, 2);
  new ProjectDoc(script.doc).transact(userOrigin(team.owner.id), (p) =>
    p.timeline.apply([
      { op: 'insert', kind: 'track', record: newTrack({ id: 'v1', kind: 'video', name: 'V1', order: o1 }) },
      { op: 'insert', kind: 'track', record: newTrack({ id: 't1', kind: 'title', name: 'T1', order: o2 }) },
      { op: 'insert', kind: 'clip', record: newClip({ id: 'c1', trackId: 'v1', assetId: media.id, start: 0, in: 0, out: 3 }) },
      { op: 'insert', kind: 'clip', record: newClip({ id: 'c2', trackId: 'v1', assetId: media.id, start: 3, in: 1, out: 4 }) },
      { op: 'insert', kind: 'clip', record: newTitleClip({ id: 'tt', trackId: 't1', start: 0, duration: 3, text: 'Hello' }) }
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

async function openStudio(user: TestUser, name: string): Promise<Page> {
  const page = await newPage(browser, name, { viewport: { width: 1600, height: 1000 } });
  await openProject(await logIn(page, server.url, user), server.url, team.projectId);
  await page.locator('[data-clip-id="tt"]').waitFor({ timeout: WAIT });
  return page;
}

/** The clip as the server's document holds it (through the headless collaborator's synced copy). */
const stored = (id: string): ClipSnapshot | undefined => new ProjectDoc(script.doc).timeline.snapshot().clips.find((c) => c.id === id);

const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

async function shows(page: Page, label: string, value: string, what: string) {
  await waitFor(async () => (await field(page, label).inputValue()) === value, `${what}: ${label} shows ${value}`, WAIT);
}

/** Selects a clip with a click in its middle and waits for the inspector to show it. */
async function select(page: Page, clipId: string) {
  await page.locator(`[data-clip-id="${clipId}"]`).click();
  await page.locator(`[data-clip-id="${clipId}"][data-selected="true"]`).waitFor({ timeout: WAIT });
  await page.locator('[data-inspector][data-inspector-clips="1"]').waitFor({ timeout: WAIT });
}

async function commit(page: Page, label: string, value: string) {
  await field(page, label).fill(value);
  await field(page, label).press('Enter');
}

describe('clip inspector in the browser', () => {
  it('two editors set clip properties, keyframes, titles and transitions live; undo takes back only its own step', async () => {
    const a = await openStudio(team.owner, 'A');
    const b = await openStudio(team.editor, 'B');
    await a.getByText('Select a clip to see its properties').waitFor({ timeout: WAIT });

    // A sets volume (dB), opacity (%) and a ripple speed change on c1; B sees them in their own inspector.
    await select(a, 'c1');
    await commit(a, 'Volume', '-6');
    await commit(a, 'Opacity', '50');
    await a.getByLabel('Ripple: move later clips').check();
    await commit(a, 'Speed', '2');
    await waitFor(() => stored('c1')?.speed === 2 && stored('c2')?.start === 1.5, 'the server has the speed change and the ripple', WAIT);
    expect(stored('c1')!.volume).toBeCloseTo(10 ** (-6 / 20), 6);
    expect(stored('c1')!.opacity).toBe(0.5);
    expect(clipDuration(stored('c1')!)).toBe(1.5);
    await b.locator('[data-clip-id="c1"][data-duration="1.500"]').waitFor({ timeout: WAIT });
    await b.locator('[data-clip-id="c2"][data-start="1.500"]').waitFor({ timeout: WAIT });
    await select(b, 'c1');
    await shows(b, 'Volume', '-6', 'B');
    await shows(b, 'Opacity', '50', 'B');
    await shows(b, 'Speed', '2', 'B');

    // A puts the playhead at 1 s (Home, then Shift+→: one second) and adds an opacity keyframe there: B's inspector lists it.
    await a.getByRole('region', { name: 'Tracks' }).focus();
    await a.keyboard.press('Home');
    await a.keyboard.press('Shift+ArrowRight');
    await a.locator('[data-playhead="1.000"]').waitFor({ timeout: WAIT });
    await a.getByRole('button', { name: 'Opacity keyframe at playhead' }).click();
    await b.getByRole('group', { name: 'Opacity keyframes' }).and(b.locator('[data-keyframes="1"]')).waitFor({ timeout: WAIT });
    await b.getByRole('button', { name: 'Opacity keyframe at 1.00 s: 50 %' }).waitFor({ timeout: WAIT });
    expect(stored('c1')!.keyframes.opacity).toEqual([{ t: 1, value: 0.5, easing: 'linear' }]);

    // A slider shows its value live while dragged and commits once, on release.
    const slider = a.getByLabel('Rotation slider');
    await slider.scrollIntoViewIfNeeded();
    const sb = (await slider.boundingBox())!;
    const [x0, y0] = [sb.x + sb.width / 2, sb.y + sb.height / 2];
    await a.mouse.move(x0, y0);
    await a.mouse.down();
    await a.mouse.move(x0 + sb.width / 4, y0, { steps: 5 });
    await waitFor(async () => (await field(a, 'Rotation').inputValue()) !== '0', 'the live rotation while dragging', WAIT);
    await new Promise((r) => setTimeout(r, 300));
    expect(stored('c1')!.transform.rotation).toBe(0); // nothing written while the button is down
    await a.mouse.up();
    await waitFor(() => stored('c1')!.transform.rotation > 30, 'the rotation written on release', WAIT);
    await shows(b, 'Rotation', String(stored('c1')!.transform.rotation), 'B');

    // A adds a transition to the next clip and makes it a dip to black; B sees it on c1's inspector.
    await a.getByRole('button', { name: 'Add transition to next clip' }).click();
    await b.getByText('Transition out: Crossfade 1.0 s').waitFor({ timeout: WAIT });
    await a.getByLabel('Transition out kind').selectOption('fadeblack');
    await b.getByText('Transition out: Dip to black 1.0 s').waitFor({ timeout: WAIT });

    // B picks the transition itself on the timeline and shortens it; A's inspector follows.
    await b.locator('[data-transition-id]').click();
    await b.getByText('Transition: Dip to black 1.0 s').waitFor({ timeout: WAIT });
    await commit(b, 'Transition duration', '0.5');
    await a.getByText('Transition out: Dip to black 0.5 s').waitFor({ timeout: WAIT });

    // A retitles the title; B's timeline shows the new text. B meanwhile gives the title a fade in.
    await select(a, 'tt');
    await field(a, 'Title text').fill('Opening night');
    await field(a, 'Title text').press('Tab'); // leaving the text area commits it
    await waitFor(async () => (await b.locator('[data-clip-id="tt"]').innerText()).includes('Opening night'), "B's timeline shows the new title", WAIT);
    await select(b, 'tt');
    await shows(b, 'Title text', 'Opening night', 'B');
    await commit(b, 'Fade in', '0.5');
    await waitFor(() => stored('tt')?.fadeIn === 0.5, "the server has B's fade", WAIT);

    // A's undo takes back A's retitle only: B's fade stays, and so do A's earlier steps.
    await a.getByRole('toolbar', { name: 'Timeline tools' }).getByRole('button', { name: 'Undo', exact: true }).click();
    await waitFor(async () => (await b.locator('[data-clip-id="tt"]').innerText()).includes('Hello'), "A's undo reaches B's timeline", WAIT);
    await shows(b, 'Title text', 'Hello', 'B after the undo');
    await shows(b, 'Fade in', '0.5', 'B after the undo');
    expect(stored('tt')).toMatchObject({ fadeIn: 0.5, title: { text: 'Hello' } });
    expect(stored('c1')).toMatchObject({ speed: 2, opacity: 0.5, keyframes: { opacity: [{ t: 1, value: 0.5 }] } });
    expect(new ProjectDoc(script.doc).timeline.snapshot().transitions).toMatchObject([{ fromClipId: 'c1', toClipId: 'c2', kind: 'fadeblack', duration: 0.5 }]);

    // A refused value says what to do and leaves the field showing what is stored.
    await select(a, 'c1');
    await commit(a, 'Volume', '+20');
    await a.getByRole('alert').filter({ hasText: 'Volume goes from silent (−∞ dB) to +12 dB (400 %): enter a value in that range.' }).waitFor({ timeout: WAIT });
    await shows(a, 'Volume', '-6', 'A after the refusal');

    // Two clips selected: a field they differ in reads "mixed", and a value typed there goes to both, in one step.
    await a.locator('[data-clip-id="c2"]').click({ modifiers: ['Shift'] });
    await a.locator('[data-inspector][data-inspector-clips="2"]').waitFor({ timeout: WAIT });
    expect(await field(a, 'Volume').inputValue()).toBe('');
    expect(await field(a, 'Volume').getAttribute('placeholder')).toBe('mixed');
    await commit(a, 'Volume', '-3');
    await waitFor(() => ['c1', 'c2'].every((id) => Math.abs(stored(id)!.volume - 10 ** (-3 / 20)) < 1e-9), 'both clips at -3 dB', WAIT);
    await shows(a, 'Volume', '-3', 'A with both selected');
  }, 300_000);

  it('a viewer sees the inspector read-only', async () => {
    const v = await openStudio(team.viewer, 'V');
    await select(v, 'c1');
    await shows(v, 'Opacity', '50', 'the viewer');
    expect(await field(v, 'Opacity').getAttribute('readonly')).not.toBeNull();
    expect(await v.getByLabel('Opacity slider').isDisabled()).toBe(true);
    expect(await v.getByRole('button', { name: 'Opacity keyframe at playhead' }).isDisabled()).toBe(true);
    expect(await v.getByLabel('Transition out kind').isDisabled()).toBe(true);
    await v.getByText('View only', { exact: true }).waitFor({ timeout: WAIT });
  }, 60_000);

  it('a bed ducked under detected speech offers speech detection for the voice’s media, and takes the result when the job ends', async () => {
    const [o3, o4] = keysBetween(new ProjectDoc(script.doc).timeline.snapshot().tracks.at(-1)!.order, null, 2);
    new ProjectDoc(script.doc).transact(userOrigin(team.owner.id), (p) =>
      p.timeline.apply([
        { op: 'insert', kind: 'track', record: newTrack({ id: 'vo', kind: 'audio', name: 'Voice', order: o3 }) },
        { op: 'insert', kind: 'track', record: { ...newTrack({ id: 'bed', kind: 'audio', name: 'Bed', order: o4 }), ducking: { byTrackId: 'vo', amountDb: 12, mode: 'speech', attack: 0.1, release: 0.3 } } },
        { op: 'insert', kind: 'clip', record: newClip({ id: 'cv', trackId: 'vo', assetId: media.id, start: 0, in: 0, out: 3 }) }
      ])
    );
    const page = await openStudio(team.editor, 'Speech');
    await page.locator('[data-track="Bed"] [data-ducking-mode="speech"]').click();
    await page.locator('[data-speech-missing="1"]').waitFor({ timeout: WAIT });
    await page.getByText('this track ducks by the voice’s sound level').waitFor({ timeout: WAIT });
    await page.getByRole('button', { name: 'Detect speech (1)' }).click();
    await page.getByText('Speech detection started').waitFor({ timeout: WAIT });
    // The tool runs on a worker; its job event brings the (empty: a tone is no speech) segments, and the offer goes.
    await waitFor(async () => (await page.locator('[data-speech-missing]').count()) === 0, 'speech detection finished', 120_000);
    expect(await page.getByRole('button', { name: /^Detect speech/ }).count()).toBe(0);
  }, 180_000);
});

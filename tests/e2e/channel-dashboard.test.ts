import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { LiveStatus, PlayLogEntryView } from '$lib/live';
import { api, createTeam, type Team } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { airAsRotation, uploadTones } from '../helpers/live-channel';
import { tempDir } from '../helpers/media';
import { freePort, startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage } from '../helpers/studio';
import { waitFor } from '../helpers/yclient';

// The channel dashboard and the stream page's song requests in real Chromium, against a real station on air (local
// worker, HLS) whose Icecast output points at a closed port on this machine: a destination that is down.
let server: RunningServer;
let team: Team;
let browser: Browser;
let dir: string;
let watcher: Socket | undefined;

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

beforeAll(async () => {
  server = await startServer({ env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2' } });
  team = await createTeam(server, 'Dashboard');
  dir = await tempDir('airstudio-dashboard-');
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  watcher?.close();
  await browser?.close();
  await server?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the channel dashboard', () => {
  it('goes on air, shows a failing output, a guest’s request (markup as text), the listener count and the play log', async () => {
    const assets = await uploadTones(server, team, dir, [330, 440, 550], 8);
    const closedPort = await freePort();
    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, {
      token: team.editor.token,
      body: {
        name: 'Dash FM',
        crossfadeSeconds: 1,
        visibility: 'public',
        // The request waits an hour before it may air: it stays in the queue for the team to see.
        requestsEnabled: true,
        requestDelayMinutes: 60,
        minRepeatMinutes: 0,
        outputs: { icecast: { host: '127.0.0.1', port: closedPort, mount: '/dash.mp3', username: 'source', password: 'ice-secret-9876', format: 'mp3', bitrate: 128 } }
      }
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const channel = created.body as { id: string; slug: string };
    await airAsRotation(server, team, assets, 'Dash rotation');

    // A viewer's socket in the project room records the live status pushes the dashboard follows.
    const pushes: LiveStatus[] = [];
    watcher = ioClient(server.url, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: team.viewer.token } });
    watcher.on('channel:live', (s: LiveStatus) => void pushes.push(s));
    expect((await watcher.timeout(5000).emitWithAck('project:join', team.projectId)).ok).toBe(true);

    // The editor puts the channel on air from the dashboard.
    const studio = await logIn(await newPage(browser, 'editor'), server.url, team.editor);
    await studio.goto(`${server.url}/projects/${team.projectId}/channels/${channel.id}`, { waitUntil: 'networkidle' });
    await studio.locator('[data-dashboard][data-connected="true"]').waitFor({ timeout: WAIT });
    await studio.locator('[data-live-state="off-air"]').waitFor({ timeout: WAIT });
    await studio.getByRole('button', { name: 'Go on air' }).click();
    await studio.locator('[data-live-state="on-air"]').waitFor({ timeout: 90_000 });
    await studio.locator('[data-dashboard-now]').waitFor({ timeout: 60_000 });

    // The Icecast destination is down: retrying, with its error, in plain words, pushed without a reload.
    const ice = `icecast 127.0.0.1:${closedPort}/dash.mp3`;
    await studio.locator(`[data-output="${ice}"][data-output-state="retrying"]`).waitFor({ timeout: 60_000 });
    const alert = studio.locator(`[data-alert="output:${ice}"]`);
    await alert.waitFor({ timeout: WAIT });
    expect(await alert.innerText()).toMatch(/is down: retrying/);
    // The HLS output is fine meanwhile; secrets never reach the page.
    await studio.locator('[data-output-state="connected"]').first().waitFor({ timeout: WAIT });
    expect(await studio.content()).not.toContain('ice-secret-9876');
    // Both came as server pushes: going on air, and the health report with the failing output.
    await waitFor(
      () => pushes.some((p) => p.channelId === channel.id && p.state === 'on-air') && pushes.some((p) => p.health?.outputs.some((o) => o.name === ice && o.state === 'retrying' && !!o.lastError)),
      'channel:live pushed for on air and for the retrying output',
      WAIT
    );
    expect(JSON.stringify(pushes)).not.toContain('ice-secret-9876');

    // A guest on a phone finds a song and requests it with a name and a message full of markup.
    const guest = await newPage(browser, 'guest', PHONE);
    const dialogs: string[] = [];
    for (const p of [guest, studio]) p.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
    await guest.goto(`${server.url}/s/${channel.slug}`, { waitUntil: 'networkidle' });
    const song = assets[1]!;
    await guest.getByLabel('Search songs').fill(song.title);
    await guest.locator(`[data-song="${song.id}"]`).waitFor({ timeout: WAIT });
    await waitFor(async () => (await guest.locator('[data-song]').count()) === 1, 'the search narrows the list to one song', WAIT);
    await guest.getByRole('button', { name: `Request ${song.title}` }).tap();
    // The form opens with the name field focused: the keyboard goes on from there.
    await guest.waitForFunction(() => document.activeElement?.getAttribute('autocomplete') === 'nickname', undefined, { timeout: WAIT });
    await guest.keyboard.type('Nightowl');
    const attack = '<img src=x onerror=alert(1)><b>play it</b>';
    await guest.getByLabel('Message for the station (optional)').fill(attack);
    await guest.getByRole('button', { name: 'Send request' }).tap();
    await guest.locator('[data-request-notice]').waitFor({ timeout: WAIT });
    await guest.locator('[data-my-request][data-status="pending"]').filter({ hasText: song.title }).waitFor({ timeout: WAIT });

    // The team sees it within seconds, from whom, with the message as text.
    const queued = studio.locator('[data-request-queue] [data-request]').filter({ hasText: song.title });
    await queued.waitFor({ timeout: 10_000 });
    expect(await queued.innerText()).toContain('from Nightowl');
    const message = queued.locator('[data-request-message]');
    expect(await message.innerText()).toBe(attack);
    expect(await studio.evaluate(() => document.querySelectorAll('[data-request-message] *').length)).toBe(0);
    expect(dialogs).toEqual([]);

    // A second request at once is refused with the server's own words (one request at a time).
    const other = assets[2]!;
    await guest.getByLabel('Search songs').fill(other.title);
    await guest.locator(`[data-song="${other.id}"]`).waitFor({ timeout: WAIT });
    await guest.getByRole('button', { name: `Request ${other.title}` }).tap();
    await guest.getByRole('button', { name: 'Send request' }).tap();
    await guest.locator('[data-request-error]').waitFor({ timeout: WAIT });
    expect(await guest.locator('[data-request-error]').innerText()).toMatch(/One song request at a time: you can request again at/);
    // Escape closes the form and puts the focus back on the song's Request button.
    await guest.keyboard.press('Escape');
    await guest.getByRole('button', { name: 'Send request' }).waitFor({ state: 'detached', timeout: WAIT });
    expect(await guest.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(`Request ${other.title}`);

    // The guest plays the stream: the dashboard's count rises, and the play log keeps the listener.
    await studio.locator('[data-dashboard-listeners="0"]').waitFor({ timeout: WAIT });
    await guest.getByRole('button', { name: 'Play' }).tap();
    await guest.locator('[data-player-status="playing"]').waitFor({ timeout: 60_000 });
    await studio.locator('[data-dashboard-listeners="1"]').waitFor({ timeout: WAIT });
    await studio.locator('[data-play-log] [data-play-peak="1"]').first().waitFor({ timeout: 60_000 });
    const plays = (await api<{ plays: PlayLogEntryView[] }>(server, 'GET', `/api/channels/${channel.id}/plays`, { token: team.viewer.token })).body.plays;
    expect(plays.length).toBeGreaterThan(1);
    expect(plays.some((p) => p.peakListeners === 1)).toBe(true);
    // Newest first, every one with a count.
    expect(plays.map((p) => p.startedAt)).toEqual([...plays.map((p) => p.startedAt)].sort((a, b) => b - a));
    expect(plays.every((p) => typeof p.listeners === 'number')).toBe(true);

    // The editor skips the request: it leaves the queue, and the guest's page says what became of it.
    await queued.getByRole('button', { name: `Skip the request for ${song.title}` }).click();
    await queued.waitFor({ state: 'detached', timeout: WAIT });
    await guest.locator('[data-my-request][data-status="removed"]').waitFor({ timeout: 60_000 });
    expect(await guest.locator('[data-my-request][data-status="removed"]').innerText()).toMatch(/took it out of the queue/);

    // Requests turned off: the panel says so.
    const off = await api(server, 'PATCH', `/api/channels/${channel.id}`, { token: team.editor.token, body: { requestsEnabled: false } });
    expect(off.status).toBe(200);
    await guest.goto(`${server.url}/s/${channel.slug}`, { waitUntil: 'networkidle' });
    await guest.locator('[data-requests-off]').waitFor({ timeout: WAIT });
    expect(await guest.locator('[data-requests-off]').innerText()).toMatch(/not taking song requests/);

    // Off air from the dashboard.
    await studio.getByRole('button', { name: 'Stop', exact: true }).click();
    await studio.locator('[data-live-state="off-air"]').waitFor({ timeout: WAIT });
    await waitFor(() => pushes.at(-1)?.state === 'off-air', 'channel:live pushed for off air', WAIT);
  }, 400_000);
});

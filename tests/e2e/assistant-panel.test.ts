import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AssetJson } from '$lib/asset';
import { runCommand } from '$lib/editor/commands/command';
import { createPlaylistCommand } from '$lib/editor/commands/playlist/create-playlist';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { api, createTeam, type Team } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { tempDir, writeTone } from '../helpers/media';
import { startOpenAiStub, STUB_TEXT, type OpenAiStub } from '../helpers/openai-stub';
import { startServer, type RunningServer } from '../helpers/server';
import { studioPage, uploadProcessed } from '../helpers/studio';
import { connectClient, waitFor } from '../helpers/yclient';

// The assistant panel in real Chromium with the built server, one local worker processing the music, and no language
// model configured: the command language answers. The owner asks, a viewer reads along, Ctrl+Z takes it back.
let server: RunningServer;
let browser: Browser;
let team: Team;
let dir = '';
let songs: AssetJson[] = [];
let owner: Page;
let viewer: Page;
let stub: OpenAiStub | undefined;

beforeAll(async () => {
  dir = await tempDir('airstudio-assistant-e2e-');
  server = await startServer({ env: { LOCAL_WORKERS: '1' } });
  team = await createTeam(server, 'Assistant station');
  const defs = [
    { file: 'one.mp3', title: 'Lofi One', tags: ['lofi'], frequency: 440 },
    { file: 'two.mp3', title: 'Lofi Two', tags: ['lofi', 'chill'], frequency: 550 },
    { file: 'three.mp3', title: 'Jazz Hour', tags: ['jazz'], frequency: 660 }
  ];
  await Promise.all(defs.map((d) => writeTone(path.join(dir, d.file), { seconds: 3, frequency: d.frequency })));
  songs = await Promise.all(defs.map((d) => uploadProcessed(server, team.projectId, team.owner, path.join(dir, d.file))));
  for (const [i, d] of defs.entries()) {
    const r = await api(server, 'PATCH', `/api/assets/${songs[i].id}`, { token: team.owner.token, body: { title: d.title, tags: d.tags } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
  // The playlist exists before the studio opens (made over y-websocket, as any editor's client would).
  const client = connectClient(server.wsUrl, team.projectId, team.owner.token);
  await client.synced;
  const project = new ProjectDoc(client.doc);
  runCommand(createPlaylistCommand, { project, origin: userOrigin(team.owner.id), role: 'owner', user: { id: team.owner.id, name: 'owner' } }, { name: 'Morning Mix' });
  const check = connectClient(server.wsUrl, team.projectId, team.owner.token);
  await check.synced;
  await waitFor(() => new ProjectDoc(check.doc).playlists.snapshot().playlists.length === 1, 'the server has the playlist');
  client.destroy();
  check.destroy();
  browser = await launchBrowser();
  const wide = { viewport: { width: 1500, height: 1100 } };
  owner = await studioPage(browser, server, team.projectId, team.owner, 'owner', wide);
  viewer = await studioPage(browser, server, team.projectId, team.viewer, 'viewer', wide);
}, 240_000);

afterAll(async () => {
  await stub?.close();
  await browser?.close();
  await server?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const panel = (page: Page) => page.getByRole('complementary', { name: 'Assistant' });
const itemTitles = (page: Page) => page.locator('[data-item-id]').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.title ?? '').sort());

describe('assistant panel', { timeout: 120_000 }, () => {
  it('opens with Ctrl+J, says it is the command language, and shows examples', async () => {
    await owner.keyboard.press('Control+j');
    await panel(owner).waitFor({ timeout: WAIT });
    await panel(owner).getByText('Command language').waitFor({ timeout: WAIT });
    expect(await panel(owner).getByRole('button', { name: 'add 3 lofi tracks to Morning Mix' }).count()).toBe(1);
    expect(await owner.locator('#assistant-input').evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('adds 2 lofi tracks to Morning Mix: the playlist shows them, the viewer reads the conversation, Ctrl+Z removes them', async () => {
    await owner.locator('[data-station-playlists]').getByRole('button', { name: /Morning Mix/ }).waitFor({ timeout: WAIT });
    await owner.locator('#assistant-input').fill('add 2 lofi tracks to Morning Mix');
    await owner.keyboard.press('Enter');
    await panel(owner).locator('[data-action="add_to_playlist"]').waitFor({ timeout: WAIT });
    await waitFor(async () => JSON.stringify(await itemTitles(owner)) === JSON.stringify(['Lofi One', 'Lofi Two']), 'the playlist shows the two lofi tracks', WAIT);

    // The viewer sees who asked and what the assistant did, and cannot ask.
    await viewer.getByRole('button', { name: 'Assistant' }).click();
    await panel(viewer).getByText('Added 2 tracks to Morning Mix').waitFor({ timeout: WAIT });
    await panel(viewer).getByText(`Assistant (for ${team.owner.username})`).waitFor({ timeout: WAIT });
    expect(await panel(viewer).locator('#assistant-input').count()).toBe(0);
    await panel(viewer).getByText('View only.').waitFor({ timeout: WAIT });
    await waitFor(async () => (await itemTitles(viewer)).length === 2, 'the viewer’s playlist shows the tracks', WAIT);

    // With nothing typed, Ctrl+Z in the panel undoes what the assistant did for the owner.
    expect(await owner.locator('#assistant-input').inputValue()).toBe('');
    await owner.keyboard.press('Control+z');
    await waitFor(async () => (await itemTitles(owner)).length === 0 && (await itemTitles(viewer)).length === 0, 'Ctrl+Z removes both tracks everywhere', WAIT);
    // The conversation stays.
    expect(await panel(owner).getByText('Added 2 tracks to Morning Mix').count()).toBe(1);
  });

  it('explains what it does not understand, and refuses what cannot be done with a reason', async () => {
    await owner.locator('#assistant-input').fill('make it pop');
    await owner.keyboard.press('Enter');
    await panel(owner).getByText(/I did not understand "make it pop"/).waitFor({ timeout: WAIT });
    await owner.locator('#assistant-input').fill('add 2 lofi tracks to Evening Mix');
    await owner.keyboard.press('Enter');
    await panel(owner).getByText('There is no playlist "Evening Mix". Known: Morning Mix.').waitFor({ timeout: WAIT });
    expect(await itemTitles(owner)).toEqual([]);
  });

  it('with a language model (a protocol-faithful stub): the reply streams in, its tool call edits the playlist, Ctrl+Z takes it back', async () => {
    stub = await startOpenAiStub({ toolCall: { name: 'add_to_playlist', arguments: JSON.stringify({ playlist: 'Morning Mix', query: 'jazz', count: 1 }) } });
    const saved = await api(server, 'PUT', `/api/projects/${team.projectId}/providers`, { token: team.owner.token, body: { llm: { baseUrl: stub.baseUrl, model: 'stub-chat-1', apiKey: stub.key } } });
    expect(saved.status).toBe(200);
    // The panel reads who answers when it opens.
    await owner.keyboard.press('Escape');
    await panel(owner).waitFor({ state: 'detached', timeout: WAIT });
    await owner.getByRole('button', { name: 'Assistant' }).click();
    await panel(owner).getByText('Answered by the project’s language model').waitFor({ timeout: WAIT });

    await owner.locator('#assistant-input').fill('Play something jazzy in the morning');
    await owner.keyboard.press('Enter');
    await panel(owner).getByText(STUB_TEXT.join('')).waitFor({ timeout: WAIT });
    await panel(owner).getByText('Added 1 track to Morning Mix: Jazz Hour.').waitFor({ timeout: WAIT });
    await waitFor(async () => JSON.stringify(await itemTitles(owner)) === JSON.stringify(['Jazz Hour']), 'the playlist shows the tool call’s track', WAIT);
    await panel(viewer).getByText('Added 1 track to Morning Mix: Jazz Hour.').waitFor({ timeout: WAIT });
    expect(await panel(viewer).locator('.source').last().textContent()).toBe('language model');

    await owner.keyboard.press('Control+z');
    await waitFor(async () => (await itemTitles(owner)).length === 0 && (await itemTitles(viewer)).length === 0, 'one Ctrl+Z removes the track everywhere', WAIT);
  });
});

import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { ProjectDoc } from '../../src/lib/editor/model/project-doc';
import { api, TEST_PASSWORD } from '../helpers/api';
import { createProject, invite, launchBrowser, signUp, WAIT, waitLive } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';
import { connectClient, waitFor, type YClient } from '../helpers/yclient';

// The studio as people use it: real Chromium, the built server, every step through the UI.

let server: RunningServer;
let browser: Browser;
const headless: YClient[] = [];

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const c of headless) c.destroy();
  await browser?.close();
  await server?.destroy();
});

async function openProject(page: Page, projectId: string) {
  await page.goto(`${server.url}/projects/${projectId}`);
  await waitLive(page);
}

async function typeAtEnd(page: Page, text: string) {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
}

/** The notes as text, without the remote-cursor widgets y-codemirror draws inside the lines. */
function readNotes(): string {
  const content = document.querySelector('.cm-content')?.cloneNode(true) as HTMLElement | undefined;
  if (!content) return '';
  for (const widget of content.querySelectorAll('.cm-ySelectionCaret')) widget.remove();
  return [...content.querySelectorAll('.cm-line')].map((line) => line.textContent).join('\n');
}
const notes = (page: Page) => page.evaluate(readNotes);

async function waitForNotes(page: Page, text: string) {
  const deadline = Date.now() + WAIT;
  while (!(await notes(page)).includes(text)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the notes to contain "${text}"; they read "${await notes(page)}"`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const editable = (page: Page) => page.locator('.cm-content').getAttribute('contenteditable');

/** An element's text as one line, as a screen reader speaks it (innerText breaks flex items onto lines). */
const spokenText = async (locator: Locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

/** The names of this browser profile's local project copies (y-indexeddb databases). */
const localCopies = (page: Page) => page.evaluate(async () => (await indexedDB.databases()).flatMap((db) => (db.name?.startsWith('airstudio:') ? [db.name] : [])));

/** How many updates a local copy holds: one per keystroke until y-indexeddb compacts them (at 500). */
function localUpdates(page: Page, name: string): Promise<number> {
  return page.evaluate(
    (dbName) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open(dbName);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const count = open.result.transaction('updates').objectStore('updates').count();
          count.onsuccess = () => {
            open.result.close();
            resolve(count.result);
          };
        };
      }),
    name
  );
}

/** Reads the server's copy of the notes as a headless y-websocket client with an API token. */
async function serverNotes(projectId: string, token: string): Promise<{ text: () => string }> {
  const client = connectClient(server.wsUrl, projectId, token);
  headless.push(client);
  await client.synced;
  const project = new ProjectDoc(client.doc);
  return { text: () => project.notes.toString() };
}

describe('studio in the browser', () => {
  let alice: Page;
  let bob: Page;
  let aliceToken: string;
  let promoId: string;

  it('two editors co-edit the notes live, see each other, and find the text after a reload', async () => {
    alice = await signUp(browser, server, 'alice', 'Alice Archer');
    await alice.getByText('No projects yet').waitFor({ timeout: WAIT });
    bob = await signUp(browser, server, 'bob', 'Bob Baker');

    const aliceDocSockets: string[] = [];
    alice.on('websocket', (ws) => ws.url().includes('/yjs/') && aliceDocSockets.push(ws.url()));
    const projectId = (promoId = await createProject(alice, server, 'Spring promo'));
    await invite(alice, 'bob', 'editor');
    await bob.goto(`${server.url}/projects`, { waitUntil: 'networkidle' });
    await bob.getByRole('link', { name: /Spring promo/ }).waitFor({ timeout: WAIT });
    await openProject(bob, projectId);

    await typeAtEnd(alice, 'Alice was here. ');
    await waitForNotes(bob, 'Alice was here.');
    await typeAtEnd(bob, 'Bob too.');
    await waitForNotes(alice, 'Bob too.');
    expect(await notes(alice)).toBe(await notes(bob));

    // Presence: each sees the other's avatar, and the other's named cursor in the notes.
    await alice.locator('[data-presence="bob"]').waitFor({ timeout: WAIT });
    await bob.locator('[data-presence="alice"]').waitFor({ timeout: WAIT });
    expect(await alice.locator('[data-presence="bob"] [role="img"]').getAttribute('aria-label')).toContain('Bob Baker');
    await alice.locator('.cm-ySelectionInfo', { hasText: 'Bob Baker' }).waitFor({ timeout: WAIT });

    // A comment sent with Mod-Enter reaches the other editor.
    await alice.locator('#comment-body').fill('Cut the intro to 5 s?');
    await alice.locator('#comment-body').press('Control+Enter');
    await bob.locator('.comment', { hasText: 'Cut the intro to 5 s?' }).waitFor({ timeout: WAIT });
    expect(await alice.locator('#comment-body').inputValue()).toBe('');

    // A rename reaches the other open studio without a reload.
    await alice.locator('#project-name').fill('Spring promo v2');
    await alice.locator('#project-name').press('Enter');
    await bob.waitForFunction(() => (document.querySelector('#project-name') as HTMLInputElement | null)?.value === 'Spring promo v2', null, { timeout: WAIT });
    // Form actions reload the page data but keep the one document connection.
    expect(aliceDocSockets).toEqual([`${server.wsUrl}/yjs/${projectId}`]);

    await alice.reload();
    await waitLive(alice);
    await waitForNotes(alice, 'Alice was here. Bob too.');
    await alice.locator('.comment', { hasText: 'Cut the intro to 5 s?' }).waitFor({ timeout: WAIT });
    expect(await alice.locator('#project-name').inputValue()).toBe('Spring promo v2');

    await alice.screenshot({ path: path.join(os.tmpdir(), 'airstudio-studio.png') });
  }, 120_000);

  it('issues a personal API token through the settings page, shown once', async () => {
    await alice.goto(`${server.url}/settings/tokens`, { waitUntil: 'networkidle' });
    await alice.getByLabel('Token name').fill('e2e reader');
    await alice.getByRole('button', { name: 'Create token' }).click();
    const shown = alice.locator('[data-new-token]');
    await shown.waitFor({ timeout: WAIT });
    aliceToken = await shown.inputValue();
    expect(aliceToken).toMatch(/^ast_/);
    await alice.locator('tr', { hasText: 'e2e reader' }).waitFor({ timeout: WAIT });

    await alice.reload();
    await alice.locator('tr', { hasText: 'e2e reader' }).waitFor({ timeout: WAIT });
    expect(await alice.locator('[data-new-token]').count()).toBe(0);
  }, 60_000);

  it('a viewer follows live edits read-only, and the server keeps their keystrokes out', async () => {
    const carol = await signUp(browser, server, 'carol', 'Carol Cho');
    const projectId = await createProject(alice, server, 'Listing at 12 Elm St');
    await typeAtEnd(alice, 'Shot list: kitchen, garden. ');
    await invite(alice, 'carol', 'viewer');
    await openProject(carol, projectId);
    const onServer = await serverNotes(projectId, aliceToken);
    // A viewer keeps a local copy too, for a faster load; it is deleted below when she is removed.
    await carol.locator('[data-local-copy="device"]').waitFor({ timeout: WAIT });
    expect((await localCopies(carol)).filter((n) => n.endsWith(`:${projectId}`))).toHaveLength(1);

    await carol.getByText('View only.').waitFor({ timeout: WAIT });
    expect(await editable(carol)).toBe('false');
    expect(await carol.locator('#comment-body').count()).toBe(0);
    await waitForNotes(carol, 'Shot list: kitchen, garden.');

    await typeAtEnd(alice, 'Live for Carol. ');
    await waitForNotes(carol, 'Live for Carol.');

    // Carol's keystrokes change nothing locally; a later edit by Alice proves the server has seen everything before it.
    await typeAtEnd(carol, 'zzz');
    await typeAtEnd(alice, 'marker-1');
    await waitForNotes(carol, 'marker-1');
    await waitFor(() => onServer.text().includes('marker-1'), 'the server copy to reach marker-1', WAIT);
    expect(await notes(carol)).not.toContain('zzz');
    expect(onServer.text()).not.toContain('zzz');
    expect(onServer.text()).toBe('Shot list: kitchen, garden. Live for Carol. marker-1');

    // Promoted live: the editor opens up; demoted: it locks again without a reload.
    await alice.locator('[data-member="carol"] select').selectOption('editor');
    await carol.waitForFunction(() => document.querySelector('.cm-content')?.getAttribute('contenteditable') === 'true', null, { timeout: WAIT });
    expect(await carol.getByText('View only.').count()).toBe(0);
    await typeAtEnd(carol, ' Carol edits.');
    await waitFor(() => onServer.text().endsWith('Carol edits.'), 'the server copy to take Carol\'s edit', WAIT);

    await alice.locator('[data-member="carol"] select').selectOption('viewer');
    await carol.waitForFunction(() => document.querySelector('.cm-content')?.getAttribute('contenteditable') === 'false', null, { timeout: WAIT });
    await carol.getByText('View only.').waitFor({ timeout: WAIT });

    // Removed by the owner: the open studio closes and says why.
    await alice.getByRole('button', { name: 'Remove Carol Cho' }).click();
    await carol.waitForURL(/\/projects\?removed=/, { timeout: WAIT });
    await carol.getByText('You no longer have access to “Listing at 12 Elm St”').waitFor({ timeout: WAIT });
    await waitFor(async () => !(await localCopies(carol)).some((n) => n.endsWith(`:${projectId}`)), 'the removed project\'s local copy to be deleted', WAIT);
  }, 120_000);

  it('keeps edits made while the server is down and merges them when it is back', async () => {
    await openProject(alice, promoId);
    await openProject(bob, promoId);
    await server.stop();
    await alice.locator('[data-status="offline"]').waitFor({ timeout: WAIT });
    await typeAtEnd(alice, ' Written offline.');

    server = await server.restart();
    await waitLive(alice);
    await waitForNotes(bob, 'Written offline.');
    const onServer = await serverNotes(promoId, aliceToken);
    expect(onServer.text()).toContain('Bob too. Written offline.');
  }, 120_000);

  it('keeps edits typed offline on this device: the studio opened again after the tab closed sends them', async () => {
    const me = await api(server, 'GET', '/api/me', { token: aliceToken });
    const copy = `airstudio:${me.body.user.id}:${promoId}`;
    // Alice's other tab leaves the project, so only the tab closed below holds the offline edit.
    await alice.goto(`${server.url}/projects`, { waitUntil: 'networkidle' });
    const tab = await alice.context().newPage();
    await openProject(tab, promoId);
    await tab.locator('[data-local-copy="device"]').waitFor({ timeout: WAIT });
    expect(await localCopies(tab)).toContain(copy);

    await server.stop();
    const pill = tab.locator('[data-status="offline"]');
    await pill.waitFor({ timeout: WAIT });
    expect(await spokenText(pill)).toContain('Offline — edits saved on this device');
    const text = ' Typed with the server down, tab closed after.';
    const stored = await localUpdates(tab, copy);
    await typeAtEnd(tab, text);
    // Closing the tab right after the keystrokes are on disk, as a user might.
    await waitFor(async () => (await localUpdates(tab, copy)) >= stored + text.length, 'the offline keystrokes to reach IndexedDB', WAIT);
    await tab.screenshot({ path: path.join(os.tmpdir(), 'airstudio-offline.png') });
    await tab.close();

    server = await server.restart();
    const again = await alice.context().newPage();
    await openProject(again, promoId);
    await waitForNotes(again, text.trim());
    const onServer = await serverNotes(promoId, aliceToken);
    await waitFor(() => onServer.text().includes(text.trim()), 'the server copy to take the offline edit', WAIT);
    await waitForNotes(bob, text.trim());
    await again.close();
  }, 120_000);

  it('without IndexedDB the studio still works, and says offline edits are kept only in the tab', async () => {
    const dave = await signUp(browser, server, 'dave', 'Dave Diaz');
    // As in private modes or profiles that refuse storage: opening any database fails.
    await dave.context().addInitScript(() => {
      IDBFactory.prototype.open = () => {
        throw new DOMException('storage is blocked', 'SecurityError');
      };
    });
    const projectId = await createProject(dave, server, 'No storage here');
    await invite(dave, 'alice', 'viewer');
    await dave.locator('[data-local-copy="tab"]').waitFor({ timeout: WAIT });
    await typeAtEnd(dave, 'Online. ');

    await server.stop();
    const pill = dave.locator('[data-status="offline"]');
    await pill.waitFor({ timeout: WAIT });
    expect(await spokenText(pill)).toContain('Offline — edits kept only while this tab is open');
    await typeAtEnd(dave, 'Offline, in the tab.');

    server = await server.restart();
    await waitLive(dave);
    const onServer = await serverNotes(projectId, aliceToken);
    await waitFor(() => onServer.text() === 'Online. Offline, in the tab.', 'the server copy to take the edit kept in the tab', WAIT);
  }, 120_000);

  it('deleting a project asks first, then closes it for everyone', async () => {
    const projectId = await createProject(alice, server, 'Doomed draft');
    await invite(alice, 'bob', 'editor');
    await openProject(bob, projectId);
    for (const page of [alice, bob]) await page.locator('[data-local-copy="device"]').waitFor({ timeout: WAIT });
    expect((await localCopies(bob)).filter((n) => n.endsWith(`:${projectId}`))).toHaveLength(1);

    await alice.getByRole('button', { name: 'Delete project' }).click();
    const dialog = alice.getByRole('dialog', { name: 'Delete “Doomed draft”?' });
    await dialog.waitFor({ timeout: WAIT });
    await alice.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: WAIT });
    expect(alice.url()).toContain(projectId);

    await alice.getByRole('button', { name: 'Delete project' }).click();
    await dialog.getByRole('button', { name: 'Delete forever' }).click();
    await alice.waitForURL(/\/projects\?deleted=/, { timeout: WAIT });
    await bob.waitForURL(/\/projects\?deleted=/, { timeout: WAIT });
    await bob.getByText('“Doomed draft” was deleted.').waitFor({ timeout: WAIT });
    expect(await bob.getByRole('link', { name: /Doomed draft/ }).count()).toBe(0);
    for (const page of [alice, bob]) await waitFor(async () => !(await localCopies(page)).some((n) => n.endsWith(`:${projectId}`)), 'the deleted project\'s local copies to be deleted', WAIT);
  }, 120_000);

  it('shows a 404 page to someone who is not a member', async () => {
    const projectId = await createProject(alice, server, 'Private');
    const response = await bob.goto(`${server.url}/projects/${projectId}`);
    expect(response?.status()).toBe(404);
    await bob.getByRole('heading', { name: 'Nothing here' }).waitFor({ timeout: WAIT });
  }, 60_000);

  it('logging out deletes the local copies, from the menu and from the logout page', async () => {
    // From the menu, with the studio open in the same tab: its own connection to the copy must not block the deletion.
    await openProject(alice, promoId);
    await alice.locator('[data-local-copy="device"]').waitFor({ timeout: WAIT });
    expect(await localCopies(alice)).not.toEqual([]);
    await alice.getByLabel('Account menu for Alice Archer').click();
    await alice.getByRole('button', { name: 'Log out', exact: true }).click();
    await alice.waitForURL(`${server.url}/`, { timeout: WAIT });
    expect(await localCopies(alice)).toEqual([]);

    // From the logout page, "every device" still reaches the server after the deletion: another session of Bob's ends.
    const other = await api(server, 'POST', '/api/auth/login', { body: { username: 'bob', password: TEST_PASSWORD } });
    expect((await api(server, 'GET', '/api/me', { token: other.body.token })).status).toBe(200);
    expect(await localCopies(bob)).not.toEqual([]);
    await bob.goto(`${server.url}/logout`, { waitUntil: 'networkidle' });
    await bob.getByRole('button', { name: 'Log out on every device' }).click();
    await bob.waitForURL(`${server.url}/`, { timeout: WAIT });
    expect(await localCopies(bob)).toEqual([]);
    expect((await api(server, 'GET', '/api/me', { token: other.body.token })).status).toBe(401);
  }, 60_000);
  it('keeps what was typed before the page finished loading (hydration does not reset form fields)', async () => {
    const page = await signUp(browser, server, 'dana', 'Dana Drake');
    // Slow the app's scripts so the field is filled while the page is still plain HTML.
    await page.route('**/_app/immutable/**', async (route) => {
      await new Promise((r) => setTimeout(r, 600));
      await route.continue();
    });
    await page.goto(`${server.url}/projects`, { waitUntil: 'domcontentloaded' });
    await page.getByLabel('Project name').fill('Typed early');
    await page.waitForLoadState('networkidle');
    expect(await page.getByLabel('Project name').inputValue()).toBe('Typed early');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/[a-z2-7]{16}$/, { timeout: WAIT });
    await page.getByRole('heading', { name: 'Typed early' }).waitFor({ timeout: WAIT });
    await page.context().close();
  }, 60_000);
});

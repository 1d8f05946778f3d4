import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DjIntroView, DjPersonaView } from '$lib/dj';
import { api, createTeam, type Team } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { logIn, newPage } from '../helpers/studio';
import { ffmpeg, tempDir } from '../helpers/media';
import { airAsRotation, uploadTones } from '../helpers/live-channel';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

// The AutoDJ through the whole system: the server's scheduler queues dj.intro jobs ahead of air, the local worker
// writes each line from the templates and voices it with espeak-ng, the plan carries it to the live worker, which
// mixes it over the start of its item with the item ducked; the HLS output is decoded and measured.
let server: RunningServer;
let team: Team;
let dir: string;

beforeAll(async () => {
  server = await startServer({ env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2' } });
  team = await createTeam(server, 'DJ station');
  dir = await tempDir('airstudio-live-dj-');
});
afterAll(async () => {
  await server?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Long enough that the longest template line (about 15 s) and a stretch of the tone alone fit in one item. */
const TONE_SECONDS = 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Segment {
  uri: string;
  start: number;
  duration: number;
}

/** The playlist's segments with their wall-clock starts (EXT-X-PROGRAM-DATE-TIME). */
function segmentsOf(playlist: string): Segment[] {
  const out: Segment[] = [];
  let pdt: number | null = null;
  let duration = 0;
  for (const raw of playlist.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(line.slice(25));
    else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    else if (line && !line.startsWith('#')) {
      if (pdt !== null) out.push({ uri: line, start: pdt, duration });
      pdt = pdt === null ? null : pdt + duration * 1000;
    }
  }
  return out;
}

/**
 * Mean level (dBFS) of the captured air over [from, to) ms through an ffmpeg filter (a band of interest): each segment
 * is decoded on its own and placed by its program date time, so a segment's timestamps cannot shift the others.
 */
async function levelOver(segments: Segment[], from: number, to: number, filter: string): Promise<number> {
  let energy = 0;
  let seconds = 0;
  for (const s of segments) {
    const a = Math.max(from, s.start);
    const b = Math.min(to, s.start + s.duration * 1000);
    if (b - a < 50) continue;
    const report = await ffmpeg('-i', path.join(dir, s.uri), '-ss', ((a - s.start) / 1000).toFixed(3), '-t', ((b - a) / 1000).toFixed(3), '-af', `${filter},volumedetect`, '-f', 'null', '-');
    const m = /mean_volume:\s*(-?[\d.]+|-inf) dB/.exec(report);
    if (!m) throw new Error(`no volumedetect answer: ${report.slice(-500)}`);
    if (m[1] !== '-inf') energy += Math.pow(10, Number(m[1]) / 10) * (b - a);
    seconds += b - a;
  }
  if (seconds < to - from - 100) throw new Error(`the capture covers ${seconds} of ${to - from} ms`);
  return energy > 0 ? 10 * Math.log10(energy / seconds) : -Infinity;
}

describe('the AutoDJ on air', () => {
  it('DJ intros end to end with espeak-ng: written (template path), voiced, placed in the plan, and heard over the item with it ducked; edited in the schedule view', { timeout: 300_000 }, async () => {
    const tones = [330, 440, 550];
    const assets = await uploadTones(server, team, dir, tones, TONE_SECONDS);
    const toneOf = new Map(assets.map((a, i) => [a.id, tones[i]]));
    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.editor.token, body: { name: 'Nova FM', crossfadeSeconds: 1, visibility: 'public' } });
    expect(created.status).toBe(201);
    const channel = created.body as { id: string; slug: string };
    try {
      await onAir(channel, assets, toneOf);
    } finally {
      await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'stop' } });
    }
  });

  async function onAir(channel: { id: string; slug: string }, assets: Awaited<ReturnType<typeof uploadTones>>, toneOf: Map<string, number>): Promise<void> {
    await airAsRotation(server, team, assets, 'DJ tones');

    const persona = await api(server, 'PUT', `/api/channels/${channel.id}/dj`, {
      token: team.editor.token,
      body: { enabled: true, name: 'Nova', style: 'Cheerful and brief.', voice: { engine: 'espeak-ng', voice: 'en', rate: 1, pitch: 0 }, policy: 'every', stationIdHourly: false, duckDb: -12 }
    });
    expect(persona.status).toBe(200);
    expect(persona.body as DjPersonaView).toMatchObject({ enabled: true, name: 'Nova', llm: false, policy: 'every' });

    const started = await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'start' } });
    expect(started.status).toBe(202);

    // An intro voiced and due far enough ahead that the live worker's next plan fetch (every 10 s) carries it.
    let intro: DjIntroView | undefined;
    await waitFor(
      async () => {
        await sleep(500);
        const r = await api(server, 'GET', `/api/channels/${channel.id}/intros`, { token: team.viewer.token });
        intro = (r.body.intros as DjIntroView[]).find((i) => i.status === 'ready' && i.plannedStart > Date.now() + 20_000);
        return Boolean(intro);
      },
      'a voiced intro ahead of air',
      90_000
    );
    const due = intro!;
    expect(due).toMatchObject({ kind: 'intro', source: 'template', editedBy: null });
    expect(due.text).toContain(assets.find((a) => a.id === due.assetId)!.title);
    // A sentence or three by espeak-ng, short enough to sit over its item.
    expect(due.duration).toBeGreaterThan(1.5);
    expect(due.duration).toBeLessThan(17);
    const audio = await fetch(new URL(due.audioUrl!, server.url));
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    const wav = Buffer.from(await audio.arrayBuffer());
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    // Byte ranges are honoured (ffmpeg and players seek with them).
    const part = await fetch(new URL(due.audioUrl!, server.url), { headers: { range: 'bytes=44-1043' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 44-1043/${wav.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(wav.subarray(44, 1044))).toBe(true);
    // The URL is signed for this intro only.
    expect((await fetch(new URL(due.audioUrl!.replace(due.id, 'aaaaaaaaaaaaaaaa'), server.url))).status).toBe(403);

    // Capture the air from before the intro's item starts until well after the voice ends.
    const voiceFrom = due.plannedStart + 300;
    const voiceTo = voiceFrom + due.duration! * 1000;
    // Program date times place a segment within about a second of its sound (the encoder's start is measured, not
    // exact): the windows keep clear of the voice's edges by more than that.
    const cleanFrom = voiceTo + 600 + 2400;
    // The tone alone: after the voice and its release, and before the crossfade into the next item (and its intro).
    const cleanTo = Math.min(cleanFrom + 4000, due.plannedStart + TONE_SECONDS * 1000 - 2500);
    expect(cleanTo - cleanFrom).toBeGreaterThan(1500);
    const captured = new Map<string, Segment>();
    const playlistUrl = `${server.url}/live/${channel.slug}/index.m3u8`;
    let nowPlayingLine: unknown = null;
    await waitFor(
      async () => {
        await sleep(400);
        const r = await fetch(playlistUrl);
        if (r.status !== 200) return false;
        for (const s of segmentsOf(await r.text())) {
          if (captured.has(s.uri) || s.start + s.duration * 1000 < due.plannedStart - 2000) continue;
          const seg = await fetch(`${server.url}/live/${channel.slug}/${s.uri}`);
          if (seg.status !== 200) continue;
          fs.writeFileSync(path.join(dir, s.uri), Buffer.from(await seg.arrayBuffer()));
          captured.set(s.uri, s);
        }
        if (!nowPlayingLine && Date.now() > voiceFrom + 1500 && Date.now() < voiceTo) {
          const np = await api(server, 'GET', `/api/channels/by-slug/${channel.slug}/now-playing`);
          if (np.body.now?.assetId === due.assetId) nowPlayingLine = np.body.now.dj;
        }
        const last = [...captured.values()].at(-1);
        return Boolean(last && last.start + last.duration * 1000 > cleanTo + 500);
      },
      'the air from the intro to past its end',
      120_000
    );
    const segments = [...captured.values()].sort((a, b) => a.start - b.start);
    // Contiguous: no segment missing in what was captured.
    for (let i = 1; i < segments.length; i++) expect(Math.abs(segments[i].start - (segments[i - 1].start + segments[i - 1].duration * 1000))).toBeLessThan(50);
    const tone = toneOf.get(due.assetId!)!;

    // Over the voice: speech energy above the tones (all under 600 Hz; eight poles at 1.5 kHz leave the highest under
    // -80 dB, where four at 1 kHz left 550 Hz at -40 dB, too close to the speech) where the tone alone has next to
    // none, and the item's own tone lowered by the duck, in a band narrow enough that the voice adds little to it
    // (espeak-ng lines measured -27 to -30 dB in a 40 Hz band around the tones, above the ducked tone's -31; -39 to -46
    // in two 4 Hz bands).
    const margin = Math.min(1000, (voiceTo - voiceFrom) / 4);
    const speechBand = Array(4).fill('highpass=f=1500:poles=2').join(',');
    const toneBand = Array(2).fill(`bandpass=f=${tone}:width_type=h:w=4`).join(',');
    const levels = {
      voiceSpeech: await levelOver(segments, voiceFrom + margin, voiceTo - margin, speechBand),
      cleanSpeech: await levelOver(segments, cleanFrom, cleanTo, speechBand),
      voiceTone: await levelOver(segments, voiceFrom + margin, voiceTo - margin, toneBand),
      cleanTone: await levelOver(segments, cleanFrom, cleanTo, toneBand),
      voiceAll: await levelOver(segments, voiceFrom + margin, voiceTo - margin, 'anull')
    };
    try {
      expect(levels.voiceAll).toBeGreaterThan(-40);
      expect(levels.voiceSpeech).toBeGreaterThan(levels.cleanSpeech + 15);
      expect(levels.voiceTone).toBeLessThan(levels.cleanTone - 5);
    } catch (e) {
      // What went out around the voice, per half second from the item's start (speech band / tone band, dBFS), with
      // the segments' times and the worker's warnings: enough to tell a late, cut or missing voice from a shifted window.
      const profile: string[] = [];
      for (let t = due.plannedStart - 1000; t < cleanTo; t += 500) {
        const at = (band: string) => levelOver(segments, t, t + 500, band).then((db) => db.toFixed(0), () => '?');
        profile.push(`${((t - due.plannedStart) / 1000).toFixed(1)}s ${await at(speechBand)}/${await at(toneBand)}`);
      }
      const warnings = server.output().split('\n').filter((l) => /"level":"(warn|error)"/.test(l)).slice(-10);
      throw new Error(
        `${(e as Error).message}\nlevels ${JSON.stringify(levels)}; voice ${due.duration} s from ${voiceFrom - due.plannedStart} ms, clean window ${cleanFrom - due.plannedStart}–${cleanTo - due.plannedStart} ms\n` +
          `profile ${profile.join(' | ')}\nsegments ${segments.map((x) => `${x.uri}@${x.start - due.plannedStart}+${x.duration}`).join(' ')}\nworker ${warnings.join('\n')}`
      );
    }
    // Said whole: the worker warns when any of a voice was not there to mix in time.
    expect(server.output()).not.toContain('was not decoded in time');

    // Now playing shows the DJ's line with the item (while the voice sounds).
    expect(nowPlayingLine).toMatchObject({ name: 'Nova', text: due.text, source: 'template' });

    // A person rewrites a later intro: it is voiced again with their words.
    const list = await api(server, 'GET', `/api/channels/${channel.id}/intros`, { token: team.viewer.token });
    const later = (list.body.intros as DjIntroView[]).find((i) => i.plannedStart > due.plannedStart)!;
    expect(later).toBeTruthy();
    const viewerEdit = await api(server, 'PATCH', `/api/channels/${channel.id}/intros/${later.id}`, { token: team.viewer.token, body: { text: 'Viewers cannot.' } });
    expect(viewerEdit.status).toBe(403);
    const edited = await api(server, 'PATCH', `/api/channels/${channel.id}/intros/${later.id}`, { token: team.editor.token, body: { text: 'This one goes out to everyone on the night shift.' } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ text: 'This one goes out to everyone on the night shift.', status: 'queued', editedBy: team.editor.id });
    let revoiced: DjIntroView | undefined;
    await waitFor(async () => {
      await sleep(300);
      const r = await api(server, 'GET', `/api/channels/${channel.id}/intros`, { token: team.viewer.token });
      revoiced = (r.body.intros as DjIntroView[]).find((i) => i.id === later.id && i.status === 'ready');
      return Boolean(revoiced);
    }, 'the edited line voiced', 60_000);
    expect(revoiced).toMatchObject({ text: 'This one goes out to everyone on the night shift.', source: later.source, editedBy: team.editor.id });
    expect(revoiced!.duration).toBeGreaterThan(1.5);

    // The studio's schedule view: "Upcoming on air" lists the channel's next items with their intros, labelled as
    // templates; a line rewritten there (Ctrl+Enter) is voiced again.
    const ahead = ((await api(server, 'GET', `/api/channels/${channel.id}/intros`, { token: team.viewer.token })).body.intros as DjIntroView[]).find((i) => i.status === 'ready' && i.plannedStart > Date.now() + 60_000)!;
    expect(ahead).toBeTruthy();
    const browser = await launchBrowser();
    try {
      const page = await logIn(await newPage(browser, 'editor'), server.url, team.editor);
      await page.goto(`${server.url}/projects/${team.projectId}`, { waitUntil: 'networkidle' });
      const upcoming = page.locator(`[data-on-air-upcoming] [data-upcoming-channel="${channel.id}"]`);
      const row = upcoming.locator(`[data-intro="${ahead.id}"]`);
      await row.waitFor({ timeout: WAIT });
      expect(await row.locator('[data-intro-source]').innerText()).toBe('template');
      // Under the item it introduces.
      expect(await row.locator('xpath=ancestor::li[@data-upcoming-item]').locator('.what').innerText()).toBe(ahead.title);
      const box = row.locator('[data-intro-text]');
      expect(await box.inputValue()).toBe(ahead.text);
      await box.fill('Last one before the news, stay with us.');
      await box.press('Control+Enter');
      // Saved: the line is queued for its voice (the status the PATCH answers), then voiced.
      await upcoming.locator(`[data-intro="${ahead.id}"]:not([data-intro-status="ready"])`).waitFor({ timeout: WAIT });
      await upcoming.locator(`[data-intro="${ahead.id}"][data-intro-status="ready"]`).waitFor({ timeout: 60_000 });
      const after = await api(server, 'GET', `/api/channels/${channel.id}/intros`, { token: team.viewer.token });
      const revoicedAhead = (after.body.intros as DjIntroView[]).find((i) => i.id === ahead.id)!;
      expect(revoicedAhead).toMatchObject({ text: 'Last one before the news, stay with us.', status: 'ready', editedBy: team.editor.id });
      expect(Date.parse(revoicedAhead.updatedAt)).toBeGreaterThan(Date.parse(ahead.updatedAt));

      // The channel page's DJ card shows the same intros (one component): the template notice and the rewritten line.
      await page.goto(`${server.url}/projects/${team.projectId}/channels/${channel.id}`, { waitUntil: 'networkidle' });
      const card = page.locator('[data-dj-card]');
      await card.locator('[data-dj-template-notice]').waitFor({ timeout: WAIT });
      expect(await card.locator('[data-dj-template-notice]').innerText()).toContain('Lines come from templates');
      await card.locator(`[data-intro="${ahead.id}"] [data-intro-text]`).waitFor({ timeout: WAIT });
      expect(await card.locator(`[data-intro="${ahead.id}"] [data-intro-text]`).inputValue()).toBe('Last one before the news, stay with us.');

      // The stream page: a listener on a phone sees the DJ's line with the item it introduces (as the audio reaches it).
      const guest = await newPage(browser, 'guest', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      await guest.goto(`${server.url}/s/${channel.slug}`, { waitUntil: 'networkidle' });
      await guest.getByRole('button', { name: 'Play' }).tap();
      await guest.locator('[data-dj-line]').waitFor({ timeout: 90_000 });
      const line = await guest.locator('[data-dj-line]').innerText();
      expect(line).toMatch(/^Nova: “.+”$/);
      const shownTitle = await guest.locator('[data-now-title]').innerText();
      const aired = (after.body.intros as DjIntroView[]).filter((i) => i.title === shownTitle).map((i) => i.text);
      expect(aired.some((t) => line.includes(t))).toBe(true);
    } finally {
      await browser.close();
    }

  }
});

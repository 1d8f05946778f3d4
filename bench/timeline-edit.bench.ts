// Benchmark: editor responsiveness — the time from a remote edit to the timeline showing it, with 500 clips.
// A headless y-websocket client (another editor) moves one clip at a time in a project whose timeline holds 500 clips
// of two processed assets (video thumbnails and audio waveforms, as editors see them) on four tracks; the owner has
// the studio open in Chromium. Latency = the moment the page's DOM shows the clip at its new start (MutationObserver)
// minus the moment just before the client's transaction, both read from the same machine clock. The same run on a
// 10-clip timeline separates the timeline's own cost from the network and Yjs.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ProjectDoc } from '../src/lib/editor/model/project-doc';
import { userOrigin } from '../src/lib/editor/model/origin';
import { keysBetween } from '../src/lib/editor/model/order';
import { newClip } from '../src/lib/editor/model/timeline/clip';
import { newTrack } from '../src/lib/editor/model/timeline/track';
import type { TimelineChange } from '../src/lib/editor/model/timeline/changes';
import { addMember, createProject, signup, type TestUser } from '../tests/helpers/api';
import { launchBrowser } from '../tests/helpers/browser';
import { logIn, newPage, openProject, uploadProcessed } from '../tests/helpers/studio';
import { ffmpeg, h264, picture, sine, tempDir } from '../tests/helpers/media';
import { connectClient } from '../tests/helpers/yclient';
import { deadline, fmtMs, machine, printTargets, roundStats, startBenchServer, stats, writeResult, type TargetRow } from './lib/common';

const CLIPS = 500;
const EDITS = 40;
deadline('timeline-edit', 220_000);
const started = Date.now();
const server = await startBenchServer({ env: { LOCAL_WORKERS: '1' } });
const dir = await tempDir('airstudio-bench-timeline-');
const owner = await signup(server, 'bench_owner');
const peer = await signup(server, 'bench_peer');

const video = path.join(dir, 'shot.mp4');
const tone = path.join(dir, 'bed.m4a');
await ffmpeg(...picture(4, '640x360', 30), ...sine(4, 440), '-shortest', ...h264, '-c:a', 'aac', video);
await ffmpeg(...sine(4, 220), '-c:a', 'aac', tone);

/** A project whose timeline has `count` 1 s clips spread over two video and two audio tracks. */
async function seededProject(count: number): Promise<{ projectId: string; project: ProjectDoc; close: () => void; clipIds: string[] }> {
  const projectId = await createProject(server, owner, `Responsiveness ${count}`);
  await addMember(server, owner, projectId, peer.username, 'editor');
  const [v, a] = await Promise.all([video, tone].map((file) => uploadProcessed(server, projectId, owner, file)));
  const client = connectClient(server.wsUrl, projectId, peer.token);
  await client.synced;
  const project = new ProjectDoc(client.doc);
  const orders = keysBetween(null, null, 4);
  const tracks = (['audio', 'audio', 'video', 'video'] as const).map((kind, i) => newTrack({ id: `t${i}`, kind, name: `${kind === 'audio' ? 'A' : 'V'}${(i % 2) + 1}`, order: orders[i] }));
  const changes: TimelineChange[] = tracks.map((record) => ({ op: 'insert', kind: 'track', record }));
  const clipIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const track = tracks[i % 4];
    const asset = track.kind === 'video' ? v : a;
    const id = `k${i}`;
    clipIds.push(id);
    // Clips of one track sit end to end with a 0.5 s gap, so a move into the gap needs no overlap resolution.
    changes.push({ op: 'insert', kind: 'clip', record: newClip({ id, trackId: track.id, assetId: asset.id, start: Math.floor(i / 4) * 1.5, in: 0, out: 1 }) });
  }
  project.transact(userOrigin(peer.id), () => project.timeline.apply(changes, { [v.id]: v.duration ?? 4, [a.id]: a.duration ?? 4 }));
  return { projectId, project, clipIds, close: () => client.destroy() };
}

const browser = await launchBrowser();

async function openStudio(user: TestUser, projectId: string): Promise<Page> {
  return openProject(await logIn(await newPage(browser, 'bench', { viewport: { width: 1600, height: 1000 } }), server.url, user), server.url, projectId);
}

/** Moves clips one at a time from the headless editor; returns each edit's delay until the page's DOM showed it. */
async function measure(count: number): Promise<number[]> {
  const { projectId, project, clipIds, close } = await seededProject(count);
  const page = await openStudio(owner, projectId);
  await page.locator(`[data-timeline][data-clips="${count}"]`).waitFor({ timeout: 60_000 });
  const samples: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    const id = clipIds[(Math.floor(i / 2) * 37) % clipIds.length];
    const record = project.timeline.snapshot().clips.find((c) => c.id === id)!;
    // Each clip goes 0.25 s later into its own gap, then back.
    const start = record.start + (i % 2 === 0 ? 0.25 : -0.25);
    const expected = start.toFixed(3);
    await page.evaluate(
      ([clipId, want]) => {
        const w = window as unknown as { __seen?: number };
        delete w.__seen;
        const el = document.querySelector<HTMLElement>(`[data-clip-id="${clipId}"]`)!;
        const observer = new MutationObserver(() => {
          if (el.dataset.start !== want) return;
          w.__seen = performance.timeOrigin + performance.now();
          observer.disconnect();
        });
        observer.observe(el, { attributes: true, attributeFilter: ['data-start'] });
      },
      [id, expected] as const
    );
    const t0 = performance.timeOrigin + performance.now();
    project.transact(userOrigin(peer.id), () => project.timeline.apply([{ op: 'update', kind: 'clip', id, patch: { start } }]));
    const seen = await page.waitForFunction(() => (window as unknown as { __seen?: number }).__seen, undefined, { timeout: 10_000, polling: 5 });
    samples.push(((await seen.jsonValue()) as number) - t0);
  }
  await page.context().close();
  close();
  return samples;
}

const small = roundStats(stats(await measure(10)));
const large = roundStats(stats(await measure(CLIPS)));
await browser.close();
await server.stop();
fs.rmSync(dir, { recursive: true, force: true });

const setup = `Chromium (headless, playwright-core) shows the studio of a project whose timeline has ${CLIPS} clips (1 s each, two processed assets, four tracks); a headless y-websocket client moves one clip per step, ${EDITS} steps. Latency = page DOM showing the new start (MutationObserver) minus the moment before the client's transaction, one machine clock; the same on a 10-clip timeline for comparison.`;
const targets: TargetRow[] = [{ metric: `remote edit → timeline DOM, ${CLIPS} clips, p95`, target: '(none in BRIEF)', measured: fmtMs(large.p95), met: null }];
console.log(`\ntimeline editor responsiveness — ${setup}`);
console.log(`  ${String(CLIPS).padStart(3)} clips: p50 ${fmtMs(large.p50)}  p95 ${fmtMs(large.p95)}  max ${fmtMs(large.max)}`);
console.log(`   10 clips: p50 ${fmtMs(small.p50)}  p95 ${fmtMs(small.p95)}  max ${fmtMs(small.max)}`);
printTargets(targets);
const file = writeResult({ name: 'timeline-edit', title: 'editor responsiveness: remote edit on a 500-clip timeline', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, machine: machine(), setup, targets, details: { clips: CLIPS, edits: EDITS, latencyMs500: large, latencyMs10: small } });
console.log(`  results: ${file}`);
process.exit(large.count === EDITS ? 0 : 1);

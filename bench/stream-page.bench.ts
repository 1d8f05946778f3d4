// Benchmark: the listener's side of the stream page on a phone-sized Chromium. A station goes on air through the whole
// system (tones uploaded and processed by the local worker, a rotation edited over y-websocket, the live job airing
// HLS); then, LISTENERS times, a fresh browser context opens /s/:slug, taps Play, and the page reports:
//  - start: from the tap (pointerdown, in the page's clock) to the audio element's first `playing` with time advancing;
//  - delay behind live: the page's own figure (hls.js playingDate, from EXT-X-PROGRAM-DATE-TIME, against the clock),
//    sampled every second for SAMPLE_SECONDS while it plays.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTeam } from '../tests/helpers/api';
import { launchBrowser } from '../tests/helpers/browser';
import { startLiveChannel } from '../tests/helpers/live-channel';
import { newPage } from '../tests/helpers/studio';
import { deadline, fmtMs, machine, printTargets, round, roundStats, sleep, startBenchServer, stats, writeResult, type TargetRow } from './lib/common';

const LISTENERS = 5;
const SAMPLE_SECONDS = 15;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
deadline('stream-page', 230_000);
const started = Date.now();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-bench-stream-'));

const server = await startBenchServer({ env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2' } });
const team = await createTeam(server, 'Stream page bench');
const channel = await startLiveChannel(server, team, dir, { name: 'Bench FM', tones: [330, 440, 550, 660], seconds: 20 });
console.log(`stream-page: on air after ${round((Date.now() - started) / 1000, 1)} s`);
// Let the playlist fill its window, as a listener arriving at a running station finds it.
await sleep(8000);

const browser = await launchBrowser();
const startMs: number[] = [];
const delays: number[] = [];
const perListener: { startMs: number; delay: ReturnType<typeof stats> }[] = [];
try {
  for (let i = 0; i < LISTENERS; i++) {
    const page = await newPage(browser, `listener-${i}`, PHONE);
    await page.goto(`${server.url}/s/${channel.slug}`, { waitUntil: 'networkidle' });
    // A string, not a function: tsx's name-keeping helpers do not exist in the page.
    await page.evaluate(`(() => {
      document.addEventListener('pointerdown', () => { window.tapAt ??= performance.now(); }, { capture: true });
      const poll = () => {
        const a = document.querySelector('audio');
        if (a && !a.paused && a.currentTime > 0 && a.readyState >= 3) window.playingAt ??= performance.now();
        if (window.playingAt === undefined) requestAnimationFrame(poll);
      };
      requestAnimationFrame(poll);
    })()`);
    await page.getByRole('button', { name: 'Play' }).tap();
    await page.waitForFunction(() => (window as unknown as { playingAt?: number }).playingAt !== undefined, undefined, { timeout: 30_000 });
    const ms = await page.evaluate(() => (window as unknown as { playingAt: number }).playingAt - (window as unknown as { tapAt: number }).tapAt);
    startMs.push(ms);
    const mine: number[] = [];
    for (let s = 0; s < SAMPLE_SECONDS; s++) {
      await sleep(1000);
      const d = await page.locator('[data-delay]').getAttribute('data-delay', { timeout: 5000 }).catch(() => null);
      if (d !== null) mine.push(Number(d));
    }
    delays.push(...mine);
    perListener.push({ startMs: round(ms), delay: roundStats(stats(mine), 2) });
    console.log(`stream-page: listener ${i + 1}: started in ${fmtMs(ms)}, ${mine.length} delay samples, max ${round(Math.max(...mine), 1)} s behind live`);
    await page.context().close();
  }
} finally {
  await browser.close();
}

const start = roundStats(stats(startMs), 0);
const delay = roundStats(stats(delays), 2);
const ok = startMs.length === LISTENERS && delays.length > 0;
const targets: TargetRow[] = [
  { metric: 'tap → audio playing (p50 / max)', target: '< 2 s', measured: `${fmtMs(start.p50)} / ${fmtMs(start.max)}`, met: ok && start.max < 2000 },
  { metric: 'delay behind live while playing (p50 / max)', target: '≤ 6 s', measured: `${delay.p50} s / ${delay.max} s (${delays.length} samples)`, met: ok && delay.max <= 6 }
];
printTargets(targets);
const details = { listeners: perListener, start, delay };
console.log(JSON.stringify(details));
const file = writeResult({
  name: 'stream-page',
  title: 'the stream page on a phone-sized Chromium: time from tap to audio, delay behind live',
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  machine: machine(),
  setup: `a station on air through the local worker (HLS, 2 s segments); ${LISTENERS} fresh browser contexts in turn open /s/:slug, tap Play, and sample the page's delay behind live every second for ${SAMPLE_SECONDS} s`,
  targets,
  details
});
console.log(`  results: ${file}`);
await server.destroy();
fs.rmSync(dir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);

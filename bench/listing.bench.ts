// Benchmark: a listing video as listing.render makes it (the worker's render function in this process; download and
// upload not counted): 20 photos of 12 MP (4240×2832 JPEGs, generated) → a 1080p30 16:9 video with Ken Burns moves,
// crossfades on the beat of a music track, a title card and the agent's outro, against seed 004's targets (< 2 min
// MVP, < 1 min core product, < 30 s at scale). Then the re-render after one photo changes (the clip cache), and the
// re-render with nothing changed. BENCH_LISTING_PHOTOS shortens it for a smoke run.
// bench-backstop-seconds: 900
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_LISTING } from '../src/lib/editor/model/brief/listing';
import { renderListing, type RenderedListing, type RenderListingOptions } from '../workers/listing/listing-render';
import { deadline, machine, printTargets, round, writeResult, type TargetRow } from './lib/common';

const PHOTOS = Number(process.env.BENCH_LISTING_PHOTOS ?? 20);
deadline('listing', 880_000);
const started = Date.now();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-bench-listing-'));
const ff = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);

const photos: string[] = [];
const photo = (file: string, i: number) =>
  ff('-f', 'lavfi', '-i', `testsrc2=size=4240x2832:rate=1,hue=h=${(i * 37) % 360},noise=alls=8:allf=u:all_seed=${i + 1}`, '-frames:v', '1', '-q:v', '3', file);
for (let i = 0; i < PHOTOS; i++) {
  photos.push(path.join(dir, `photo-${i}.jpg`));
  photo(photos[i]!, i);
}
// 100 bpm with a kick on every beat over a pad: about 3 s a photo is 5 beats.
const music = path.join(dir, 'music.m4a');
ff('-f', 'lavfi', '-i', "aevalsrc='0.6*sin(2*PI*60*t)*exp(-18*mod(t,0.6))+0.1*sin(2*PI*220*t)+0.08*sin(2*PI*277*t)':s=44100:d=90", '-c:a', 'aac', '-b:a', '128k', music);

const options = (o: Partial<RenderListingOptions> = {}): RenderListingOptions => ({
  photos: photos.map((file, i) => ({ file, staged: i === 4, focus: { x: 0.3 + (i % 5) * 0.1, y: 0.5 } })),
  music,
  listing: { ...DEFAULT_LISTING, address: '12 Elm Street, Springfield', price: 850000, beds: 3, baths: 2.5, area: 1850, branding: { ...DEFAULT_LISTING.branding, name: 'Ann Agent', phone: '+1 555 0100' } },
  variants: [{ aspect: '16:9', branded: true }],
  logo: null,
  originalsUrl: 'https://studio.example/listing/token/originals',
  workDir: path.join(dir, 'work'),
  cacheDir: path.join(dir, 'cache'),
  ...o
});
const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
/** CPU seconds of this process and of its finished children (ffmpeg), from /proc (clock ticks of 1/100 s). */
const cpu = () => {
  const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ').map(Number);
  return { self: (f[11]! + f[12]!) / 100, children: (f[13]! + f[14]!) / 100 };
};
/** Each stage's time, so a render can be re-measured and compared stage by stage (the stages overlap: see RenderTimings). */
const stages = (label: string, r: RenderedListing, c0: ReturnType<typeof cpu>) => {
  const c = cpu();
  const used = { node: round(c.self - c0.self, 1), ffmpeg: round(c.children - c0.children, 1) };
  console.log(`  ${label}: ${Object.entries(r.timings).map(([k, v]) => `${k} ${round(v / 1000, 2)} s`).join(', ')}; CPU ${used.node} s node + ${used.ffmpeg} s ffmpeg; pieces ${r.renderedClips} rendered, ${r.cachedClips} cached`);
  return { ...r.timings, cpuNodeS: used.node, cpuFfmpegS: used.ffmpeg };
};

const loadBefore = load();
let c0 = cpu();
const t0 = performance.now();
const first = await renderListing(options());
const fullMs = performance.now() - t0;
const firstStages = stages('full render', first, c0);
const seconds = first.outputs[0]!.seconds;

const changed = path.join(dir, 'photo-changed.jpg');
photo(changed, 99);
c0 = cpu();
const t1 = performance.now();
const second = await renderListing(options({ photos: options().photos.map((p, i) => (i === 7 ? { ...p, file: changed } : p)), workDir: path.join(dir, 'work2') }));
const oneMs = performance.now() - t1;
const secondStages = stages('one photo changed', second, c0);
c0 = cpu();
const t2 = performance.now();
const third = await renderListing(options({ photos: options().photos.map((p, i) => (i === 7 ? { ...p, file: changed } : p)), workDir: path.join(dir, 'work3') }));
const noneMs = performance.now() - t2;
const thirdStages = stages('nothing changed', third, c0);
const loadAfter = load();
const bytes = fs.statSync(first.outputs[0]!.file).size;
fs.rmSync(dir, { recursive: true, force: true });

const full = fullMs / 1000;
const targets: TargetRow[] = [
  { metric: `${PHOTOS} photos (12 MP) → ${round(seconds, 1)} s 1080p30 listing video, MVP`, target: '< 120 s', measured: `${round(full, 1)} s`, met: full < 120 },
  { metric: 'the same, core product', target: '< 60 s', measured: `${round(full, 1)} s`, met: full < 60 },
  { metric: 'the same, at scale', target: '< 30 s', measured: `${round(full, 1)} s`, met: full < 30 },
  { metric: `re-render after one photo changed (${second.renderedClips} clip rendered, ${second.cachedClips} from the cache)`, target: '(none set)', measured: `${round(oneMs / 1000, 1)} s`, met: null },
  { metric: 're-render with nothing changed (every piece cached)', target: '(none set)', measured: `${round(noneMs / 1000, 1)} s`, met: null }
];
const details = { photos: PHOTOS, videoSeconds: round(seconds, 2), beats: first.beats.length, fullMs: round(fullMs), oneChangedMs: round(oneMs), nothingChangedMs: round(noneMs), stagesMs: { full: firstStages, oneChanged: secondStages, nothingChanged: thirdStages }, videoBytes: bytes, loadBefore, loadAfter };
printTargets(targets);
console.log(JSON.stringify(details));
const file = writeResult({
  name: 'listing',
  title: `listing video: ${PHOTOS} photos of 12 MP → 1080p30 with Ken Burns, crossfades on the beat, cards`,
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  machine: machine(),
  setup: `${PHOTOS} generated 4240×2832 JPEGs, a 90 s AAC track at 100 bpm; renderListing (frames composed by the WebAssembly SIMD sampler, x264 ultrafast with CABAC, B-frames and deblocking) in this process, one variant (16:9 branded); clip cache in a fresh folder; 2 cores; load average ${loadBefore} before, ${loadAfter} after`,
  targets,
  details
});
console.log(`  results: ${file}`);

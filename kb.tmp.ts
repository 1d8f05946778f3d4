import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import sharp from 'sharp';
import { rgbToYuv } from './workers/listing/frames';
import { loadSampler, Sampler, stillWidth } from './workers/listing/sampler';
execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=4240x2832:rate=1,hue=h=37,noise=alls=8:allf=u:all_seed=2', '-frames:v', '1', '-q:v', '3', '/tmp/kb.jpg']);
const W = 1920, H = 1080, sw = stillWidth(W * 1.15), sh = Math.round((sw * H) / W / 2) * 2;
const rgb = await sharp('/tmp/kb.jpg').extract({ left: 0, top: 200, width: 4240, height: 2385 }).resize(sw, sh, { fit: 'fill', kernel: 'lanczos3' }).removeAlpha().raw().toBuffer();
const still = rgbToYuv(rgb, sw, sh);
const s = new Sampler(W, H, await loadSampler());
const out = fs.openSync('/tmp/kb.yuv', 'w');
const buf = new Uint8Array(W * H * 1.5);
for (let f = 0; f < 150; f++) { const z = 1.15 - 0.15 * f / 149; s.sample(still, { x: (sw - sw / z) * 0.4, y: (sh - sh / z) * 0.5, w: sw / z, h: sh / z }, buf); fs.writeSync(out, buf); }
fs.closeSync(out);

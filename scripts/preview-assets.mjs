// The files the browser's exact preview loads at run time, served by us (never a CDN): ffmpeg.wasm's cores and the
// title font. They are copied unmodified, with their licences, into the built client after `vite build` (which
// would otherwise spend minutes brotli-compressing 64 MB of wasm at maximum quality); `vite dev` serves them from
// the same places through vite.config.ts. The GPL cores are separate programs loaded by the ffmpeg.wasm worker,
// never imported into or bundled with our code. URLs are mirrored in src/lib/preview/preview-files.ts.
//   node scripts/preview-assets.mjs [out]      copies into out (default build/client) and precompresses
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

const ROOT = path.resolve(import.meta.dirname, '..');
const DEJAVU_BOLD = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const DEJAVU_COPYRIGHT = '/usr/share/doc/fonts-dejavu-core/copyright';
const GPL2 = '/usr/share/common-licenses/GPL-2';

/** Served path (under the client root) → source file. @returns {Record<string, string>} */
export function previewFiles() {
  /** @type {Record<string, string>} */
  const files = {};
  for (const [pkg, dir, names] of [
    ['@ffmpeg/core', 'ffmpeg/core', ['ffmpeg-core.js', 'ffmpeg-core.wasm']],
    ['@ffmpeg/core-mt', 'ffmpeg/core-mt', ['ffmpeg-core.js', 'ffmpeg-core.wasm', 'ffmpeg-core.worker.js']]
  ]) {
    for (const name of names) files[`${dir}/${name}`] = path.join(ROOT, 'node_modules', pkg, 'dist/esm', name);
  }
  files['ffmpeg/fonts/DejaVuSans-Bold.ttf'] = DEJAVU_BOLD;
  files['ffmpeg/fonts/LICENSE.txt'] = DEJAVU_COPYRIGHT;
  if (fs.existsSync(GPL2)) files['ffmpeg/COPYING.GPLv2'] = GPL2;
  return files;
}

/** What the cores are and where their source is; the GPL asks for both next to the binaries. */
export function coreNotice() {
  const lines = ['These files are ffmpeg.wasm cores, served unmodified from their npm packages; airstudio loads them as a separate program.', ''];
  for (const pkg of ['@ffmpeg/core', '@ffmpeg/core-mt']) {
    const meta = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8'));
    lines.push(`${meta.name} ${meta.version}: ${meta.license}. Source: ${meta.homepage ?? meta.repository?.url} (FFmpeg: https://ffmpeg.org/).`);
  }
  lines.push('', `Licence text: ${fs.existsSync(GPL2) ? 'COPYING.GPLv2 in this folder' : 'https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt'}.`, '');
  return lines.join('\n');
}

async function copyInto(out) {
  const files = previewFiles();
  for (const [to, from] of Object.entries(files)) {
    if (!fs.existsSync(from)) throw new Error(`preview assets: ${from} is missing (npm install; apt-get install fonts-dejavu-core)`);
    fs.mkdirSync(path.dirname(path.join(out, to)), { recursive: true });
    fs.copyFileSync(from, path.join(out, to));
  }
  fs.writeFileSync(path.join(out, 'ffmpeg/NOTICE.txt'), coreNotice());
  // Precompressed copies for the static handler (it serves .br/.gz when the browser accepts them): 32 MB of wasm
  // travels as about 8 MB. Brotli quality 6 takes seconds where the adapter's 11 takes minutes for 1 % less.
  const compressible = Object.keys(files).filter((f) => /\.(js|wasm)$/.test(f));
  await Promise.all(
    compressible.flatMap((f) => {
      const file = path.join(out, f);
      const size = fs.statSync(file).size;
      return [
        pipeline(fs.createReadStream(file), zlib.createGzip({ level: 9 }), fs.createWriteStream(`${file}.gz`)),
        pipeline(
          fs.createReadStream(file),
          zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 6, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size } }),
          fs.createWriteStream(`${file}.br`)
        )
      ];
    })
  );
  console.log(`preview assets: ${Object.keys(files).length} files in ${path.relative(ROOT, out) || '.'}/ffmpeg`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  await copyInto(path.resolve(ROOT, process.argv[2] ?? 'build/client'));
}

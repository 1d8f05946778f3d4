import { describe, expect, it } from 'vitest';
import type { ClipSnapshot, TimelineSnapshot, TrackSnapshot } from '../../src/lib/editor/model/timeline/snapshot';
import {
  atempoChain,
  buildAudioGraph,
  buildRenderGraph,
  escapeDrawtext,
  ffmpegColor,
  keyframeExpr,
  keyframeValue,
  linearGain,
  num,
  type RenderGraphOptions,
  type RenderSource
} from '../../src/lib/editor/render/filter-graph';

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const opts: RenderGraphOptions = { width: 640, height: 360, fps: 30, fontFile: FONT };
const transform = { x: 0, y: 0, scale: 1, rotation: 0, crop: { top: 0, right: 0, bottom: 0, left: 0 } };

function clip(c: Partial<ClipSnapshot> & Pick<ClipSnapshot, 'id' | 'trackId' | 'start' | 'in' | 'out'>): ClipSnapshot {
  return { assetId: null, speed: 1, volume: 1, fadeIn: 0, fadeOut: 0, opacity: 1, transform, keyframes: {}, title: null, ...c };
}

function track(id: string, kind: TrackSnapshot['kind'], order: string, extra: Partial<TrackSnapshot> = {}): TrackSnapshot {
  return { id, kind, name: id, order, muted: false, solo: false, locked: false, hidden: false, ducking: null, ...extra };
}

function timeline(tracks: TrackSnapshot[], clips: ClipSnapshot[], transitions: TimelineSnapshot['transitions'] = []): TimelineSnapshot {
  return { settings: { width: 1920, height: 1080, fps: 30 }, tracks, clips, transitions, markers: [] };
}

const sources: Record<string, RenderSource> = {
  A: { input: '/media/a.mp4', duration: 4, hasVideo: true, hasAudio: true, width: 1920, height: 1080 },
  B: { input: '/media/b.mp4', duration: 4, hasVideo: true, hasAudio: true, width: 1280, height: 720 },
  V: { input: '/media/voice.wav', duration: 10, hasVideo: false, hasAudio: true },
  M: { input: '/media/music.mp3', duration: 60, hasVideo: false, hasAudio: true },
  P: { input: '/media/photo.jpg', duration: 0, hasVideo: true, hasAudio: false, still: true }
};

/** ffmpeg's av_get_token: backslash escapes, '…' quotes, leading blanks skipped, trailing unescaped blanks trimmed. */
function getToken(s: string, from: number, term: string): { token: string; next: number } {
  let i = from;
  while (i < s.length && /\s/.test(s[i]!)) i++;
  let out = '';
  let keep = 0;
  while (i < s.length && !term.includes(s[i]!)) {
    if (s[i] === '\\' && i + 1 < s.length) {
      out += s[i + 1];
      i += 2;
      keep = out.length;
    } else if (s[i] === "'") {
      i++;
      while (i < s.length && s[i] !== "'") out += s[i++];
      if (i < s.length) i++;
      keep = out.length;
    } else {
      out += s[i++];
    }
  }
  while (out.length > keep && /\s/.test(out.at(-1)!)) out = out.slice(0, -1);
  return { token: out, next: i };
}

/** What a filter receives for `name=ARGS` in a graph: the graph-level token, then key=value pairs. */
function parseFilterArgs(graph: string, name: string): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  let at = graph.indexOf(`${name}=`);
  while (at >= 0) {
    const { token: args } = getToken(graph, at + name.length + 1, '[],;');
    const pairs: Record<string, string> = {};
    let i = 0;
    while (i < args.length) {
      const key = getToken(args, i, '=:');
      i = key.next;
      if (args[i] === '=') {
        const value = getToken(args, i + 1, ':');
        pairs[key.token] = value.token;
        i = value.next;
      }
      if (args[i] === ':') i++;
    }
    found.push(pairs);
    at = graph.indexOf(`${name}=`, at + 1);
  }
  return found;
}

describe('buildRenderGraph', () => {
  it('renders an empty timeline as a second of black and silence, without inputs', () => {
    const g = buildRenderGraph(timeline([], []), {}, opts);
    expect(g.inputs).toEqual([]);
    expect(g.duration).toBe(1);
    expect(g.frames).toBe(30);
    expect(g.samples).toBe(48_000);
    expect(g.filterComplex).toContain('color=c=black:s=640x360:r=30:d=');
    expect(g.filterComplex).toContain('anullsrc=r=48000:cl=stereo');
    expect(g.filterComplex).not.toContain('loudnorm');
    expect(g.outputs).toEqual({ video: '[vout]', audio: '[aout]' });
    expect(g.filterComplex).toMatch(/\[vout\];$/m);
    expect(g.filterComplex).toMatch(/\[aout\]$/);
  });

  it('survives snapshots that are not snapshots', () => {
    for (const bad of [{}, { tracks: null, clips: 'x' }, { settings: {}, tracks: [{}], clips: [{ id: 'c' }], transitions: [null] }]) {
      const g = buildRenderGraph(bad as unknown as TimelineSnapshot, {}, opts);
      expect(g.duration).toBe(1);
      expect(g.outputs.video).toBe('[vout]');
    }
    const g = buildRenderGraph(timeline([track('v', 'video', 'a0')], []), {}, { ...opts, width: Number.NaN, fps: -1 });
    expect(g.filterComplex).toContain('s=1920x360');
    expect(g.frames).toBe(30);
  });

  it('trims, seeks and places one clip, picture and sound', () => {
    const g = buildRenderGraph(timeline([track('v', 'video', 'a0')], [clip({ id: 'c', trackId: 'v', assetId: 'A', start: 1, in: 0.5, out: 2.5 })]), sources, opts);
    expect(g.duration).toBe(3);
    // Picture and sound open the file separately, so neither decodes the other's stream.
    expect(g.inputs).toEqual([
      { file: '/media/a.mp4', options: ['-ss', '0.5', '-t', '2.5', '-an'] },
      { file: '/media/a.mp4', options: ['-ss', '0.5', '-t', '2.5', '-vn'] }
    ]);
    const fc = g.filterComplex;
    expect(fc).toContain('[0:v]trim=duration=');
    expect(fc).toContain('setpts=expr=PTS-STARTPTS');
    expect(fc).toContain('fps=fps=30');
    expect(fc).toContain('trim=end_frame=60');
    // Fit into the canvas keeping aspect, padded with black: nothing is below it, so no overlay.
    expect(fc).toContain('scale=w=max(2\\,trunc(iw*sar*min(640/(iw*sar)\\,360/ih)*1/2)*2)');
    expect(fc).toContain('pad=w=640:h=360:x=(ow-iw)/2:y=(oh-ih)/2:color=black');
    expect(fc).not.toContain('overlay');
    // A second of black, then the clip: concat, renumbered frame by frame.
    const gap = /color=c=black:s=640x360:r=30:d=[\d.]+,format=pix_fmts=yuv420p,trim=end_frame=30\[(base\d+)\]/.exec(fc)?.[1];
    expect(fc).toContain(`[${gap}][at`);
    expect(fc).toMatch(/\]concat=n=2:v=1:a=0,settb=expr=1\/30,setpts=expr=N\[/);
    expect(fc).toContain('[1:a]atrim=duration=');
    expect(fc).toContain('aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo');
    expect(fc).toContain('apad=whole_len=96000,atrim=end_sample=96000');
    expect(fc).toContain('adelay=delays=48000S:all=1');
    expect(g.warnings).toEqual([]);
  });

  it('retimes with setpts and a chain of atempo', () => {
    const g = buildRenderGraph(timeline([track('v', 'video', 'a0')], [clip({ id: 'c', trackId: 'v', assetId: 'A', start: 0, in: 0, out: 4, speed: 4 })]), sources, opts);
    expect(g.duration).toBe(1);
    expect(g.filterComplex).toContain('setpts=expr=(PTS-STARTPTS)/4');
    expect(g.filterComplex).toContain('atempo=tempo=2,atempo=tempo=2');
    expect(atempoChain(1)).toEqual([]);
    expect(atempoChain(0.2)).toEqual([0.5, 0.5, expect.closeTo(0.8, 9)]);
    expect(atempoChain(1.5)).toEqual([1.5]);
    expect(atempoChain(10).reduce((a, b) => a * b, 1)).toBeCloseTo(10, 9);
  });

  it('crossfades adjacent clips over a transition centred on the cut', () => {
    const g = buildRenderGraph(
      timeline(
        [track('v', 'video', 'a0')],
        [clip({ id: 'a', trackId: 'v', assetId: 'A', start: 0, in: 0, out: 3 }), clip({ id: 'b', trackId: 'v', assetId: 'B', start: 3, in: 1, out: 4 })],
        [{ id: 't', fromClipId: 'a', toClipId: 'b', kind: 'wipeleft', duration: 1 }]
      ),
      sources,
      opts
    );
    expect(g.duration).toBe(6);
    // a plays half a second past its out point, b from half a second before its in point.
    expect(g.inputs[0]).toEqual({ file: '/media/a.mp4', options: ['-t', '4', '-an'] });
    expect(g.inputs[1]).toEqual({ file: '/media/b.mp4', options: ['-ss', '0.5', '-t', '4', '-an'] });
    const fc = g.filterComplex;
    // xfade (4:4:4 only) sees just the overlap: a's last second and b's first, split off the 4:2:0 bodies.
    expect(fc).toMatch(/\[clip\d+\]format=pix_fmts=yuv420p,split=outputs=2/);
    expect(fc).toContain('trim=start_frame=0:end_frame=75');
    expect(fc).toContain('trim=start_frame=75:end_frame=105');
    expect(fc).toMatch(/split=outputs=2\[sp\d+\]\[sp\d+\];\n\[sp\d+\]trim=start_frame=0:end_frame=30,/);
    expect(fc).toContain('xfade=transition=wipeleft:duration=1:offset=0,format=pix_fmts=yuv420p');
    expect(fc).toMatch(/concat=n=3:v=1:a=0/);
    expect(fc).toContain('acrossfade=ns=48000:c1=tri:c2=tri');
    expect(fc).not.toContain('black@0');
    expect(g.warnings).toEqual([]);
  });

  it('shortens a transition to the handles there are, and makes it a cut without any', () => {
    const two = (bIn: number, duration: number, kind = 'fade') =>
      buildRenderGraph(
        timeline(
          [track('v', 'video', 'a0')],
          [clip({ id: 'a', trackId: 'v', assetId: 'A', start: 0, in: 0, out: 3 }), clip({ id: 'b', trackId: 'v', assetId: 'B', start: 3, in: bIn, out: bIn + 2 })],
          [{ id: 't', fromClipId: 'a', toClipId: 'b', kind: kind as 'fade', duration }]
        ),
        sources,
        opts
      );
    // b has 0.2 s (6 frames) before its in point: 6 frames before the cut, 7 after.
    const short = two(0.2, 1);
    expect(short.filterComplex).toContain(`xfade=transition=fade:duration=${num(13 / 30)}:offset=0`);
    // a plays 7 frames past the cut; its last 13 go into the transition.
    expect(short.filterComplex).toContain('trim=start_frame=84:end_frame=97');
    expect(short.warnings.join()).toMatch(/shortened/);
    const none = two(0, 1);
    expect(none.filterComplex).not.toContain('xfade');
    expect(none.filterComplex).not.toContain('acrossfade');
    expect(none.warnings.join()).toMatch(/it is a cut/);
    // Never longer than half of either clip; unknown kinds fall back to a fade.
    const long = two(1, 30, 'spin');
    expect(long.filterComplex).toContain('xfade=transition=fade:duration=2:offset=0');
    expect(long.filterComplex).toContain('trim=start_frame=60:end_frame=120');
  });

  it('joins a clip too short for both its transitions with a plain xfade chain', () => {
    // b lasts 12 frames; 13 of them go into the transition from a and 12 into the one to c (centred, handles).
    const g = buildRenderGraph(
      timeline(
        [track('v', 'video', 'a0')],
        [
          clip({ id: 'a', trackId: 'v', assetId: 'A', start: 0, in: 0, out: 3 }),
          clip({ id: 'b', trackId: 'v', assetId: 'B', start: 3, in: 1, out: 1.4 }),
          clip({ id: 'c', trackId: 'v', assetId: 'A', start: 3.4, in: 1, out: 4 })
        ],
        [
          { id: 't1', fromClipId: 'a', toClipId: 'b', kind: 'fade', duration: 1 },
          { id: 't2', fromClipId: 'b', toClipId: 'c', kind: 'wipeleft', duration: 1 }
        ]
      ),
      sources,
      opts
    );
    const fc = g.filterComplex;
    expect(fc).toContain(`xfade=transition=fade:duration=${num(13 / 30)}:offset=${num((90 + 7 - 13) / 30)}`);
    expect(fc).toContain(`xfade=transition=wipeleft:duration=${num(12 / 30)}:offset=${num((97 + 24 - 13 - 12) / 30)}`);
    expect(fc).not.toContain('concat');
    expect(g.frames).toBe(192);
  });

  it('builds the bottom track from pieces: gaps are black, transformed clips sit on their own canvas', () => {
    const g = buildRenderGraph(
      timeline(
        [track('v', 'video', 'a0'), track('t', 'title', 'a1')],
        [
          clip({ id: 'a', trackId: 'v', assetId: 'A', start: 0, in: 0, out: 1 }),
          clip({ id: 'b', trackId: 'v', assetId: 'B', start: 2, in: 0, out: 1, transform: { ...transform, scale: 0.5, x: 100 } }),
          clip({ id: 'c', trackId: 'v', assetId: 'A', start: 3, in: 0, out: 1, fadeIn: 0.5 }),
          clip({ id: 'title', trackId: 't', start: 0, in: 0, out: 4, title: titleStyle('over all') })
        ]
      ),
      sources,
      opts
    );
    const fc = g.filterComplex;
    // a, a second of black, b on its canvas, c: four pieces, one overlay (b's), c faded to black without alpha.
    expect(fc).toMatch(/concat=n=4:v=1:a=0/);
    expect([...fc.matchAll(/overlay=/g)]).toHaveLength(1);
    expect(fc).toContain('overlay=x=(main_w-overlay_w)/2+(33.333333)');
    expect(fc).toContain('fade=t=in:st=0:d=0.5,pad=');
    expect(fc).not.toContain('yuva420p');
    expect(fc).toMatch(/concat=n=4:v=1:a=0,settb=expr=1\/30,setpts=expr=N\[(bottom\d+)\];\n\[\1\]drawtext=/);
    expect(g.frames).toBe(120);
  });

  it('ignores transitions between clips that do not touch', () => {
    const g = buildRenderGraph(
      timeline(
        [track('v', 'video', 'a0')],
        [clip({ id: 'a', trackId: 'v', assetId: 'A', start: 0, in: 0, out: 2 }), clip({ id: 'b', trackId: 'v', assetId: 'B', start: 2.5, in: 1, out: 3 })],
        [{ id: 't', fromClipId: 'a', toClipId: 'b', kind: 'fade', duration: 1 }]
      ),
      sources,
      opts
    );
    expect(g.filterComplex).not.toContain('xfade');
    expect(g.warnings.join()).toMatch(/not adjacent/);
  });

  it('stacks video tracks bottom to top by their order', () => {
    const g = buildRenderGraph(
      timeline(
        [track('top', 'video', 'a5'), track('bottom', 'video', 'a1')],
        [clip({ id: 't', trackId: 'top', assetId: 'B', start: 0, in: 0, out: 1 }), clip({ id: 'b', trackId: 'bottom', assetId: 'A', start: 0, in: 0, out: 1 })]
      ),
      sources,
      opts
    );
    expect(g.inputs.map((i) => i.file)).toEqual(['/media/a.mp4', '/media/b.mp4', '/media/a.mp4', '/media/b.mp4']);
    // The bottom track is the canvas; the top one is laid over it.
    const overlays = [...g.filterComplex.matchAll(/\[(\w+)\]\[(\w+)\]overlay/g)];
    expect(overlays).toHaveLength(1);
    const producer = (label: string) => g.filterComplex.split(';\n').find((c) => c.endsWith(`[${label}]`))!;
    const sourceOf = (label: string): string => {
      const chain = producer(label);
      const from = /^\[(\w+:?\w*)\]/.exec(chain)?.[1];
      return from && !from.includes(':') ? sourceOf(from) : (from ?? chain);
    };
    expect(sourceOf(overlays[0]![1]!)).toBe('0:v');
    expect(sourceOf(overlays[0]![2]!)).toBe('1:v');
  });

  it('leaves hidden tracks out of the picture and muted ones out of the sound', () => {
    const g = buildRenderGraph(
      timeline(
        [track('v', 'video', 'a0', { hidden: true }), track('m', 'audio', 'a1', { muted: true })],
        [clip({ id: 'v', trackId: 'v', assetId: 'A', start: 0, in: 0, out: 2 }), clip({ id: 'm', trackId: 'm', assetId: 'M', start: 0, in: 0, out: 3 })]
      ),
      sources,
      opts
    );
    expect(g.duration).toBe(3);
    expect(g.filterComplex).not.toContain(':v]');
    expect(g.filterComplex).toContain('[0:a]');
    expect(g.filterComplex).not.toContain('[1:a]');
    expect(g.inputs.map((i) => i.file)).toEqual(['/media/a.mp4']);
  });

  it('plays only solo tracks when any is soloed', () => {
    const g = buildAudioGraph(
      timeline(
        [track('a1', 'audio', 'a0'), track('a2', 'audio', 'a1', { solo: true })],
        [clip({ id: 'x', trackId: 'a1', assetId: 'V', start: 0, in: 0, out: 2 }), clip({ id: 'y', trackId: 'a2', assetId: 'M', start: 0, in: 0, out: 2 })]
      ),
      sources,
      opts
    );
    expect(g.inputs.map((i) => i.file)).toEqual(['/media/music.mp3']);
    expect(g.filterComplex).not.toContain('color=');
    expect(g.output).toBe('[aout]');
  });

  it('mixes tracks without normalizing and ducks music under the voice', () => {
    const g = buildRenderGraph(
      timeline(
        [track('voice', 'audio', 'a0'), track('music', 'audio', 'a1', { ducking: { byTrackId: 'voice', amountDb: 12, mode: 'level', attack: 0.02, release: 0.4 } })],
        [clip({ id: 'v', trackId: 'voice', assetId: 'V', start: 1, in: 0, out: 3 }), clip({ id: 'm', trackId: 'music', assetId: 'M', start: 0, in: 10, out: 15, volume: 0.5 })]
      ),
      sources,
      opts
    );
    const fc = g.filterComplex;
    expect(fc).toContain('asplit=outputs=2');
    expect(fc).toMatch(/\[tr\d+\]\[keyn\d+\]sidechaincompress=threshold=[\d.]+:ratio=20/);
    expect(fc).toContain('amix=inputs=2:normalize=0');
    expect(fc).toContain('volume=volume=0.5');
    const threshold = Number(/sidechaincompress=threshold=([\d.]+)/.exec(fc)![1]);
    expect(20 * Math.log10(threshold)).toBeCloseTo(-16 - (12 * 20) / 19, 3);
  });

  it('does not duck by a track that is muted or missing', () => {
    const g = buildRenderGraph(
      timeline(
        [track('voice', 'audio', 'a0', { muted: true }), track('music', 'audio', 'a1', { ducking: { byTrackId: 'voice', amountDb: 12, mode: 'level', attack: 0.02, release: 0.4 } })],
        [clip({ id: 'v', trackId: 'voice', assetId: 'V', start: 0, in: 0, out: 3 }), clip({ id: 'm', trackId: 'music', assetId: 'M', start: 0, in: 0, out: 3 })]
      ),
      sources,
      opts
    );
    expect(g.filterComplex).not.toContain('sidechaincompress');
  });

  it('normalizes loudness only when asked, linear with first-pass measurements', () => {
    const snap = timeline([track('m', 'audio', 'a0')], [clip({ id: 'm', trackId: 'm', assetId: 'M', start: 0, in: 0, out: 3 })]);
    expect(buildRenderGraph(snap, sources, opts).filterComplex).not.toContain('loudnorm');
    const single = buildRenderGraph(snap, sources, { ...opts, loudnessTarget: -14 }).filterComplex;
    expect(single).toContain('loudnorm=I=-14:TP=-1.5:LRA=11,aresample=out_sample_rate=48000');
    const measure = buildAudioGraph(snap, sources, { ...opts, loudnessTarget: -14, loudnessReport: true }).filterComplex;
    expect(measure).toContain('print_format=json');
    const second = buildRenderGraph(snap, sources, {
      ...opts,
      loudnessTarget: -14,
      loudnessMeasured: { inputI: -23.5, inputTp: -6.2, inputLra: 14.3, inputThresh: -34, targetOffset: 0.3 }
    }).filterComplex;
    expect(second).toContain('loudnorm=I=-14:TP=-1.5:LRA=16:measured_I=-23.5:measured_TP=-6.2:measured_LRA=14.3:measured_thresh=-34:offset=0.3:linear=true');
    // Room under the true-peak ceiling: loudnorm's linear mode would be a plain gain, so it is one.
    const gain = buildRenderGraph(snap, sources, {
      ...opts,
      loudnessTarget: -14,
      loudnessMeasured: { inputI: -23.5, inputTp: -12, inputLra: 4, inputThresh: -34, targetOffset: 0 }
    }).filterComplex;
    expect(gain).toContain('volume=volume=9.5dB:precision=float,aformat=');
    expect(gain).not.toContain('loudnorm');
    expect(linearGain({ inputI: -23.5, inputTp: -12, inputLra: 4, inputThresh: -34, targetOffset: 0 }, -14)).toBe(9.5);
    expect(linearGain({ inputI: -23.5, inputTp: -6.2, inputLra: 4, inputThresh: -34, targetOffset: 0 }, -14)).toBeNull();
    // A first pass that heard silence: nothing to normalize.
    expect(buildRenderGraph(snap, sources, { ...opts, loudnessTarget: -14, loudnessMeasured: null }).filterComplex).not.toContain('loudnorm');
  });

  it('renders only the range', () => {
    const snap = timeline(
      [track('v', 'video', 'a0'), track('t', 'title', 'a1')],
      [
        clip({ id: 'c', trackId: 'v', assetId: 'A', start: 0, in: 0, out: 3 }),
        clip({ id: 'late', trackId: 'v', assetId: 'B', start: 3, in: 0, out: 3 }),
        clip({ id: 'title', trackId: 't', start: 0, in: 0, out: 0.5, title: titleStyle('gone') })
      ]
    );
    const g = buildRenderGraph(snap, sources, { ...opts, range: { start: 1, end: 2 } });
    expect(g.duration).toBe(1);
    expect(g.frames).toBe(30);
    expect(g.inputs).toEqual([
      { file: '/media/a.mp4', options: ['-ss', '1', '-t', '1.5', '-an'] },
      { file: '/media/a.mp4', options: ['-ss', '1', '-t', '1.5', '-vn'] }
    ]);
    expect(g.filterComplex).not.toContain('drawtext');
    expect(g.filterComplex).not.toContain('adelay');
    // A range past the end is clamped to the timeline.
    expect(buildRenderGraph(snap, sources, { ...opts, range: { start: 5, end: 99 } }).duration).toBe(1);
    expect(buildRenderGraph(snap, sources, { ...opts, range: { start: 2, end: 2 } }).frames).toBe(1);
  });

  it('skips clips it cannot play and says why', () => {
    const g = buildRenderGraph(
      timeline(
        [track('v', 'video', 'a0')],
        [
          clip({ id: 'missing', trackId: 'v', assetId: 'nope', start: 0, in: 0, out: 2 }),
          clip({ id: 'backwards', trackId: 'v', assetId: 'A', start: 0, in: 2, out: 1 }),
          clip({ id: 'nan', trackId: 'v', assetId: 'A', start: Number.NaN, in: 0, out: 1 }),
          clip({ id: 'orphan', trackId: 'nowhere', assetId: 'A', start: 0, in: 0, out: 1 }),
          clip({ id: 'past', trackId: 'v', assetId: 'A', start: 0, in: 5, out: 6 }),
          clip({ id: 'untitled', trackId: 'v', start: 0, in: 0, out: 1 })
        ]
      ),
      { ...sources, broken: { input: '', duration: 1, hasVideo: true, hasAudio: true } },
      opts
    );
    expect(g.inputs).toEqual([]);
    expect(g.duration).toBe(1);
    expect(g.warnings).toHaveLength(6);
    expect(g.warnings.join('\n')).toMatch(/nope is missing/);
  });

  it('holds a still for as long as its clip', () => {
    const g = buildRenderGraph(timeline([track('v', 'video', 'a0')], [clip({ id: 'p', trackId: 'v', assetId: 'P', start: 0, in: 0, out: 5 })]), sources, opts);
    expect(g.duration).toBe(5);
    expect(g.inputs[0]!.options).toEqual(['-loop', '1', '-framerate', '30', '-t', '6']);
    expect(g.filterComplex).not.toContain(':a]');
  });

  it('applies transform, opacity, fades and keyframes', () => {
    const g = buildRenderGraph(
      timeline(
        [track('v', 'video', 'a0')],
        [
          clip({
            id: 'c',
            trackId: 'v',
            assetId: 'A',
            start: 0,
            in: 0,
            out: 4,
            opacity: 0.5,
            fadeIn: 0.5,
            fadeOut: 1,
            transform: { x: 960, y: -540, scale: 0.5, rotation: 90, crop: { top: 0.1, right: 0, bottom: 0.1, left: 0 } },
            keyframes: {
              volume: [
                { t: 0, value: 0, easing: 'linear' },
                { t: 2, value: 1, easing: 'ease-in' }
              ],
              scale: [
                { t: 1, value: 0.25, easing: 'ease-out' },
                { t: 3, value: 1, easing: 'linear' }
              ]
            }
          })
        ]
      ),
      sources,
      opts
    );
    const fc = g.filterComplex;
    expect(fc).toContain('crop=w=iw*1:h=ih*0.8:x=iw*0:y=ih*0.1');
    expect(fc).toContain('format=pix_fmts=yuva420p');
    expect(fc).toContain('lut=a=val*0.5');
    expect(fc).toContain('fade=t=in:st=0:d=0.5:alpha=1');
    expect(fc).toContain('fade=t=out:st=3:d=1:alpha=1');
    expect(fc).toContain('rotate=a=90*PI/180:ow=rotw(90*PI/180):oh=roth(90*PI/180):c=black@0');
    // Position in canvas pixels (1920 → 640: a third).
    expect(fc).toContain('overlay=x=(main_w-overlay_w)/2+(320):y=(main_h-overlay_h)/2+(-180)');
    // Scale keyframes: fitted at the largest scale, then per frame.
    expect(fc).toContain('eval=frame');
    expect(fc).toMatch(/scale=w=max\(2\\,trunc\(iw\*clip\(if\(lt/);
    expect(fc).toContain('volume=volume=max(0\\,if(lt((t-0)\\,0)\\,0\\,if(lt((t-0)\\,2)');
    expect(fc).toContain('afade=t=in:st=0:d=0.5');
    expect(fc).toContain('afade=t=out:st=3:d=1');
  });

  it('schedules keyframed opacity with sendcmd', () => {
    const g = buildRenderGraph(
      timeline(
        [track('v', 'video', 'a0')],
        [
          clip({
            id: 'c',
            trackId: 'v',
            assetId: 'A',
            start: 0,
            in: 0,
            out: 2,
            keyframes: {
              opacity: [
                { t: 0, value: 0, easing: 'linear' },
                { t: 1, value: 1, easing: 'linear' }
              ]
            }
          })
        ]
      ),
      sources,
      opts
    );
    const [cmd] = parseFilterArgs(g.filterComplex, 'sendcmd');
    const entries = cmd!.commands!.split(';');
    expect(entries.length).toBeGreaterThan(20);
    expect(entries[0]).toMatch(/^0 lut@op\d+ a val\*0$/);
    expect(entries.at(-1)).toMatch(/ a val\*1$/);
    expect(g.filterComplex).toMatch(/lut@op\d+=a=val\*0/);
  });

  it('quotes fractional frame rates as ffmpeg rationals', () => {
    const g = buildRenderGraph(timeline([], []), {}, { ...opts, fps: 29.97 });
    expect(g.filterComplex).toContain('r=30000/1001');
    expect(g.frames).toBe(30);
  });
});

function titleStyle(text: string, extra: Partial<NonNullable<ClipSnapshot['title']>> = {}): NonNullable<ClipSnapshot['title']> {
  return { text, font: 'Sans', size: 90, color: '#ffffff', box: null, x: 0.5, y: 0.5, animationIn: 'none', animationOut: 'none', ...extra };
}

describe('titles', () => {
  const tricky = [
    "Hello, World: 100% 'ok'",
    'back\\slash and \\n literal',
    '[label];next,filter=x',
    'two\nlines',
    '  padded  ',
    "it's 50% off: ok?",
    '%{pts} %{localtime}',
    "'''",
    '\\'
  ];

  it.each(tricky)('escapes %j so drawtext receives it unchanged', (text) => {
    const g = buildRenderGraph(
      timeline([track('t', 'title', 'a0')], [clip({ id: 't', trackId: 't', start: 0, in: 0, out: 2, title: titleStyle(text) })]),
      {},
      { ...opts, fontFile: "C:/Fonts/it's.ttf" }
    );
    const [args] = parseFilterArgs(g.filterComplex, 'drawtext');
    expect(args!.text).toBe(text);
    expect(args!.fontfile).toBe("C:/Fonts/it's.ttf");
    expect(args!.expansion).toBe('none');
  });

  it('round-trips any text through both escaping levels', () => {
    const chars = "ab \\':%[],;=\n\t{}@\"#";
    for (let i = 0; i < 200; i++) {
      let text = '';
      for (let j = 0; j < 12; j++) text += chars[(i * 7 + j * 13 + ((i * j) % 5)) % chars.length];
      const escaped = escapeDrawtext(text);
      const level1 = getToken(`${escaped}[out]`, 0, '[],;').token;
      expect(getToken(level1, 0, ':').token).toBe(text.replace(/\r\n?/g, '\n'));
    }
  });

  it('draws with the bundled font at its time, size, colour, box and animations', () => {
    const g = buildRenderGraph(
      timeline(
        [track('t', 'title', 'a0')],
        [
          clip({
            id: 't',
            trackId: 't',
            start: 1,
            in: 0,
            out: 3,
            title: titleStyle('Hi', { size: 120, color: '#ffcc00', box: { color: '#00000080', padding: 30 }, x: 0.25, y: 0.9, animationIn: 'slide-up', animationOut: 'fade' })
          })
        ]
      ),
      {},
      opts
    );
    const [args] = parseFilterArgs(g.filterComplex, 'drawtext');
    expect(args).toMatchObject({ fontfile: FONT, fontsize: '40', fontcolor: '0xFFCC00FF', box: '1', boxcolor: '0x00000080', boxborderw: '10' });
    expect(args!.enable).toBe(`gte(t,${num(1 - 0.5 / 30)})*lt(t,${num(4 - 0.5 / 30)})`);
    expect(args!.x).toBe('w*0.25-text_w/2+(0)');
    expect(args!.y).toContain('h*0.9-text_h/2+(0)+30*(1-');
    expect(args!.alpha).toContain('clip((t-1)/0.5,0,1)');
    expect(args!.alpha).toContain('clip((3-(t-1))/0.5,0,1)');
  });

  it('takes other fonts by name', () => {
    const g = buildRenderGraph(
      timeline([track('t', 'title', 'a0')], [clip({ id: 't', trackId: 't', start: 0, in: 0, out: 1, title: titleStyle('x', { font: 'Serif' }) })]),
      {},
      { ...opts, fonts: { Serif: '/fonts/serif.ttf' } }
    );
    expect(parseFilterArgs(g.filterComplex, 'drawtext')[0]!.fontfile).toBe('/fonts/serif.ttf');
  });

  it('skips titles without text', () => {
    const g = buildRenderGraph(timeline([track('t', 'title', 'a0')], [clip({ id: 't', trackId: 't', start: 0, in: 0, out: 1, title: titleStyle('   ') })]), {}, opts);
    expect(g.filterComplex).not.toContain('drawtext');
    expect(g.warnings.join()).toMatch(/no text/);
  });
});

describe('keyframes and colours', () => {
  const kfs = [
    { t: 1, value: 0, easing: 'ease-in' as const },
    { t: 3, value: 10, easing: 'linear' as const },
    { t: 4, value: 6, easing: 'linear' as const }
  ];

  it('holds outside, eases inside', () => {
    expect(keyframeValue(kfs, 0, 99)).toBe(0);
    expect(keyframeValue(kfs, 2, 99)).toBeCloseTo(2.5);
    expect(keyframeValue(kfs, 3.5, 99)).toBeCloseTo(8);
    expect(keyframeValue(kfs, 9, 99)).toBe(6);
    expect(keyframeValue([], 1, 99)).toBe(99);
  });

  it('writes the same curve as an ffmpeg expression', () => {
    const expr = keyframeExpr(kfs, 'T', 2);
    expect(expr).toBe('if(lt(T,1),0,if(lt(T,3),0+20*((T-1)/2)*((T-1)/2),if(lt(T,4),20+-8*(T-3)/1,12)))');
    // Evaluate it the way ffmpeg would, for a few times.
    const evaluate = (t: number) =>
      Function('T', `const lt=(a,b)=>a<b?1:0; const iff=(c,a,b)=>c?a:b; return ${expr.replace(/if\(/g, 'iff(')};`)(t) as number;
    for (const t of [0, 1.5, 2, 2.9, 3.2, 5]) expect(evaluate(t)).toBeCloseTo(2 * keyframeValue(kfs, t, 0), 9);
  });

  it('reads CSS colours', () => {
    expect(ffmpegColor('#fff')).toBe('0xFFFFFFFF');
    expect(ffmpegColor('#11223344')).toBe('0x11223344');
    expect(ffmpegColor('rgba(255, 0, 0, 0.5)')).toBe('0xFF000080');
    expect(ffmpegColor('Black')).toBe('0x000000FF');
    expect(ffmpegColor('not-a-colour', '123456')).toBe('0x123456FF');
    expect(ffmpegColor(undefined)).toBe('0xFFFFFFFF');
  });
});

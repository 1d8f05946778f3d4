import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyClips, pasteClips, type TimelineClipboard } from '$lib/editor/model/timeline/operations';
import { CLIPBOARD_MIME, encodeClipboard, MAX_CLIPBOARD_CLIPS, parseClipboard } from '$lib/timeline/clipboard';
import { counterIds, DURATIONS, fixtureProject } from '../helpers/timeline';

// Whatever is on the system clipboard may come from any page or person: parsed as hostile input.
const PROJECT = 'p_here';
const snapshot = () => fixtureProject().timeline.snapshot(DURATIONS);

function copied(ids: string[]): TimelineClipboard {
  const clipboard = copyClips(snapshot(), ids);
  if (!clipboard) throw new Error('nothing copied');
  return clipboard;
}

const parsedOk = (text: string, project = PROJECT) => {
  const r = parseClipboard(text, project);
  if (!r?.ok) throw new Error(`not parsed: ${JSON.stringify(r)}`);
  return r.clipboard;
};

describe('clipboard JSON', () => {
  it('round-trips copied clips and pastes them through the real operation', () => {
    const clipboard = copied(['c1', 'c2']);
    const back = parsedOk(encodeClipboard(clipboard, PROJECT));
    expect(back).toEqual(clipboard);
    const s = snapshot();
    const result = pasteClips(s, { clipboard: back, trackId: 'v2', start: 20 }, { assetDurations: DURATIONS, newId: counterIds('p') });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.created).toHaveLength(2);
    expect(CLIPBOARD_MIME).toBe('application/x-airstudio-clips');
  });

  it('ignores text that is not ours (a sentence, other JSON, broken JSON)', () => {
    for (const text of [undefined, null, '', 'hello', '{"a":1}', '[1,2]', 'airstudio.timeline-clips', '{"marker":"airstudio.timeline-clips"', '{"marker":"other","x":"airstudio.timeline-clips"}']) {
      expect(parseClipboard(text, PROJECT)).toBeNull();
    }
  });

  it('refuses our marker with a broken body, and never throws', () => {
    const good = JSON.parse(encodeClipboard(copied(['c1']), PROJECT));
    const titled = JSON.parse(encodeClipboard(copied(['tt']), PROJECT));
    expect(parseClipboard(JSON.stringify(titled), PROJECT)?.ok).toBe(true);
    const broken = [
      { ...good, version: 2 },
      { ...good, clips: [] },
      { ...good, clips: 'c1' },
      { ...good, clips: [{ ...good.clips[0], track: -1 }] },
      { ...good, clips: [{ ...good.clips[0], track: 1.5 }] },
      { ...good, clips: [{ ...good.clips[0], kind: 'hologram' }] },
      { ...good, clips: [{ ...good.clips[0], clip: { ...good.clips[0].clip, start: -5 } }] },
      { ...good, clips: [{ ...good.clips[0], clip: { ...good.clips[0].clip, id: '../../etc' } }] },
      { ...good, clips: [{ ...good.clips[0], clip: { ...good.clips[0].clip, speed: 0 } }] },
      { ...good, clips: [{ ...good.clips[0], clip: { ...good.clips[0].clip, out: 'NaN' } }] },
      // The same clip twice would paste two clips from one id map.
      { ...good, clips: [good.clips[0], good.clips[0]] },
      // Neither media nor title; and a title claimed to come from a video track.
      { ...good, clips: [{ ...good.clips[0], clip: { ...good.clips[0].clip, assetId: null, title: null } }] },
      { ...titled, clips: [{ ...titled.clips[0], kind: 'video' }] },
      { ...good, transitions: [{ id: 't1', fromClipId: 'c1', toClipId: 'c1', kind: 'fade', duration: 1 }] }
    ];
    for (const payload of broken) {
      const r = parseClipboard(JSON.stringify(payload), PROJECT);
      expect(r?.ok, JSON.stringify(payload).slice(0, 200)).toBe(false);
    }
    // 1e999 parses as Infinity: not a finite time.
    const infinite = encodeClipboard(copied(['c1']), PROJECT).replace('"start":0', '"start":1e999');
    expect(parseClipboard(infinite, PROJECT)?.ok).toBe(false);
  });

  it('does not trust the span it is told, nor keep keys it does not know', () => {
    const payload = JSON.parse(encodeClipboard(copied(['c2']), PROJECT));
    payload.start = -1000;
    payload.end = 1e12;
    payload.clips[0].clip.evil = '<script>';
    payload.__proto__ = { polluted: true };
    const clipboard = parsedOk(JSON.stringify(payload));
    expect(clipboard.start).toBe(5);
    expect(clipboard.end).toBe(10);
    expect(clipboard.clips[0].clip).not.toHaveProperty('evil');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('drops transitions to clips that were not copied', () => {
    const payload = JSON.parse(encodeClipboard(copied(['c1', 'c2']), PROJECT));
    payload.transitions = [
      { id: 't1', fromClipId: 'c1', toClipId: 'c2', kind: 'fade', duration: 1 },
      { id: 't2', fromClipId: 'c2', toClipId: 'zz', kind: 'fade', duration: 1 }
    ];
    expect(parsedOk(JSON.stringify(payload)).transitions.map((t) => t.id)).toEqual(['t1']);
  });

  it('pastes media only into the project it was copied from; titles go anywhere', () => {
    const media = encodeClipboard(copied(['c1']), 'p_other');
    expect(parseClipboard(media, PROJECT)).toEqual({ ok: false, reason: expect.stringContaining('only into the project') });
    const title = encodeClipboard(copied(['tt']), 'p_other');
    expect(parsedOk(title).clips[0].clip.title?.text).toBe('Hello');
  });

  it('refuses more clips than a person copies, and huge text before parsing it', () => {
    const payload = JSON.parse(encodeClipboard(copied(['tt']), PROJECT));
    payload.clips = Array.from({ length: MAX_CLIPBOARD_CLIPS + 1 }, (_, i) => ({ ...payload.clips[0], clip: { ...payload.clips[0].clip, id: `t${i}` } }));
    expect(parseClipboard(JSON.stringify(payload), PROJECT)?.ok).toBe(false);
    const huge = `{"marker":"airstudio.timeline-clips","pad":"${'x'.repeat(5_000_000)}"}`;
    expect(parseClipboard(huge, PROJECT)).toEqual({ ok: false, reason: expect.any(String) });
  });

  it('never throws on arbitrary text or JSON carrying the marker', () => {
    fc.assert(
      fc.property(fc.string(), fc.jsonValue(), (text, value) => {
        parseClipboard(text, PROJECT);
        parseClipboard(`airstudio.timeline-clips${text}`, PROJECT);
        const r = parseClipboard(JSON.stringify({ marker: 'airstudio.timeline-clips', version: 1, projectId: PROJECT, clips: value, transitions: value }), PROJECT);
        expect(r === null || r.ok === false || r.clipboard.clips.length > 0).toBe(true);
      }),
      { numRuns: 300 }
    );
  });
});

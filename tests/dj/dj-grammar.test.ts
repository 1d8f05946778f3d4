import { describe, expect, it } from 'vitest';
import { seededRandom, templateLine, type LineContext } from '../../workers/dj/dj-grammar';

const context = (over: Partial<LineContext> = {}): LineContext => ({
  kind: 'intro',
  channel: 'Tone FM',
  dj: 'Nova',
  title: 'Blue Hour',
  artist: 'The Waves',
  uploader: 'mia',
  description: 'Recorded live at dawn',
  timeOfDay: 'evening',
  previous: { title: 'Red Sky', artist: 'Ember' },
  next: { title: 'Green Light', artist: '' },
  ...over
});

describe('the DJ template grammar', () => {
  it('varies: 40 lines for one item hold at least 15 different texts, each naming the item', () => {
    const random = seededRandom(7);
    const lines = Array.from({ length: 40 }, () => templateLine(context(), random));
    expect(new Set(lines).size).toBeGreaterThanOrEqual(15);
    for (const l of lines) {
      expect(l).toContain('"Blue Hour"');
      expect(l).toMatch(/^[A-Z"]/);
    }
  });

  it('fills every symbol: no #symbol#, no ((missing)) and no empty sentences, whatever metadata is missing', () => {
    const random = seededRandom(11);
    const sparse = [context(), context({ artist: '', uploader: '', description: '', previous: null, next: null }), context({ title: '', dj: '', channel: '' }), context({ kind: 'station-id' })];
    for (const c of sparse) {
      for (let i = 0; i < 30; i++) {
        const l = templateLine(c, random);
        expect(l).not.toMatch(/#|\(\(|\)\)/);
        expect(l).not.toMatch(/\.\s*\./);
        expect(l.length).toBeGreaterThan(10);
      }
    }
  });

  it('uses the metadata: time of day, what played before, the uploader and the description all appear across lines', () => {
    const random = seededRandom(3);
    const text = Array.from({ length: 80 }, () => templateLine(context({ timeOfDay: 'morning' }), random)).join('\n');
    expect(text).toMatch(/morning|coffee|day gets going/);
    expect(text).toContain('Red Sky');
    expect(text).toContain('mia');
    expect(text).toContain('Recorded live at dawn');
    expect(text).toContain('The Waves');
  });

  it("says the channel's name in station IDs", () => {
    const random = seededRandom(5);
    for (let i = 0; i < 20; i++) expect(templateLine(context({ kind: 'station-id' }), random)).toContain('Tone FM');
  });

  it('takes hostile metadata as words: tracery syntax in a title cannot inject symbols or actions', () => {
    const random = seededRandom(9);
    for (let i = 0; i < 20; i++) {
      const l = templateLine(context({ title: '#origin# [x:#hello#] \\ {y}', artist: '#dj#' }), random);
      expect(l).not.toMatch(/[#[\]{}\\]/);
      expect(l).toContain('origin');
    }
  });

  it('does not repeat the previous line when another can be found', () => {
    const random = seededRandom(1);
    let last = templateLine(context(), random);
    for (let i = 0; i < 30; i++) {
      const next = templateLine(context(), random, [last]);
      expect(next).not.toBe(last);
      last = next;
    }
  });
});

import { describe, expect, it } from 'vitest';
import { planPlayout, validatePlan } from '$lib/editor/model/schedule/playout-plan';
import { addPlaylistItems } from '$lib/editor/model/playlist/operations';
import { bufferState, chunksPerPrompt, chunksToStart, DEFAULT_GENERATOR_CONFIG, DEFAULT_THRESHOLDS, generationSpeed, generatorConfigSchema, nextChunk, type BufferState, type ChunkPlace } from '$lib/generator';
import { at, inputOf, playlistsOf, scheduleOf, SEC, songs } from '../helpers/station';

describe('buffer state by hours of generated audio ahead of air', () => {
  it('moves down the states as hours are consumed and back up as chunks are added', () => {
    let hours = 30;
    const seen: BufferState[] = [];
    // Air consumes an hour at a time with nothing generated.
    while (hours > 0) {
      const s = bufferState(hours);
      if (seen[seen.length - 1] !== s) seen.push(s);
      hours -= 1;
    }
    expect(seen).toEqual(['HEALTHY', 'WARNING', 'CRITICAL', 'EMERGENCY', 'DEPLETED']);
    // Three-minute chunks added from empty climb back through every state.
    const up: BufferState[] = [];
    for (let h = 0; h <= 25; h += 180 / 3600) {
      const s = bufferState(h);
      if (up[up.length - 1] !== s) up.push(s);
    }
    expect(up).toEqual(['DEPLETED', 'EMERGENCY', 'CRITICAL', 'WARNING', 'HEALTHY']);
  });

  it('puts the boundaries where the issue says: >24 healthy, 12–24 warning, 6–12 critical, 2–6 emergency, <2 depleted', () => {
    expect([24.01, 24, 12, 11.99, 6, 5.99, 2, 1.99, 0].map((h) => bufferState(h))).toEqual(['HEALTHY', 'WARNING', 'WARNING', 'CRITICAL', 'CRITICAL', 'EMERGENCY', 'EMERGENCY', 'DEPLETED', 'DEPLETED']);
  });

  it('follows configured thresholds', () => {
    const t = { healthy: 2, warning: 1, critical: 0.5, emergency: 0.1 };
    expect([3, 1.5, 0.7, 0.2, 0.05].map((h) => bufferState(h, t))).toEqual(['HEALTHY', 'WARNING', 'CRITICAL', 'EMERGENCY', 'DEPLETED']);
  });

  it('refuses thresholds that do not fall', () => {
    const r = generatorConfigSchema.safeParse({ ...DEFAULT_GENERATOR_CONFIG, thresholds: { ...DEFAULT_THRESHOLDS, warning: 30 } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toMatch(/must fall/);
  });
});

describe('pacing by state', () => {
  it('starts nothing when healthy, one at a time on warning, flat out below', () => {
    expect(chunksToStart('HEALTHY', 0, 3)).toBe(0);
    expect(chunksToStart('WARNING', 0, 3)).toBe(1);
    expect(chunksToStart('WARNING', 1, 3)).toBe(0);
    for (const s of ['CRITICAL', 'EMERGENCY', 'DEPLETED'] as const) {
      expect(chunksToStart(s, 0, 3)).toBe(3);
      expect(chunksToStart(s, 2, 3)).toBe(1);
      expect(chunksToStart(s, 3, 3)).toBe(0);
    }
  });
});

describe('rotation by content time', () => {
  it('plays each prompt for rotateSeconds of content, then the next, wrapping around', () => {
    const config = { prompts: ['a', 'b', 'c'], rotateSeconds: 3600, chunkSeconds: 600 };
    expect(chunksPerPrompt(config)).toBe(6);
    const chunks: ChunkPlace[] = [];
    for (let i = 0; i < 20; i++) chunks.push(nextChunk(chunks, config));
    expect(chunks.map((c) => c.promptIndex)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 0, 0]);
    expect(chunks.every((c) => c.duration === 600)).toBe(true);
  });

  it('cuts the last chunk of a prompt short so the change falls on the hour', () => {
    const config = { prompts: ['a', 'b'], rotateSeconds: 3600, chunkSeconds: 1000 };
    const chunks: ChunkPlace[] = [];
    for (let i = 0; i < 5; i++) chunks.push(nextChunk(chunks, config));
    expect(chunks).toEqual([
      { promptIndex: 0, duration: 1000 },
      { promptIndex: 0, duration: 1000 },
      { promptIndex: 0, duration: 1000 },
      { promptIndex: 0, duration: 600 },
      { promptIndex: 1, duration: 1000 }
    ]);
  });

  it('measures speed as content over wall time of the chunks measured', () => {
    expect(generationSpeed([])).toBeNull();
    expect(generationSpeed([{ duration: 180, generationSeconds: 6 }, { duration: 180, generationSeconds: 12 }, { duration: 60, generationSeconds: null }])).toBe(20);
  });
});

describe('the plan of a generated playlist: item prompts and the break at each rotation', () => {
  it('airs the chunks in order with a 3-second break exactly where the prompt changes', () => {
    // Six 10-minute chunks, two prompts rotating every 30 minutes of content, as the generator appends them.
    const assets = songs('c', 6, 600);
    let playlists = playlistsOf([{ id: 'gen', kind: 'generated', playback: 'sequential', assets: [] }]);
    const config = { prompts: ['calm piano', 'sitar and tabla'], rotateSeconds: 1800, chunkSeconds: 600 };
    const made: ChunkPlace[] = [];
    for (let i = 0; i < 6; i++) {
      const next = nextChunk(made, config);
      made.push(next);
      const r = addPlaylistItems(playlists, { playlistId: 'gen', assetIds: [`c${i + 1}`], assets, prompt: config.prompts[next.promptIndex] });
      if (!r.ok) throw new Error(r.reason);
      for (const ch of r.changes) if (ch.op === 'insert' && ch.kind === 'item') playlists = { ...playlists, items: [...playlists.items, ch.record as (typeof playlists.items)[number]] };
    }
    const input = inputOf({ playlists, schedule: scheduleOf([], { timezone: 'UTC', rotation: [{ playlistId: 'gen', weight: 1 }] }), assets, at: at('2026-01-05T00:00:00Z'), count: 7 });
    const items = planPlayout(input);
    expect(validatePlan(items, input)).toEqual([]);
    expect(items.map((i) => (i.kind === 'break' ? 'break' : i.assetId))).toEqual(['c1', 'c2', 'c3', 'break', 'c4', 'c5', 'c6']);
    const br = items[3];
    expect(br.reason).toBe('generator prompt change');
    expect(br.end - br.start).toBe(3 * SEC);
    expect(items.filter((i) => i.kind === 'track').map((i) => i.prompt)).toEqual(['calm piano', 'calm piano', 'calm piano', 'sitar and tabla', 'sitar and tabla', 'sitar and tabla']);
  });
});

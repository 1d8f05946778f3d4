import { describe, expect, it } from 'vitest';
import { parseToolCall } from '$lib/editor/assistant/assistant-tools';
import { COMMAND_EXAMPLES, parseCommand, parseTime } from '$lib/editor/assistant/command-language';

// The command language the assistant answers with when no language model is configured.
describe('assistant command language', () => {
  it.each([
    ['add 3 lofi tracks to Morning Mix', 'add_to_playlist', { playlist: 'Morning Mix', query: 'lofi', count: 3 }],
    ['Add two jazz songs to the playlist "Late Night"', 'add_to_playlist', { playlist: 'Late Night', query: 'jazz', count: 2 }],
    ['add a track to Morning Mix', 'add_to_playlist', { playlist: 'Morning Mix', query: '', count: 1 }],
    ['add lofi to Morning Mix.', 'add_to_playlist', { playlist: 'Morning Mix', query: 'lofi', count: 1 }],
    ['queue 12 chill beats items into Drive Time playlist', 'add_to_playlist', { playlist: 'Drive Time', query: 'chill beats', count: 12 }],
    ['remove Rain Song from Morning Mix', 'remove_from_playlist', { playlist: 'Morning Mix', query: 'Rain Song' }],
    ['delete "Old jingle" from the playlist IDs', 'remove_from_playlist', { playlist: 'IDs', query: 'Old jingle' }],
    ['move Breakfast Show to Tuesday 09:00', 'move_show', { show: 'Breakfast Show', day: 'tuesday', time: '09:00' }],
    ['move the show Late Night to friday at 11pm', 'move_show', { show: 'Late Night', day: 'friday', time: '23:00' }],
    ['split at 00:12', 'split_at', { time: 12 }],
    ['cut at 1:02:03.5', 'split_at', { time: 3723.5 }],
    ['split the clips at 12s', 'split_at', { time: 12 }],
    ['trim Intro to 00:05-00:20', 'trim_clip', { clip: 'Intro', start: 5, end: 20 }],
    ['trim "Main interview" to 5s – 1m30s', 'trim_clip', { clip: 'Main interview', start: 5, end: 90 }],
    ['add title "Hello" at 00:03', 'add_title', { text: 'Hello', at: 3 }],
    ['add title “Live from Berlin” at 0:10 for 5s', 'add_title', { text: 'Live from Berlin', at: 10, duration: 5 }],
    ['render 1080p', 'render', { resolution: '1080p' }],
    ['Render the timeline at 720p', 'render', { resolution: '720p' }],
    ['render', 'render', { resolution: '1080p' }],
    ['run cleanup on Interview', 'run_tool', { tool: 'cleanup', asset: 'Interview' }],
    ['run clean up on "Street noise take 2"', 'run_tool', { tool: 'cleanup', asset: 'Street noise take 2' }],
    ['start the captions tool on Episode 4', 'run_tool', { tool: 'captions', asset: 'Episode 4' }],
    ['note kitchen: remove the fridge magnets', 'brief_note', { photos: 'kitchen', note: 'remove the fridge magnets' }],
    ['add a note to photo 3: warmer light, add a plant', 'brief_note', { photos: '3', note: 'warmer light, add a plant' }],
    ['Staging note for all: declutter every surface', 'brief_note', { photos: 'all', note: 'declutter every surface' }]
  ])('reads %j as %s', (sentence, tool, args) => {
    const parsed = parseCommand(sentence);
    expect(parsed).toEqual({ kind: 'call', tool, args });
    // What the language reads is a valid call of the same catalogue a language model uses.
    expect(parseToolCall(tool, args).ok).toBe(true);
  });

  it('answers help with every example, and labels itself as the command language', () => {
    for (const ask of ['help', '?', 'What can you do?', '']) {
      const r = parseCommand(ask);
      expect(r.kind).toBe('help');
      if (r.kind === 'help') {
        expect(r.text).toMatch(/no language model is configured/);
        for (const e of COMMAND_EXAMPLES) expect(r.text).toContain(e);
      }
    }
  });

  it('every documented example parses (help aside)', () => {
    for (const e of COMMAND_EXAMPLES.filter((x) => x !== 'help')) expect(parseCommand(e).kind).toBe('call');
  });

  it.each(['make it pop', 'split at noon', 'split at 1:75', 'trim Intro to soon-later', 'run magic on Interview', 'render 4k'])('explains what it did not understand: %j', (sentence) => {
    const r = parseCommand(sentence);
    expect(r.kind).toBe('unknown');
    if (r.kind === 'unknown') expect(r.text.length).toBeGreaterThan(20);
  });

  it('refuses out-of-range arguments through the catalogue with a reason', () => {
    const big = parseCommand('add 500 lofi tracks to Morning Mix');
    expect(big.kind).toBe('call');
    if (big.kind === 'call') expect(parseToolCall(big.tool, big.args)).toEqual({ ok: false, error: 'add_to_playlist: count: count must be at most 50' });
    const backwards = parseCommand('trim Intro to 00:20-00:05');
    if (backwards.kind === 'call') expect(parseToolCall(backwards.tool, backwards.args)).toMatchObject({ ok: false, error: expect.stringMatching(/end must be after start/) });
    else expect.fail('trim should parse');
  });

  it('reads times', () => {
    expect(parseTime('00:12')).toBe(12);
    expect(parseTime('1:02:03')).toBe(3723);
    expect(parseTime('12.5s')).toBe(12.5);
    expect(parseTime('2m')).toBe(120);
    expect(parseTime('1:60')).toBeNull();
    expect(parseTime('soon')).toBeNull();
  });
});

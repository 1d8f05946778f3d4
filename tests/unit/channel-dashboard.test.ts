import { describe, expect, it } from 'vitest';
import type { LiveHealth, LiveOutputHealth, LiveStatus, NowPlayingView } from '../../src/lib/live';
import { alertsOf, outputText } from '../../src/lib/station/channel-dashboard.svelte';

const NOW = 1_800_000_000_000;
const output = (over: Partial<LiveOutputHealth> = {}): LiveOutputHealth => ({ name: 'hls', kind: 'hls', state: 'connected', nextAttemptAt: null, lastError: null, restarts: 0, stalls: 0, ...over });
const status = (health: Partial<LiveHealth> | null, state: LiveStatus['state'] = 'on-air'): LiveStatus => ({
  channelId: 'c1',
  state,
  message: null,
  jobId: 'j1',
  hlsUrl: null,
  health: health && { silent: false, emergency: false, message: null, outputs: [], at: NOW, ...health }
});
const playing = (kind: 'track' | 'fallback'): NowPlayingView => ({
  channel: { name: 'FM', slug: 'fm' },
  live: true,
  now: { title: 'Song', artist: '', assetId: 'a1', kind, startedAt: NOW, duration: 60 },
  next: [],
  listeners: 0
});

describe('the channel dashboard alerts', () => {
  it('are empty for a healthy station, and name each problem in plain words', () => {
    expect(alertsOf(status({ outputs: [output()] }), playing('track'), NOW)).toEqual([]);
    expect(alertsOf(null, null, NOW)).toEqual([]);

    const bad = alertsOf(
      status({
        silent: true,
        emergency: true,
        message: 'Dead air: 12.0 s of silence outside a planned break',
        outputs: [output(), output({ name: 'icecast 127.0.0.1:9/x.mp3', state: 'retrying', lastError: 'Connection refused', nextAttemptAt: NOW + 4_200, restarts: 3 }), output({ name: 'rtmp Hanging', stalls: 2 })]
      }),
      playing('fallback'),
      NOW
    );
    expect(bad.map((a) => a.key)).toEqual(['silent', 'emergency', 'fallback', 'output:icecast 127.0.0.1:9/x.mp3', 'output:rtmp Hanging']);
    expect(bad[0]!.text).toBe('Dead air: 12.0 s of silence outside a planned break.');
    expect(alertsOf(status({ silent: true }), null, NOW)[0]!.text).toBe('Dead air: the output is silent outside a planned break.');
    expect(bad[2]!.text).toMatch(/^Fallback playlist in use/);
    expect(bad[3]!.text).toBe('Output icecast 127.0.0.1:9/x.mp3 is down: retrying after “Connection refused”; next attempt in 5 s.');
    expect(bad[4]!.text).toBe('Output rtmp Hanging stalled 2 times (restarted by itself).');
  });

  it('say why a channel failed, and ignore a fallback item once it is off air', () => {
    expect(alertsOf({ ...status(null, 'error'), message: 'No worker runs channel.live' }, null, NOW)).toEqual([{ key: 'error', text: 'The live output failed: No worker runs channel.live.' }]);
    expect(alertsOf(status(null, 'off-air'), playing('fallback'), NOW)).toEqual([]);
  });

  it('name a depleted generated music buffer, on air or off, and nothing while it is healthier or the generator is off', () => {
    const buffer = { enabled: true, state: 'DEPLETED' as const, hoursBuffered: 1.234, depletedBelowHours: 2 };
    const text = 'Generated music buffer depleted: 1.2 h ahead (under 2 h); when it runs out the air falls back to the rest of the rotation, the fallback playlist, then the station ID.';
    expect(alertsOf(status({ outputs: [output()] }), playing('track'), NOW, buffer)).toEqual([{ key: 'generator', text }]);
    expect(alertsOf(status(null, 'off-air'), null, NOW, buffer)).toEqual([{ key: 'generator', text }]);
    expect(alertsOf(status(null, 'off-air'), null, NOW, { ...buffer, state: 'EMERGENCY', hoursBuffered: 2.5 })).toEqual([]);
    expect(alertsOf(status(null, 'off-air'), null, NOW, { ...buffer, enabled: false })).toEqual([]);
  });

  it('describe each output state', () => {
    expect(outputText(output(), NOW)).toBe('connected');
    expect(outputText(output({ state: 'starting', stalls: 1 }), NOW)).toBe('connecting; stalled 1 time and restarted');
    expect(outputText(output({ state: 'retrying', nextAttemptAt: NOW - 10 }), NOW)).toBe('retrying; trying again now');
    expect(outputText(output({ state: 'stopped' }), NOW)).toBe('stopped');
  });
});

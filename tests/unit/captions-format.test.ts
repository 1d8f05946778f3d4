import { describe, expect, it } from 'vitest';
import { alignToSpeech, cuesFromUtterances, toSrt, toWebVtt } from '$lib/captions';
import { parseAsrMetadata } from '../../workers/tool/captions';

// The captions tool's pure parts: ffmpeg's ametadata print-out read into timed utterances, utterances cut into cues,
// and the cues written as WebVTT and SRT.
describe('captions', () => {
  it('times each asr utterance by the silences around it, and the last one by the silence the padding adds', () => {
    // As ffmpeg 5.1 printed it for silence, a sentence, silence, the sentence again, and the trailing pad.
    const printed = [
      'frame:4    pts:4080    pts_time:0.255',
      'lavfi.silence_start=0',
      'frame:27   pts:27632   pts_time:1.727',
      'lavfi.silence_end=1.74094',
      'lavfi.silence_duration=1.74094',
      'frame:82   pts:83952   pts_time:5.247',
      'lavfi.silence_start=5.00713',
      'frame:85   pts:87024   pts_time:5.439',
      'lavfi.asr.text=hello world this as the morning show on air stadium radio',
      'frame:108  pts:110576  pts_time:6.911',
      'lavfi.silence_end=6.93094',
      'lavfi.silence_duration=1.92381',
      'frame:130  pts:133000  pts_time:8.3',
      'lavfi.asr.text=',
      'frame:164  pts:166080  pts_time:10.38',
      'lavfi.silence_start=10.1971',
      'frame:165  pts:170176  pts_time:10.636',
      'lavfi.asr.text=hello world this is the morning show on air studio radio'
    ].join('\n');
    expect(parseAsrMetadata(printed, 10.38)).toEqual([
      { start: 1.74094, end: 5.00713, text: 'hello world this as the morning show on air stadium radio' },
      { start: 6.93094, end: 10.1971, text: 'hello world this is the morning show on air studio radio' }
    ]);
  });

  it('an utterance with no pause before its emission ends where asr emitted it, and never past the end of the sound', () => {
    const printed = ['frame:1 pts:1 pts_time:0.5', 'lavfi.silence_start=0', 'lavfi.silence_end=0.5', 'frame:9 pts:9 pts_time:3.2', 'lavfi.asr.text=no pause here', 'frame:12 pts:12 pts_time:6.4', 'lavfi.asr.text=and on'].join('\n');
    expect(parseAsrMetadata(printed, 5)).toEqual([
      { start: 0.5, end: 3.2, text: 'no pause here' },
      { start: 3.2, end: 5, text: 'and on' }
    ]);
  });

  it('a pause asr did not split at stays inside the utterance; one it split at starts the next after it', () => {
    const printed = [
      'frame:1 pts:1 pts_time:0.3', 'lavfi.silence_start=0',
      'frame:2 pts:2 pts_time:1', 'lavfi.silence_end=1',
      'frame:3 pts:3 pts_time:3.3', 'lavfi.silence_start=3',
      'frame:4 pts:4 pts_time:3.4', 'lavfi.silence_end=3.4',
      'frame:5 pts:5 pts_time:5.3', 'lavfi.silence_start=5',
      'frame:6 pts:6 pts_time:5.5', 'lavfi.asr.text=one pause inside',
      'frame:7 pts:7 pts_time:6', 'lavfi.silence_end=6',
      'frame:8 pts:8 pts_time:7.3', 'lavfi.silence_start=7',
      'frame:9 pts:9 pts_time:7.35', 'lavfi.asr.text=split here',
      'frame:10 pts:10 pts_time:7.4', 'lavfi.silence_end=7.4',
      'frame:11 pts:11 pts_time:9.3', 'lavfi.silence_start=9',
      'frame:12 pts:12 pts_time:9.6', 'lavfi.asr.text=last'
    ].join('\n');
    expect(parseAsrMetadata(printed, 12)).toEqual([
      { start: 1, end: 5, text: 'one pause inside' },
      { start: 6, end: 7, text: 'split here' },
      { start: 7.4, end: 9, text: 'last' }
    ]);
  });

  it('cuts a long utterance into cues of two lines at most, sharing its time by length, with no gaps', () => {
    const words = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty twenty-one twenty-two';
    const cues = cuesFromUtterances([{ start: 10, end: 20, text: `  ${words}  ` }, { start: 21, end: 21, text: 'no time' }, { start: 22, end: 23, text: ' ' }]);
    expect(cues.length).toBe(2);
    expect(cues[0]!.start).toBe(10);
    expect(cues[0]!.end).toBe(cues[1]!.start);
    expect(cues[1]!.end).toBe(20);
    for (const c of cues) {
      const lines = c.text.split('\n');
      expect(lines.length).toBeLessThanOrEqual(2);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(42);
    }
    expect(cues.map((c) => c.text.replace(/\n/g, ' ')).join(' ')).toBe(words);
  });

  it('writes WebVTT with its markup characters escaped, and SRT with comma milliseconds', () => {
    const cues = [
      { start: 0.5, end: 2.25, text: 'rock & roll <live>' },
      { start: 3661.001, end: 3662, text: 'an hour -->\nlater' }
    ];
    expect(toWebVtt(cues)).toBe('WEBVTT\n\n1\n00:00:00.500 --> 00:00:02.250\nrock &amp; roll &lt;live&gt;\n\n2\n01:01:01.001 --> 01:01:02.000\nan hour --&gt;\nlater\n');
    expect(toSrt(cues)).toBe('1\n00:00:00,500 --> 00:00:02,250\nrock & roll <live>\n\n2\n01:01:01,001 --> 01:01:02,000\nan hour ->\nlater\n');
  });

  it('snaps utterance edges to detected speech within half a second, never across a neighbour or inside out', () => {
    const utterances = [
      { start: 1.3, end: 3.0, text: 'one' },
      { start: 3.1, end: 5.0, text: 'two' },
      { start: 8.0, end: 9.0, text: 'three' }
    ];
    const speech = [
      { start: 1.0, end: 3.2 },
      { start: 3.05, end: 5.4 },
      // Further than half a second from 8 and 9: left alone.
      { start: 7.2, end: 9.6 }
    ];
    const { utterances: aligned, moved } = alignToSpeech(utterances, speech);
    expect(aligned.map((u) => [u.start, u.end, u.text])).toEqual([
      // 3.2 would pass the next utterance's start (3.1): the end stays.
      [1.0, 3.0, 'one'],
      [3.05, 5.4, 'two'],
      [8.0, 9.0, 'three']
    ]);
    expect(moved).toBe(3);
    // The input is not changed.
    expect(utterances[0]!.start).toBe(1.3);
    expect(alignToSpeech(utterances, []).moved).toBe(0);
  });
});

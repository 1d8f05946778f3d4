import { describe, expect, it } from 'vitest';
import { ChatFanout } from '../../src/lib/server/chat/chat-fanout';
import type { ChatMessageView } from '../../src/lib/channel';

const msg = (body: string): ChatMessageView => ({ id: body, name: 'n', role: 'guest', body, at: new Date().toISOString() }) as ChatMessageView;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('chat fan-out batching', () => {
  it('a quiet room gets each message at once; a busy one gets them together once per window', async () => {
    const sent: [string, string[]][] = [];
    const fanout = new ChatFanout((room, ms) => sent.push([room, ms.map((m) => m.body)]), 40);
    fanout.message('a', msg('1'));
    expect(sent).toEqual([['a', ['1']]]);
    fanout.message('a', msg('2'));
    fanout.message('a', msg('3'));
    fanout.message('b', msg('x'));
    expect(sent).toEqual([['a', ['1']], ['b', ['x']]]);
    await sleep(70);
    expect(sent).toEqual([['a', ['1']], ['b', ['x']], ['a', ['2', '3']]]);
    // After a window with nothing in it, the room is quiet again: the next message is not held.
    await sleep(120);
    fanout.message('a', msg('4'));
    expect(sent.at(-1)).toEqual(['a', ['4']]);
  });

  it('flush sends what waits before another event, and nothing twice', async () => {
    const sent: string[][] = [];
    const fanout = new ChatFanout((_room, ms) => sent.push(ms.map((m) => m.body)), 40);
    fanout.message('a', msg('1'));
    fanout.message('a', msg('2'));
    fanout.flush('a');
    fanout.flush('a');
    expect(sent).toEqual([['1'], ['2']]);
    await sleep(70);
    expect(sent).toEqual([['1'], ['2']]);
  });

  it('a window of 0 sends every message by itself', () => {
    const sent: string[][] = [];
    const fanout = new ChatFanout((_room, ms) => sent.push(ms.map((m) => m.body)), 0);
    for (const b of ['1', '2', '3']) fanout.message('a', msg(b));
    expect(sent).toEqual([['1'], ['2'], ['3']]);
  });
});

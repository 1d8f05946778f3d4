import { expect } from 'vitest';
import { userOrigin } from '$lib/editor/model/origin';
import type { Rng } from './prng';
import type { YClient } from './yclient';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Inserts `count` unique tokens like `[a17]` at random token boundaries (never inside another token, so each
 * stays intact whatever the other client does), pausing between edits; records each token as it is made.
 */
export async function editStream(c: YClient, tag: string, rng: Rng, count: number, made: string[], pauseMs = 8): Promise<void> {
  for (let i = 0; i < count; i++) {
    const text = c.doc.getText('notes');
    const s = text.toString();
    const boundaries = [0];
    for (let j = 0; j < s.length; j++) if (s[j] === ']') boundaries.push(j + 1);
    const token = `[${tag}${i}]`;
    c.doc.transact(() => text.insert(rng.pick(boundaries), token), userOrigin(tag));
    made.push(token);
    await sleep(pauseMs);
  }
}

function occurrences(text: string, token: string): number {
  return text.split(token).length - 1;
}

/** Every token made is in the text exactly once. */
export function expectAll(text: string, tokens: string[], who: string) {
  const missing = tokens.filter((t) => occurrences(text, t) !== 1);
  expect(missing, `${who}: tokens missing or duplicated`).toEqual([]);
}

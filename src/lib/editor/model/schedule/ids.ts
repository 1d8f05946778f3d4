import type { Brand } from '../ids';

/** A schedule block's id: cannot be passed where a playlist id is expected. Snapshots carry plain strings. */
export type BlockId = Brand<string, 'BlockId'>;

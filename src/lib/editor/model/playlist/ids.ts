import { newId, type Brand } from '../ids';

/** Branded station ids: a PlaylistItemId cannot be passed where a PlaylistId is expected. Snapshots carry plain strings. */
export type PlaylistId = Brand<string, 'PlaylistId'>;
export type PlaylistItemId = Brand<string, 'PlaylistItemId'>;

export const newStationId = <T extends string>(): T => newId<T>();

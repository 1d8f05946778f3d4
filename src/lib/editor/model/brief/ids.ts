import { newId, type Brand } from '../ids';

/** A photo of the brief; snapshots carry it as a plain string. */
export type BriefPhotoId = Brand<string, 'BriefPhotoId'>;

export const newBriefId = <T extends string>(): T => newId<T>();

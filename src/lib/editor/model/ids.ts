import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/** Branded string ids: a ProjectId cannot be passed where a UserId is expected. */
export type Brand<T, B extends string> = T & { readonly __brand: B };
export type UserId = Brand<string, 'UserId'>;
export type ProjectId = Brand<string, 'ProjectId'>;
export type RecordId = Brand<string, 'RecordId'>;

/** 80 random bits as 16 base32 characters: unguessable and URL-safe. */
export function newId<T extends string>(): T {
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes) as T;
}

export const ID_PATTERN = /^[a-z2-7]{16}$/;

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** The one error shape every media step rejects with when its job is canceled. */

/** Named 'AbortError' so the worker can tell a cancel from a failure without instanceof checks across realms. */
export function abortError(signal?: AbortSignal): Error {
  const err = new Error('Media processing was aborted', { cause: signal?.reason });
  err.name = 'AbortError';
  return err;
}

/** Checked between steps, since sharp and stream setup cannot be interrupted mid-call. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

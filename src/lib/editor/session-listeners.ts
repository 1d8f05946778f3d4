import type { ProjectSession } from './project-session.svelte';

/**
 * Calls `refresh` after each transaction in which `observe` saw a change — read after the transaction has ended, since
 * inside an observer the cached reading is not yet invalidated — and `readPeers` now and on every presence change.
 * Returns what stops both.
 */
export function listenToSession(session: ProjectSession, observe: (changed: () => void) => () => void, refresh: () => void, readPeers: () => void): () => void {
  let dirty = false;
  const unobserve = observe(() => (dirty = true));
  const after = () => {
    if (dirty) refresh();
    dirty = false;
  };
  session.doc.on('afterTransaction', after);
  const awareness = session.provider.awareness;
  awareness.on('change', readPeers);
  readPeers();
  return () => {
    unobserve();
    session.doc.off('afterTransaction', after);
    awareness.off('change', readPeers);
  };
}

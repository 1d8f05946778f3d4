/**
 * The copies of project documents kept in this browser's IndexedDB (y-indexeddb), one database per user and
 * project, so that edits made offline survive a reload or a closed tab. Browser-only.
 */

const PREFIX = 'airstudio:';

/** Per user as well as per project: accounts that share a browser never open each other's copies. */
export const localCopyName = (userId: string, projectId: string): string => `${PREFIX}${userId}:${projectId}`;

/**
 * Deletes one local copy. Also resolves when another connection blocks the deletion: the browser keeps it queued
 * until that connection closes, and logging out must not hang on it.
 */
export function deleteLocalCopy(name: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  }).catch(() => {
    // No IndexedDB in this browser: nothing was stored.
  });
}

/** Deletes every local copy in this browser, of every account: for logging out on a shared computer. */
export async function deleteAllLocalCopies(): Promise<void> {
  // Private modes and old browsers may lack IndexedDB or databases(): then nothing was stored to delete.
  const all = await Promise.resolve()
    .then(() => indexedDB.databases())
    .catch(() => []);
  await Promise.all(all.flatMap((db) => (db.name?.startsWith(PREFIX) ? [deleteLocalCopy(db.name)] : [])));
}

/**
 * A submit handler for the logout forms: deletes the local copies first, then lets the form go on with the button
 * that was pressed. Without JavaScript the form posts as it is, and there is nothing stored to delete.
 */
export function deleteLocalCopiesThenSubmit(event: SubmitEvent & { currentTarget: HTMLFormElement }): void {
  const form = event.currentTarget;
  if (form.dataset.localCopiesDeleted) return;
  event.preventDefault();
  const submitter = event.submitter;
  void deleteAllLocalCopies().finally(() => {
    // The flag lets the resubmission through; it is dropped after, so a submit that fails to post deletes again.
    form.dataset.localCopiesDeleted = 'yes';
    form.requestSubmit(submitter);
    delete form.dataset.localCopiesDeleted;
  });
}

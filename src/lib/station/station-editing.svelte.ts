import { runCommand } from '$lib/editor/commands/command';
import { runGesture } from '$lib/editor/commands/operation-command';
import type { StationCommand } from '$lib/editor/commands/playlist/playlist-command';
import { redo, undo } from '$lib/editor/commands/undo';
import { canEdit } from '$lib/editor/model/role';
import type { ProjectSession } from '$lib/editor/project-session.svelte';
import { mergeStationPresence, readPeerStations, type PeerStation, type StationPresence } from './station-presence';

/** Awareness updates at most this often (ms): ten a second. */
const PUBLISH_MS = 100;

/**
 * What the playlist editor and the schedule calendar share: running station commands as one undo step of this user
 * with refusals as a toast, per-user undo, and the `station` awareness field (both editors write their half of it).
 */
export class StationEditing {
  /** The last refusal, shown until the next edit or a timeout. */
  message = $state<string | null>(null);
  /** Everyone else's station presence (validated awareness), one entry per browser tab. */
  peers = $state.raw<PeerStation[]>([]);
  #messageTimer: ReturnType<typeof setTimeout> | undefined;
  #publishTimer: ReturnType<typeof setTimeout> | undefined;
  #pending: Partial<StationPresence> = {};
  readonly #stopPeers: () => void;

  constructor(readonly session: ProjectSession) {
    const awareness = session.provider.awareness;
    const read = () => (this.peers = readPeerStations(awareness.getStates(), session.doc.clientID));
    awareness.on('change', read);
    read();
    this.#stopPeers = () => awareness.off('change', read);
  }

  get editable(): boolean {
    return canEdit(this.session.role);
  }

  /** Runs a station command as one undo step of this user; a refusal shows as the toast. Returns whether it ran. */
  run<A>(command: StationCommand<A>, args: A): boolean {
    const refusal = runGesture(command, this.session.context, args);
    if (refusal) this.say(refusal);
    else this.message = null;
    return refusal === null;
  }

  undo(): void {
    runCommand(undo, this.session.context, undefined);
  }

  redo(): void {
    runCommand(redo, this.session.context, undefined);
  }

  say(message: string): void {
    this.message = message;
    clearTimeout(this.#messageTimer);
    this.#messageTimer = setTimeout(() => (this.message = null), 5000);
  }

  /** Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y inside an editor; true when handled. */
  undoKey(e: KeyboardEvent): boolean {
    if (!(e.ctrlKey || e.metaKey)) return false;
    const key = e.key.toLowerCase();
    if (key === 'z' && !e.shiftKey) this.undo();
    else if ((key === 'z' && e.shiftKey) || key === 'y') this.redo();
    else return false;
    e.preventDefault();
    return true;
  }

  /** Shares this editor's half of the `station` field, ten times a second at most. */
  share(patch: Partial<StationPresence>): void {
    this.#pending = { ...this.#pending, ...patch };
    if (this.#publishTimer) return;
    this.#publishTimer = setTimeout(() => {
      this.#publishTimer = undefined;
      const awareness = this.session.provider.awareness;
      const previous = (awareness.getLocalState() as { station?: unknown } | null)?.station;
      awareness.setLocalStateField('station', mergeStationPresence(previous, this.#pending));
      this.#pending = {};
    }, PUBLISH_MS);
  }

  destroy(): void {
    clearTimeout(this.#messageTimer);
    clearTimeout(this.#publishTimer);
    this.#stopPeers();
  }
}

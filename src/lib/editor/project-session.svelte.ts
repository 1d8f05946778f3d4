import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { IndexeddbPersistence } from 'y-indexeddb';
import { io, type Socket } from 'socket.io-client';
import { SOCKET_TRANSPORTS } from '$lib/realtime/socket-transports';
import type { ClientToServerEvents, ServerToClientEvents } from '$lib/events';
import type { MemberView } from '$lib/project';
import type { CommandContext } from './commands/command';
import { deleteLocalCopy, localCopyName } from './local-copy';
import type { Comment } from './model/comment';
import { undoOriginsOf, userOrigin } from './model/origin';
import { presenceUserSchema, type PresenceUser } from './model/presence';
import { ProjectDoc } from './model/project-doc';
import type { Role } from './model/role';

export type ConnectionStatus = 'connecting' | 'live' | 'offline';
/** Where edits are kept besides the server: on this device (IndexedDB), or only in this tab when it is unavailable. */
export type LocalCopyState = 'loading' | 'device' | 'tab';

/** What the page does when the project changes under it (pushed over socket.io). */
export interface ProjectEventHandlers {
  renamed(name: string): void;
  members(members: MemberView[]): void;
  /** The project was deleted, or you were removed from it: there is nothing left to show. */
  gone(why: 'deleted' | 'removed'): void;
}

/**
 * One open project in the browser: the Y.Doc behind its typed ProjectDoc, its copy in this browser's IndexedDB,
 * the y-websocket connection that syncs it, everyone's presence, and the socket.io channel for membership events.
 * Create it only in the browser.
 */
export class ProjectSession {
  status = $state<ConnectionStatus>('connecting');
  localCopy = $state<LocalCopyState>('loading');
  /** The first sync with the server completed: the document shows the project, not an empty start. */
  synced = $state(false);
  /** The other people here now, one entry per person however many tabs they have open. */
  peers = $state.raw<PresenceUser[]>([]);
  comments = $state.raw<Comment[]>([]);
  canUndo = $state(false);
  canRedo = $state(false);
  /** Your role now; the owner can change it while you work. */
  role = $state<Role>('viewer');

  readonly doc = new Y.Doc();
  readonly project = new ProjectDoc(this.doc);
  /** Per-user undo: only this user's edits (comments, timeline, playlists and schedule via commands, notes via the editor binding) are undone. */
  readonly undoManager: Y.UndoManager;
  readonly provider: WebsocketProvider;
  private readonly persistence: IndexeddbPersistence;
  /** The project's socket.io channel (joined to its room), shared with panels that follow other events (jobs). */
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly stop: (() => void)[] = [];
  private user: PresenceUser;

  constructor(
    private readonly projectId: string,
    user: PresenceUser,
    events: ProjectEventHandlers
  ) {
    this.user = user;
    this.role = user.role;
    this.undoManager = new Y.UndoManager(
      [this.project.notes, this.project.comments.ymap, ...this.project.timeline.undoScope, ...this.project.playlists.undoScope, ...this.project.schedule.undoScope, ...this.project.brief.undoScope],
      { trackedOrigins: undoOriginsOf(user.id) }
    );
    const undoChanged = () => {
      this.canUndo = this.undoManager.canUndo();
      this.canRedo = this.undoManager.canRedo();
    };
    for (const e of ['stack-item-added', 'stack-item-popped', 'stack-cleared'] as const) this.undoManager.on(e, undoChanged);

    this.comments = this.project.commentList();
    this.stop.push(this.project.comments.observe(() => (this.comments = this.project.commentList())));

    this.persistence = this.openLocalCopy(localCopyName(user.id, projectId));

    const wsBase = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
    // Not connected yet: the server closes a socket whose first presence names someone else, so set ours first.
    this.provider = new WebsocketProvider(`${wsBase}/yjs`, projectId, this.doc, { connect: false });
    this.provider.awareness.setLocalStateField('user', this.user);
    this.provider.on('status', () => this.updateStatus());
    this.provider.on('sync', (synced: boolean) => {
      if (synced) this.synced = true;
      this.updateStatus();
    });
    const awarenessChanged = () => this.updatePeers();
    this.provider.awareness.on('change', awarenessChanged);
    this.stop.push(() => this.provider.awareness.off('change', awarenessChanged));
    // Connects while the local copy loads: whichever lands first, Yjs sends the server what it lacks, offline edits included.
    this.provider.connect();

    const gone = (why: 'deleted' | 'removed') => {
      void this.forgetLocalCopy();
      events.gone(why);
    };

    this.socket = io(SOCKET_TRANSPORTS);
    const join = () =>
      this.socket.emit('project:join', projectId, (r) => {
        // Only a refusal means you are out; a server error must not delete edits not yet sent.
        if (!r.ok && r.error.code === 'forbidden') gone('removed');
      });
    this.socket.on('connect', join);
    this.socket.on('project:renamed', (e) => e.projectId === projectId && events.renamed(e.name));
    this.socket.on('project:members', (e) => e.projectId === projectId && events.members(e.members));
    this.socket.on('project:deleted', (e) => e.projectId === projectId && gone('deleted'));
    this.socket.on('project:removed', (e) => e.projectId === projectId && gone('removed'));
  }

  /** The context the editor commands run in, with this user's origin and current role. */
  get context(): CommandContext {
    return { project: this.project, origin: userOrigin(this.user.id), role: this.role, user: { id: this.user.id, name: this.user.name }, undoManager: this.undoManager };
  }

  /** The owner changed your role: commands and presence follow (the server already enforces it). */
  setRole(role: Role): void {
    if (role === this.role) return;
    this.role = role;
    this.user = { ...this.user, role };
    this.provider.awareness.setLocalStateField('user', this.user);
  }

  /** Deletes this project's copy in this browser: with no access left, it must not stay on the device. */
  async forgetLocalCopy(): Promise<void> {
    this.localCopy = 'tab';
    await this.persistence.destroy().catch(() => {});
    await deleteLocalCopy(this.persistence.name);
  }

  private openLocalCopy(name: string): IndexeddbPersistence {
    const persistence = new IndexeddbPersistence(name, this.doc);
    persistence._db.then(
      // Logging out (here or in another tab) deletes the database: stop writing to it, edits stay in this tab.
      (db) =>
        db.addEventListener('versionchange', () => {
          this.localCopy = 'tab';
          void persistence.destroy();
        }),
      // Private mode or blocked storage: the studio works as before, and the status says edits live only in this tab.
      () => (this.localCopy = 'tab')
    );
    void persistence.whenSynced.then(() => {
      if (this.localCopy === 'loading') this.localCopy = 'device';
    });
    return persistence;
  }

  private updateStatus() {
    if (this.provider.wsconnected) this.status = this.provider.synced ? 'live' : 'connecting';
    // Once the project has loaded, a lost connection is "offline": edits wait locally and merge on reconnect.
    else this.status = this.synced ? 'offline' : 'connecting';
  }

  private updatePeers() {
    const byId = new Map<string, PresenceUser>();
    for (const [clientId, state] of this.provider.awareness.getStates()) {
      if (clientId === this.doc.clientID) continue;
      // Presence comes from other browsers: show only what parses.
      const parsed = presenceUserSchema.safeParse((state as { user?: unknown }).user);
      if (parsed.success && parsed.data.id !== this.user.id) byId.set(parsed.data.id, parsed.data);
    }
    this.peers = [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  destroy(): void {
    for (const fn of this.stop) fn();
    this.socket.emit('project:leave', this.projectId);
    this.socket.disconnect();
    this.undoManager.destroy();
    void this.persistence.destroy().catch(() => {});
    this.provider.destroy();
    this.doc.destroy();
  }
}

import * as Y from 'yjs';
import { AssistantConversation } from './assistant-conversation';
import { commentKind, type Comment } from './comment';
import { readMeta, SCHEMA_VERSION, type ProjectMeta } from './meta';
import type { EditOrigin } from './origin';
import { RecordMap } from './record-map';
import { Timeline } from './timeline/timeline';
import { Playlists } from './playlist/playlists';
import { Schedule } from './schedule/schedule';
import { Brief } from './brief/brief';

/**
 * The typed face of one project's Yjs document. UI, server and workers go through this, never raw keys.
 * Later capabilities add their collections here (timeline, schedule, brief).
 */
export class ProjectDoc {
  readonly meta: Y.Map<unknown>;
  /** The project's shared notes: free text everyone co-edits. */
  readonly notes: Y.Text;
  readonly comments: RecordMap<Comment>;
  #timeline: Timeline | undefined;
  #playlists: Playlists | undefined;
  #schedule: Schedule | undefined;
  #brief: Brief | undefined;
  #assistant: AssistantConversation | undefined;

  constructor(readonly doc: Y.Doc = new Y.Doc()) {
    this.meta = doc.getMap('meta');
    this.notes = doc.getText('notes');
    this.comments = new RecordMap(doc, commentKind);
  }

  /** The video timeline: tracks, clips, transitions, markers and frame settings. */
  get timeline(): Timeline {
    return (this.#timeline ??= new Timeline(this.doc));
  }

  /** The station's playlists and week schedule (with its default rotation). */
  get playlists(): Playlists {
    return (this.#playlists ??= new Playlists(this.doc));
  }
  get schedule(): Schedule {
    return (this.#schedule ??= new Schedule(this.doc));
  }

  /** The listing's staging brief: the listing, its photos in order with their tags and staging instructions. */
  get brief(): Brief {
    return (this.#brief ??= new Brief(this.doc));
  }

  /** The assistant conversation everyone in the project sees (not in anyone's undo scope). */
  get assistant(): AssistantConversation {
    return (this.#assistant ??= new AssistantConversation(this.doc));
  }

  readMeta(): ProjectMeta {
    return readMeta(this.meta);
  }

  /** One transaction, one undo step, attributed to `origin`. */
  transact<R>(origin: EditOrigin, fn: (doc: ProjectDoc) => R): R {
    let result!: R;
    this.doc.transact(() => {
      if (this.meta.get('schemaVersion') !== SCHEMA_VERSION) this.meta.set('schemaVersion', SCHEMA_VERSION);
      result = fn(this);
    }, origin);
    return result;
  }

  /** Comments oldest first. */
  commentList(): Comment[] {
    return this.comments.all().sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }
}

import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { userOrigin } from '$lib/editor/model/origin';
import type { Role } from '$lib/editor/model/role';
import { runCommand, type CommandContext } from '$lib/editor/commands/command';
import { addComment } from '$lib/editor/commands/add-comment';
import { deleteComment } from '$lib/editor/commands/delete-comment';
import { toggleCommentResolved } from '$lib/editor/commands/resolve-comment';
import { undo } from '$lib/editor/commands/undo';
import { seededRng, type Rng } from '../helpers/prng';
import { randomEdit } from '../helpers/random-edit';
import { docFingerprint } from '../helpers/ydoc';

/** One peer: its own Y.Doc behind the typed model, edited through commands as the UI would. */
class Replica {
  readonly project = new ProjectDoc(new Y.Doc());
  readonly ctx: CommandContext;
  constructor(
    readonly index: number,
    role: Role
  ) {
    const user = { id: `user-${index}`, name: `User ${index}` };
    this.ctx = { project: this.project, origin: userOrigin(user.id), role, user };
  }
  get doc() {
    return this.project.doc;
  }
  /** Fixed Yjs client ids, so a seed replays the same conflict resolution. */
  setClientId(id: number) {
    this.doc.clientID = id;
    return this;
  }
}

interface Message {
  from: number;
  to: number;
  data: Uint8Array;
  deliverAt: number;
}

/**
 * An in-process network of y-protocols sync messages: every local update is sent to every peer with a random
 * delay, messages are delivered in random order, and a partition drops what crosses it. Healing runs the sync
 * handshake (step 1 / step 2) between every pair, as a reconnecting provider does.
 */
class SimNetwork {
  private queue: Message[] = [];
  private group: number[];
  private now = 0;
  delivered = 0;
  dropped = 0;

  constructor(
    readonly replicas: Replica[],
    private readonly rng: Rng,
    private readonly maxDelay = 8
  ) {
    this.group = replicas.map(() => 0);
    for (const r of replicas) {
      r.doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin instanceof SimPeer) return; // only local edits are broadcast; the heal handshake repairs gaps
        const enc = encoding.createEncoder();
        syncProtocol.writeUpdate(enc, update);
        const data = encoding.toUint8Array(enc);
        for (const other of replicas) if (other !== r) this.send(r.index, other.index, data);
      });
    }
  }

  private connected(a: number, b: number) {
    return this.group[a] === this.group[b];
  }

  private send(from: number, to: number, data: Uint8Array) {
    if (!this.connected(from, to)) {
      this.dropped++;
      return;
    }
    this.queue.push({ from, to, data, deliverAt: this.now + this.rng.int(this.maxDelay + 1) });
  }

  /** Cuts the replicas into two random sides (each side non-empty). */
  partition() {
    const n = this.replicas.length;
    const cut = 1 + this.rng.int(n - 1);
    const order = this.replicas.map((r) => r.index).sort(() => this.rng.next() - 0.5);
    this.group = this.replicas.map(() => 0);
    for (const i of order.slice(0, cut)) this.group[i] = 1;
  }

  heal() {
    this.group = this.replicas.map(() => 0);
    for (const a of this.replicas) {
      for (const b of this.replicas) {
        if (a === b) continue;
        const enc = encoding.createEncoder();
        syncProtocol.writeSyncStep1(enc, a.doc);
        this.send(a.index, b.index, encoding.toUint8Array(enc));
      }
    }
  }

  /** Advances time one tick and delivers, in random order, some of the messages that are due. */
  tick() {
    this.now++;
    const due = this.queue.filter((m) => m.deliverAt <= this.now);
    this.queue = this.queue.filter((m) => m.deliverAt > this.now);
    due.sort(() => this.rng.next() - 0.5);
    for (const m of due) {
      if (this.rng.chance(0.3)) {
        // Held back another tick: reordering across ticks too.
        this.queue.push({ ...m, deliverAt: this.now + 1 });
        continue;
      }
      this.deliver(m);
    }
  }

  private deliver(m: Message) {
    if (!this.connected(m.from, m.to)) {
      this.dropped++;
      return;
    }
    const target = this.replicas[m.to];
    const reply = encoding.createEncoder();
    syncProtocol.readSyncMessage(decoding.createDecoder(m.data), reply, target.doc, peerOrigin(m.from));
    this.delivered++;
    if (encoding.length(reply) > 0) this.send(m.to, m.from, encoding.toUint8Array(reply));
  }

  /** Heals and delivers until nothing is in flight. */
  settle() {
    this.heal();
    for (let i = 0; this.queue.length > 0; i++) {
      if (i > 100_000) throw new Error('the network did not settle');
      this.tick();
    }
  }
}

class SimPeer {
  constructor(readonly index: number) {}
}
const peers = new Map<number, SimPeer>();
const peerOrigin = (i: number) => peers.get(i) ?? peers.set(i, new SimPeer(i)).get(i)!;

function assertConverged(replicas: Replica[]) {
  const first = docFingerprint(replicas[0].doc);
  for (const r of replicas) {
    // Nothing waits for a missing dependency: every update was integrated.
    expect(r.doc.store.pendingStructs, `replica ${r.index} pending structs`).toBeNull();
    expect(r.doc.store.pendingDs, `replica ${r.index} pending deletes`).toBeNull();
    expect(docFingerprint(r.doc), `replica ${r.index}`).toEqual(first);
  }
  return first;
}

describe('model convergence over a simulated network', () => {
  const SEEDS = Array.from({ length: 24 }, (_, i) => 1000 + i * 7919);

  it.each(SEEDS)('seed %i: replicas editing notes and comments through partitions converge', (seed) => {
    const rng = seededRng(seed);
    const n = 3 + rng.int(3);
    const replicas = Array.from({ length: n }, (_, i) => new Replica(i, i === 0 ? 'owner' : 'editor').setClientId(seed * 8 + i));
    const net = new SimNetwork(replicas, rng);
    const OPS = 160;
    const [cut, heal] = [Math.floor(OPS / 3), Math.floor((2 * OPS) / 3)];
    for (let op = 0; op < OPS; op++) {
      // The middle third is always partitioned; before and after, partitions come and go at random.
      const random = op < cut || op > heal;
      if (op === cut || (random && rng.chance(0.02))) net.partition();
      if (op === heal || (random && rng.chance(0.02))) net.heal();
      randomEdit(rng.pick(replicas).ctx, rng);
      if (rng.chance(0.6)) net.tick();
    }
    net.settle();
    const state = assertConverged(replicas);
    expect(net.delivered).toBeGreaterThan(0);
    expect(net.dropped).toBeGreaterThan(0);
    // The run edited something that survived, so convergence was not on an empty document.
    expect(state.content.notes.length + state.content.comments.length).toBeGreaterThan(0);
  });

  it('keeps concurrent edits to different fields of one record', () => {
    const rng = seededRng(7);
    const [a, b, c] = [0, 1, 2].map((i) => new Replica(i, i === 0 ? 'owner' : 'editor'));
    const net = new SimNetwork([a, b, c], rng);
    runCommand(addComment, a.ctx, { body: 'Check the levels at 00:42' });
    net.settle();
    const id = b.project.commentList()[0].id;

    net.partition();
    a.project.transact(a.ctx.origin, () => a.project.comments.update(id, { body: 'Check the levels at 00:43' }));
    expect(runCommand(toggleCommentResolved, b.ctx, { id })).toBe(true);
    net.settle();
    assertConverged([a, b, c]);
    for (const r of [a, b, c]) expect(r.project.comments.get(id)).toMatchObject({ body: 'Check the levels at 00:43', resolved: true });
  });

  it('resolves concurrent edits to the same field, and an edit racing a delete, identically everywhere', () => {
    const rng = seededRng(11);
    const [a, b] = [0, 1].map((i) => new Replica(i, 'owner'));
    const net = new SimNetwork([a, b], rng);
    runCommand(addComment, a.ctx, { body: 'first' });
    runCommand(addComment, a.ctx, { body: 'second' });
    net.settle();
    const [first, second] = a.project.commentList();

    net.partition();
    a.project.transact(a.ctx.origin, () => a.project.comments.update(first.id, { body: 'from a' }));
    b.project.transact(b.ctx.origin, () => b.project.comments.update(first.id, { body: 'from b' }));
    a.project.transact(a.ctx.origin, () => a.project.comments.update(second.id, { body: 'kept?' }));
    expect(runCommand(deleteComment, b.ctx, { id: second.id })).toBe(true);
    net.settle();
    assertConverged([a, b]);
    expect(['from a', 'from b']).toContain(a.project.comments.get(first.id)?.body);
    // The record was deleted as a whole: a field set on it concurrently does not resurrect it.
    expect(a.project.comments.has(second.id)).toBe(false);
  });

  it('undo is per user: undoing my edit keeps a teammate’s concurrent edit, and the result converges', () => {
    const rng = seededRng(3);
    const [a, b] = [0, 1].map((i) => new Replica(i, 'editor'));
    const net = new SimNetwork([a, b], rng);
    a.ctx.undoManager = new Y.UndoManager([a.project.notes, a.project.comments.ymap], { trackedOrigins: new Set([a.ctx.origin]) });
    a.project.transact(a.ctx.origin, () => a.project.notes.insert(0, 'A-text '));
    b.project.transact(b.ctx.origin, () => b.project.notes.insert(0, 'B-text '));
    net.settle();
    expect(a.project.notes.toString()).toContain('B-text');

    expect(runCommand(undo, a.ctx, undefined)).toBe(true);
    net.settle();
    assertConverged([a, b]);
    expect(b.project.notes.toString()).toBe('B-text ');
    // Nothing of a's left to undo; b's text is not on a's stack.
    expect(runCommand(undo, a.ctx, undefined)).toBe(false);
  });
});

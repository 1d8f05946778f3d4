import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import type { Logger } from '../log';
import type { RedisConnection } from '../redis/redis-connection';

/** The origin of document and awareness updates that came from another web process. */
export const REMOTE = Symbol('remote');

/** What a loaded document does with what other web processes publish about it. */
export interface FanoutTarget {
  /** An update another process already appended to the log as row `rowId`. */
  receiveUpdate(update: Uint8Array, rowId: number): void;
  receiveAwareness(update: Uint8Array): void;
  /** A process that just loaded the document asks for everyone's presence. */
  awarenessQueried(): void;
  /** Messages may have been missed while Redis was away: catch up from the log. */
  resync(): void;
}

const UPDATE = 0;
const AWARENESS = 1;
const AWARENESS_QUERY = 2;

/**
 * Yjs over Redis pub/sub between web processes: one channel per loaded project, one subscriber connection per
 * process. Document updates are published only after they are in the log, so a process that subscribes before
 * reading the log misses nothing: what was published earlier is already stored.
 */
export class DocFanout {
  private readonly targets = new Map<string, FanoutTarget>();

  private constructor(
    /** Tells this process's own messages (Redis echoes them back) from the others'; names its subscriber connection. */
    readonly processId: string,
    private readonly redis: RedisConnection,
    private readonly sub: Redis,
    private readonly logger: Logger
  ) {
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel.toString(), message));
    // After a reconnect (open() has seen the first 'ready' already), what was published meanwhile is read back from
    // the log, once the subscriptions are confirmed again ('ready' comes before ioredis resubscribes).
    sub.on('ready', () => {
      const channels = [...this.targets.keys()];
      if (!channels.length) return;
      sub.subscribe(...channels).then(
        () => channels.forEach((c) => this.targets.get(c)?.resync()),
        (e) => this.logger.error({ err: e }, 'could not resubscribe to document channels')
      );
    });
  }

  static async open(redis: RedisConnection, logger: Logger): Promise<DocFanout> {
    const processId = randomBytes(8).toString('hex');
    return new DocFanout(processId, redis, await redis.duplicate(`doc-fanout-${processId}`), logger);
  }

  private channel(projectId: string): string {
    return this.redis.key(`doc:${projectId}`);
  }

  /** Resolves once Redis confirmed the subscription: from then on nothing published for the project is missed. */
  async subscribe(projectId: string, target: FanoutTarget): Promise<void> {
    const channel = this.channel(projectId);
    this.targets.set(channel, target);
    await this.sub.subscribe(channel);
    this.publish(projectId, AWARENESS_QUERY);
  }

  /** Stops delivering to `target` (a newer copy of the same project subscribed meanwhile keeps its subscription). */
  async unsubscribe(projectId: string, target: FanoutTarget): Promise<void> {
    const channel = this.channel(projectId);
    if (this.targets.get(channel) !== target) return;
    this.targets.delete(channel);
    await this.sub.unsubscribe(channel).catch((e) => this.logger.warn({ err: e, projectId }, 'redis unsubscribe failed'));
  }

  publishUpdate(projectId: string, update: Uint8Array, rowId: number): void {
    this.publish(projectId, UPDATE, (enc) => {
      encoding.writeVarUint(enc, rowId);
      encoding.writeVarUint8Array(enc, update);
    });
  }

  publishAwareness(projectId: string, update: Uint8Array): void {
    this.publish(projectId, AWARENESS, (enc) => encoding.writeVarUint8Array(enc, update));
  }

  private publish(projectId: string, type: number, body?: (enc: encoding.Encoder) => void): void {
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, type);
    encoding.writeVarString(enc, this.processId);
    body?.(enc);
    this.redis.client
      .publish(this.channel(projectId), Buffer.from(encoding.toUint8Array(enc)))
      // The update is stored; other processes get it when they next load or resync.
      .catch((e) => this.logger.error({ err: e, projectId }, 'could not publish a document message to redis'));
  }

  private onMessage(channel: string, message: Buffer): void {
    const target = this.targets.get(channel);
    if (!target) return;
    try {
      const d = decoding.createDecoder(new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
      const type = decoding.readVarUint(d);
      if (decoding.readVarString(d) === this.processId) return;
      if (type === UPDATE) {
        const rowId = decoding.readVarUint(d);
        target.receiveUpdate(decoding.readVarUint8Array(d), rowId);
      } else if (type === AWARENESS) target.receiveAwareness(decoding.readVarUint8Array(d));
      else if (type === AWARENESS_QUERY) target.awarenessQueried();
      else throw new Error(`unknown message type ${type}`);
    } catch (e) {
      this.logger.warn({ channel, bytes: message.byteLength, reason: (e as Error).message }, 'malformed document message on redis; ignored');
    }
  }
}

/**
 * Live takeover as the API, the worker and the studio know it: a live source (an RTMP publisher such as OBS, or the
 * studio's Web DJ) publishes to the ingest with a stream key, and while connected it takes the channel's air.
 */

/** The RTMP application publishers send to: rtmp://<host>:<port>/live/<stream key>. */
export const TAKEOVER_APP = 'live';

export type TakeoverSourceKind = 'rtmp' | 'webdj';

/** What the channel page shows: whether the ingest runs, where to publish, and who has the air. */
export interface TakeoverStatus {
  channelId: string;
  /** The ingest server runs; when false, `message` says what to install or set. */
  available: boolean;
  message: string | null;
  /** rtmp://host:port/live, or null when the host is not known (the page then uses its own). */
  ingestUrl: string | null;
  port: number | null;
  app: string;
  source: { kind: TakeoverSourceKind; djName: string; since: number; onAir: boolean } | null;
}

/** What the live job's lease holder is told (the stream name is the secret key: for the lease holder only). */
export interface TakeoverForJob {
  live: { kind: TakeoverSourceKind; djName: string; since: number; port: number; app: string; streamName: string } | null;
}

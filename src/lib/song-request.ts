/** Song requests as the API and the studio's socket events send them. */

export interface RequestableSong {
  id: string;
  title: string;
  artist: string;
  /** Seconds. */
  duration: number | null;
}

export interface SongRequestView {
  id: string;
  channelId: string;
  assetId: string;
  title: string;
  artist: string;
  status: 'pending' | 'played' | 'removed';
  requestedAt: string;
  /** When the plan may air it: the request time plus the channel's request delay. */
  playableFrom: string;
  playedAt: string | null;
  /** 'guest' or 'user'. */
  by: 'guest' | 'user';
  /** What the listener gave for the team (plain text: shown as typed, never as markup). */
  name: string | null;
  message: string | null;
}

/** Limits of a request's optional name and message. */
export const REQUEST_NAME_MAX = 40;
export const REQUEST_MESSAGE_MAX = 200;

/** Podcasts as the API shows them (server and studio share these shapes). */

/** Apple Podcasts' top-level categories: a feed with another category is refused by its directory. */
export const PODCAST_CATEGORIES = [
  'Arts', 'Business', 'Comedy', 'Education', 'Fiction', 'Government', 'Health & Fitness', 'History', 'Kids & Family', 'Leisure', 'Music',
  'News', 'Religion & Spirituality', 'Science', 'Society & Culture', 'Sports', 'Technology', 'True Crime', 'TV & Film'
] as const;

export type PodcastCategory = (typeof PODCAST_CATEGORIES)[number];

export interface PodcastJson {
  id: string;
  channelId: string;
  slug: string;
  title: string;
  description: string;
  author: string;
  language: string;
  category: PodcastCategory;
  explicit: boolean;
  artworkAssetId: string | null;
  /** The square JPEG podcast apps show (null without artwork). */
  artworkUrl: string | null;
  published: boolean;
  /** Absolute: what listeners paste into their podcast app. */
  feedUrl: string;
  createdAt: number;
  updatedAt: number;
}

export interface PodcastEpisodeJson {
  id: string;
  podcastId: string;
  title: string;
  description: string;
  source: 'recording' | 'asset';
  assetId: string | null;
  rangeStart: number | null;
  rangeEnd: number | null;
  mime: string;
  bytes: number;
  /** Seconds. */
  duration: number;
  chapterCount: number;
  published: boolean;
  publishAt: number;
  /** The enclosure as the feed lists it. */
  url: string;
  chaptersUrl: string | null;
  createdAt: number;
}

/** One stored recording file of a channel's air. */
export interface RecordingJson {
  name: string;
  start: number;
  end: number;
  bytes: number;
  /** For members' players (session cookie or token). */
  url: string;
}

/** A show of the schedule that aired within the recordings: a ready-made episode range. */
export interface RecordedShowJson {
  blockId: string;
  name: string;
  start: number;
  end: number;
  /** True when the recordings cover all of it. */
  complete: boolean;
}

export interface RecordingsJson {
  recordings: RecordingJson[];
  shows: RecordedShowJson[];
}

/** Credits as the API, the studio and the server's ledger know them. */

/**
 * Credits per minute of content for each priced job type, from the studio's credit table (seed 002): each tool at the
 * low end of its row, since most are signal-processing filters (RNNoise, Silero VAD and ESRGAN are small models). A timeline render is not in that table;
 * it costs the table's floor. Job types not listed (upload processing, channel.live, diagnostics) are free.
 */
export const CREDIT_DEFAULT_PRICES: Record<string, number> = {
  'timeline.render': 1,
  // Audio Cleanup: 1-2
  'tool.cleanup': 1,
  // Automatic Editing: 5-10
  'tool.silence': 5,
  // Smart Video Analysis: 3
  'tool.scenes': 3,
  // Video Restoration: 3-5
  'tool.stabilize': 3,
  'tool.denoise': 3,
  // Color Enhancement: 1-3
  'tool.color': 1,
  // Smart Upscaling: 2-8 by target resolution; one price per job type, so the low end (a 4× job pays the same minutes;
  // a still, ESRGAN, is charged as one minute)
  'tool.upscale': 2,
  // Caption Generation: 2
  'tool.captions': 2,
  // Smart Video Analysis: 3 (Silero VAD finds speech, as scene detection finds shots)
  'tool.speech': 3,
  // Text2Video Generation: 10-20, Image2Video: 8-15; one job type for both, at text-to-video's low end, per second asked for
  'ai.video': 10,
  // Music Creation: 5, for a MusicGen server's music (the procedural generator's chunks are queued free)
  'music.generate': 5,
  // Smart Video Analysis' floor, per photo (each photo analysed is charged as one minute): quality, room and focus
  'photo.analyze': 1,
  // Smart Upscaling's floor, per photo (ESRGAN on small photos, levels, white balance, verticals)
  'photo.enhance': 2,
  // Not in the table: a staged copy per photo at Color Enhancement's floor (the board's composite is sharp, not a model;
  // a staging provider's image model bills the operator itself)
  'staging.render': 1,
  // Not in the table: a render like the timeline's, at the table's floor, per minute of output summed over the variants
  'listing.render': 1
};

export const CREDIT_PRICED_TYPES = Object.keys(CREDIT_DEFAULT_PRICES);

/** What a price is per, where it is not a minute of content: photo analysis, enhancement and staging charge each photo as one minute. */
export const creditUnit = (jobType: string) => (PER_PHOTO.has(jobType) ? 'a photo' : 'a minute');
const PER_PHOTO = new Set(['photo.analyze', 'photo.enhance', 'staging.render']);

export const CREDIT_MAX_PRICE = 10_000;

/** What a job of `seconds` of content costs: whole credits, rounded up, so a short job is never free. */
export function creditCost(creditsPerMinute: number, seconds: number): number {
  return Math.ceil((creditsPerMinute * Math.max(0, seconds)) / 60);
}

export interface CreditPriceJson {
  jobType: string;
  creditsPerMinute: number;
  /** False when the operator set another price than the default. */
  isDefault: boolean;
}

export interface CreditEntryJson {
  id: number;
  kind: 'grant' | 'charge' | 'refund';
  /** Signed: a charge is negative. */
  amount: number;
  balanceAfter: number;
  projectId: string | null;
  jobId: string | null;
  jobType: string | null;
  contentMinutes: number | null;
  creditsPerMinute: number | null;
  /** The charge this refund gives back. */
  refundOf: number | null;
  actor: string | null;
  note: string | null;
  createdAt: number;
}

export interface ProjectCreditsJson {
  /** False when the instance runs with CREDITS=off: nothing is charged. */
  enabled: boolean;
  /** The project owner's account, which pays for the project's jobs. */
  owner: string;
  balance: number;
  prices: CreditPriceJson[];
  entries: CreditEntryJson[];
  /** Pass as `before` for the next page; null on the last. */
  nextBefore: number | null;
  /** Whether the caller may grant credits and set prices. */
  operator: boolean;
}

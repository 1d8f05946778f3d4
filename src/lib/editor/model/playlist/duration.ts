import { itemsOf } from './normalize';
import { playableMs, type PlaylistsSnapshot, type StationAssets } from './snapshot';

export interface PlaylistDuration {
  /** What goes on air: the playing length (between cue points) of the playable items, seconds. */
  seconds: number;
  playable: number;
  /** Items the plan skips, by why: the asset was deleted, waits for approval (or was rejected), or is under a second. */
  missing: string[];
  unapproved: string[];
  tooShort: string[];
}

/** The editor's total for one playlist, counting only what can go on air (crossfades not deducted: they depend on the channel). */
export function playlistDuration(s: PlaylistsSnapshot, playlistId: string, assets: StationAssets): PlaylistDuration {
  const out: PlaylistDuration = { seconds: 0, playable: 0, missing: [], unapproved: [], tooShort: [] };
  let ms = 0;
  for (const item of itemsOf(s, playlistId)) {
    const asset = assets[item.assetId];
    if (!asset) out.missing.push(item.id);
    else if (!asset.approved) out.unapproved.push(item.id);
    else if (playableMs(asset) === 0) out.tooShort.push(item.id);
    else {
      ms += playableMs(asset);
      out.playable++;
    }
  }
  out.seconds = ms / 1000;
  return out;
}

import { addPlaylistItems } from '../../model/playlist/operations';
import type { StationAssets } from '../../model/playlist/snapshot';
import { playlistCommand } from './playlist-command';

/** Library files into a playlist; `assets` is what the library says of them (only approved ones go in). */
export const addPlaylistItemsCommand = playlistCommand<{ playlistId: string; assetIds: readonly string[]; index?: number; assets: StationAssets }>({
  name: 'playlist.addItems',
  label: 'Add to playlist',
  operate: (s, args) => addPlaylistItems(s, args)
});

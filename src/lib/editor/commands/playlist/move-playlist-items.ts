import { movePlaylistItems } from '../../model/playlist/operations';
import { playlistCommand } from './playlist-command';

/** Reorders items within their playlist (a drag in the list). */
export const movePlaylistItemsCommand = playlistCommand<{ itemIds: readonly string[]; index: number }>({
  name: 'playlist.moveItems',
  label: 'Move items',
  operate: (s, args) => movePlaylistItems(s, args)
});

import { removePlaylistItems } from '../../model/playlist/operations';
import { playlistCommand } from './playlist-command';

export const removePlaylistItemsCommand = playlistCommand<{ itemIds: readonly string[] }>({
  name: 'playlist.removeItems',
  label: 'Remove from playlist',
  keys: ['Delete', 'Backspace'],
  operate: (s, args) => removePlaylistItems(s, args)
});

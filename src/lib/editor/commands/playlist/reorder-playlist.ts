import { reorderPlaylist } from '../../model/playlist/operations';
import { playlistCommand } from './playlist-command';

export const reorderPlaylistCommand = playlistCommand<{ playlistId: string; index: number }>({
  name: 'playlist.reorder',
  label: 'Move playlist',
  operate: (s, args) => reorderPlaylist(s, args)
});

import { renamePlaylist } from '../../model/playlist/operations';
import { playlistCommand } from './playlist-command';

export const renamePlaylistCommand = playlistCommand<{ playlistId: string; name: string }>({
  name: 'playlist.rename',
  label: 'Rename playlist',
  operate: (s, args) => renamePlaylist(s, args)
});
